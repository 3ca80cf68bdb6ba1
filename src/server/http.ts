/**
 * The HTTP side: health, readiness, metrics, ICE servers and the call page.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import sirv from 'sirv';
import type { Config } from './config.ts';
import type { Metrics } from './metrics.ts';
import { builtInStunUrl, iceServersFor } from './turn.ts';

/** Where the built call page lives (npm run build writes it). */
export const WEB_ROOT = fileURLToPath(new URL('../../dist/web/', import.meta.url));

export interface HttpDeps {
  readonly config: Config;
  readonly metrics: Metrics;
  readonly ready: () => Promise<boolean>;
  readonly now: () => number;
  readonly webRoot?: string;
  /** The built-in STUN server's UDP port once it listens; undefined when it is off. */
  readonly stunPort?: () => number | undefined;
}

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

const SECURITY_HEADERS = {
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Permissions-Policy': 'camera=(self), microphone=(self), display-capture=(self)',
} as const;

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
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

function corsHeaders(config: Config, origin: string | undefined): Record<string, string> {
  if (config.allowedOrigins === undefined) return { 'Access-Control-Allow-Origin': '*' };
  if (origin !== undefined && config.allowedOrigins.includes(origin)) {
    return { 'Access-Control-Allow-Origin': origin, Vary: 'Origin' };
  }
  return { Vary: 'Origin' };
}

export function createHttpHandler(deps: HttpDeps): Handler {
  const webRoot = deps.webRoot ?? WEB_ROOT;
  const page: Handler = existsSync(webRoot)
    ? sirv(webRoot, {
        etag: true,
        single: false,
        setHeaders(res) {
          for (const [name, value] of Object.entries(SECURITY_HEADERS)) res.setHeader(name, value);
        },
      })
    : (_req, res) => {
        res.writeHead(503, { 'Content-Type': 'text/plain; charset=utf-8' });
        res.end('The call page has not been built: run npm run build.\n');
      };

  return (req, res) => {
    const path = (req.url ?? '/').split('?', 1)[0];
    const method = req.method ?? 'GET';
    if (method !== 'GET' && method !== 'HEAD') {
      json(res, 405, { error: 'method not allowed' }, { Allow: 'GET, HEAD' });
      return;
    }
    switch (path) {
      case '/healthz':
        json(res, 200, { status: 'ok' });
        return;
      case '/readyz':
        deps.ready().then(
          (ok) => json(res, ok ? 200 : 503, { status: ok ? 'ready' : 'unavailable' }),
          () => json(res, 503, { status: 'unavailable' }),
        );
        return;
      case '/metrics':
        deps.metrics.registry.metrics().then(
          (text) => {
            res.writeHead(200, { 'Content-Type': deps.metrics.registry.contentType, 'Cache-Control': 'no-store' });
            res.end(text);
          },
          () => json(res, 500, { error: 'metrics unavailable' }),
        );
        return;
      case '/api/ice-servers': {
        const stunPort = deps.stunPort?.();
        const stun = stunPort === undefined ? undefined : builtInStunUrl(req.headers.host, stunPort);
        json(res, 200, iceServersFor(deps.config, deps.now(), stun), corsHeaders(deps.config, req.headers.origin));
        return;
      }
      default:
        page(req, res);
    }
  };
}
