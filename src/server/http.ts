/**
 * The HTTP side: health, readiness, metrics, ICE servers and the call page.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import sirv from 'sirv';
import type { Access } from './access.ts';
import type { Config } from './config.ts';
import { createRoom, iceServers, iceServersPreflight, metricsAllowed } from './http-access.ts';
import { HSTS, json, PAGE_CSP, SECURITY_HEADERS } from './http-reply.ts';
import type { Metrics } from './metrics.ts';
import { builtInStunUrl } from './turn.ts';

/** Where the built call page lives (npm run build writes it). */
export const WEB_ROOT = fileURLToPath(new URL('../../dist/web/', import.meta.url));

export interface HttpDeps {
  readonly config: Config;
  readonly metrics: Metrics;
  readonly ready: () => Promise<boolean>;
  readonly now: () => number;
  readonly webRoot?: string | false;
  /** The built-in STUN server's UDP port once it listens; undefined when it is off. */
  readonly stunPort?: () => number | undefined;
  readonly access: Access;
}

/**
 * A Node request handler; with `next` (Express, Connect) a request that is not ZeroRTC's is
 * passed on instead of answered 404 or 405.
 */
export type RequestHandler = (req: IncomingMessage, res: ServerResponse, next?: () => void) => void;
type Handler = RequestHandler;

/** Paths that answer GET and HEAD only: any other method on them gets 405. */
const API_PATHS = new Set(['/healthz', '/readyz', '/metrics', '/api/ice-servers', '/api/rooms']);

export function createHttpHandler(deps: HttpDeps): Handler {
  const webRoot = deps.webRoot === false || deps.webRoot === undefined ? WEB_ROOT : deps.webRoot;
  const page: Handler = existsSync(webRoot)
    ? sirv(webRoot, {
        etag: true,
        single: false,
        setHeaders(res, pathname) {
          for (const [name, value] of Object.entries(SECURITY_HEADERS)) res.setHeader(name, value);
          // The call page's document; other files in the web root (test fixtures) keep their own ways.
          if (pathname === '/' || pathname === '/index.html') res.setHeader('Content-Security-Policy', PAGE_CSP);
        },
      })
    : (_req, res) => {
        res.writeHead(503, { 'Content-Type': 'text/plain; charset=utf-8' });
        res.end('The call page has not been built: run npm run build.\n');
      };

  return (req, res, next) => {
    const path = (req.url ?? '/').split('?', 1)[0] ?? '/';
    const method = req.method ?? 'GET';
    if (deps.config.tlsCert !== undefined) res.setHeader('Strict-Transport-Security', HSTS);
    if (path === '/api/rooms' && method === 'POST') {
      createRoom(deps, req, res).catch(() => json(res, 500, { error: 'could not create the room' }));
      return;
    }
    if (path === '/api/ice-servers' && method === 'OPTIONS') {
      iceServersPreflight(deps.config, req, res);
      return;
    }
    if ((method !== 'GET' && method !== 'HEAD') || path === '/api/rooms') {
      if (next && !API_PATHS.has(path)) return next();
      json(res, 405, { error: 'method not allowed' }, { Allow: path === '/api/rooms' ? 'POST' : 'GET, HEAD' });
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
        if (!metricsAllowed(deps, req, res)) return;
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
        iceServers(deps, req, res, stun).catch(() => json(res, 500, { error: 'ice servers unavailable' }));
        return;
      }
      default:
        if (deps.webRoot !== false) page(req, res, next);
        else if (next) next();
        else json(res, 404, { error: 'not found' });
    }
  };
}
