/**
 * The HTTP endpoints behind a bearer token (SPEC §5): TURN credentials only for the bearer of a
 * valid room token, `POST /api/rooms` for the holder of `--admin-token`, `/metrics` for the holder
 * of `--metrics-token`. Every failed check counts against the client's address (429 past the
 * limit). Tokens are compared in constant time and never logged.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readId } from '../protocol/index.ts';
import { clientIp, type Access } from './access.ts';
import { invite, parseTtl, randomRoomId, refusal, type Refusal } from './auth.ts';
import type { Config } from './config.ts';
import { corsHeaders, json } from './http-reply.ts';
import { iceServersFor } from './turn.ts';

export interface AccessDeps {
  readonly config: Config;
  readonly access: Access;
}

/** Largest body of `POST /api/rooms`. */
const MAX_BODY_BYTES = 4096;
const DEFAULT_INVITE_TTL = 24 * 3600;

/** The token of an `Authorization: Bearer <token>` header, if there is one. */
export function bearerToken(req: IncomingMessage): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
  return match?.[1];
}

/** Constant-time equality of a presented secret and the configured one. */
function sameSecret(given: string, expected: string): boolean {
  const digest = (s: string): Buffer => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(given), digest(expected));
}

/** Refuses with 429 when the address is over its limit of failed checks. */
function overLimit(deps: AccessDeps, req: IncomingMessage, res: ServerResponse): boolean {
  if (!deps.access.failures.blocked(clientIp(req, deps.config.trustProxy), deps.access.now())) return false;
  json(
    res,
    429,
    { error: 'rate-limited', message: 'Too many failed token checks from your address; wait a minute.' },
    { 'Retry-After': '60' },
  );
  return true;
}

function unauthorized(
  deps: AccessDeps,
  req: IncomingMessage,
  res: ServerResponse,
  message: string,
  extra: Record<string, string> = {},
  why?: Refusal,
): void {
  deps.access.failures.fail(clientIp(req, deps.config.trustProxy), deps.access.now());
  json(
    res,
    401,
    { error: 'unauthorized', message, ...(why && { reason: why.reason }) },
    { 'WWW-Authenticate': 'Bearer', ...extra },
  );
}

/**
 * `GET /api/ice-servers`. Open server: as SPEC §2. Closed server: no token, STUN only; a room
 * token valid for the room in `?room=` (and for the `?uid=` given, when it names a `sub`), TURN
 * credentials too; anything else, 401, so that a client keeps the credentials it has instead of
 * replacing them with none.
 */
export async function iceServers(
  deps: AccessDeps,
  req: IncomingMessage,
  res: ServerResponse,
  builtInStun?: string,
): Promise<void> {
  const { config, access } = deps;
  const cors = corsHeaders(config, req.headers.origin);
  const token = bearerToken(req);
  if (access.auth === undefined) {
    json(res, 200, iceServersFor(config, access.now(), builtInStun), cors);
    return;
  }
  if (token === undefined) {
    json(res, 200, iceServersFor({ ...config, turnUrls: [] }, access.now(), builtInStun), cors);
    return;
  }
  if (overLimit(deps, req, res)) return;
  const query = new URL(req.url ?? '/', 'http://x').searchParams;
  const room = query.get('room');
  const uid = query.get('uid');
  const verified =
    room === null ? refusal('wrong-room') : await access.auth.verify(token, { room, ...(uid !== null && { uid }) });
  if (!verified.ok) {
    unauthorized(deps, req, res, `No TURN credentials: ${verified.detail}`, cors, verified);
    return;
  }
  json(res, 200, iceServersFor(config, access.now(), builtInStun), cors);
}

/** The CORS preflight of `/api/ice-servers` (a cross-origin client sends Authorization). */
export function iceServersPreflight(config: Config, req: IncomingMessage, res: ServerResponse): void {
  res.writeHead(204, {
    ...corsHeaders(config, req.headers.origin),
    'Access-Control-Allow-Methods': 'GET',
    'Access-Control-Allow-Headers': 'Authorization',
    'Access-Control-Max-Age': '600',
  });
  res.end();
}

/** Whether `/metrics` may be read: always, or with `Authorization: Bearer <--metrics-token>`. */
export function metricsAllowed(deps: AccessDeps, req: IncomingMessage, res: ServerResponse): boolean {
  const expected = deps.config.metricsToken;
  if (expected === undefined) return true;
  if (overLimit(deps, req, res)) return false;
  const token = bearerToken(req);
  if (token !== undefined && sameSecret(token, expected)) return true;
  unauthorized(deps, req, res, 'The metrics need Authorization: Bearer <the --metrics-token>.');
  return false;
}

function readBody(req: IncomingMessage): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.byteLength;
      if (size > MAX_BODY_BYTES) {
        resolve(undefined);
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** The options of `POST /api/rooms`, or a sentence saying what is wrong with them. */
function roomOptions(text: string): { room?: string; ttl?: number; baseUrl?: string } | string {
  if (text.trim() === '') return {};
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return 'The body is not JSON.';
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return 'The body is not a JSON object.';
  const { room, ttl, baseUrl } = body as Record<string, unknown>;
  const options: { room?: string; ttl?: number; baseUrl?: string } = {};
  if (room !== undefined) {
    const id = typeof room === 'string' ? readId(room, 'room') : '"room" must be a string.';
    if (typeof id === 'string') return id;
    options.room = id.id;
  }
  if (ttl !== undefined) {
    const seconds =
      typeof ttl === 'number' ? parseTtl(String(ttl)) : typeof ttl === 'string' ? parseTtl(ttl) : undefined;
    if (seconds === undefined) return '"ttl" must be seconds (1 to 31622400) or a string such as "24h".';
    options.ttl = seconds;
  }
  if (baseUrl !== undefined) {
    if (typeof baseUrl !== 'string' || !/^https?:\/\/[^/\s]+/.test(baseUrl)) return '"baseUrl" must be an http(s) URL.';
    options.baseUrl = baseUrl;
  }
  return options;
}

/**
 * `POST /api/rooms` with `Authorization: Bearer <--admin-token>`: makes a room (a random id
 * unless `room` is given) and answers its two links, so that a booking system needs no JWT code.
 */
export async function createRoom(deps: AccessDeps, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const { config } = deps;
  if (config.adminToken === undefined || config.authSecret === undefined) {
    json(res, 404, { error: 'not found', message: 'POST /api/rooms is off: start the server with --admin-token.' });
    return;
  }
  if (overLimit(deps, req, res)) return;
  const token = bearerToken(req);
  if (token === undefined || !sameSecret(token, config.adminToken)) {
    unauthorized(deps, req, res, 'Creating rooms needs Authorization: Bearer <the --admin-token>.');
    return;
  }
  const text = await readBody(req);
  if (text === undefined) {
    json(res, 413, { error: 'too-large', message: `The body is larger than ${MAX_BODY_BYTES} bytes.` });
    return;
  }
  const options = roomOptions(text);
  if (typeof options === 'string') {
    json(res, 400, { error: 'bad-request', message: options });
    return;
  }
  const scheme = config.tlsCert === undefined ? 'http' : 'https';
  const invitation = await invite({
    secret: config.authSecret,
    room: options.room ?? randomRoomId(),
    ttlSeconds: options.ttl ?? DEFAULT_INVITE_TTL,
    baseUrl: options.baseUrl ?? `${scheme}://${req.headers.host ?? `localhost:${config.port}`}`,
    nowMs: deps.access.now(),
  });
  json(res, 201, invitation);
}
