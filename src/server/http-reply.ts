/**
 * How the HTTP side answers: JSON bodies, the security headers every answer carries, the
 * Content-Security-Policy of the call page, and CORS for the JSON API.
 */
import type { ServerResponse } from 'node:http';
import type { Config } from './config.ts';

export const SECURITY_HEADERS = {
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Permissions-Policy': 'camera=(self), microphone=(self), display-capture=(self)',
} as const;

/**
 * The call page's policy: its own script and style only (no inline script, no eval), media and
 * QR images from the page itself (`blob:`, `data:`, `mediastream:`), network only to its own
 * origin (the WebSocket included), and no framing (clickjacking of the camera prompt).
 */
export const PAGE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "media-src 'self' blob: mediastream:",
  "connect-src 'self'",
  "font-src 'self'",
  "manifest-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** Under TLS: browsers keep to https for this host for 180 days. */
export const HSTS = 'max-age=15552000';

export function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-store',
    ...SECURITY_HEADERS,
    ...headers,
  });
  res.end(text);
}

export function corsHeaders(config: Config, origin: string | undefined): Record<string, string> {
  if (config.allowedOrigins === undefined) return { 'Access-Control-Allow-Origin': '*' };
  if (origin !== undefined && config.allowedOrigins.includes(origin)) {
    return { 'Access-Control-Allow-Origin': origin, Vary: 'Origin' };
  }
  return { Vary: 'Origin' };
}
