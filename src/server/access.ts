/**
 * What the door of the server needs, made once per server and shared by the WebSocket and HTTP
 * sides: the room-token checker (undefined when the server is open), the per-address count of
 * failed checks, the clock, and how to tell who is knocking.
 */
import type { IncomingMessage } from 'node:http';
import { authOn, RoomAuth } from './auth.ts';
import { AuthFailures } from './auth-failures.ts';
import type { Config } from './config.ts';

export interface Access {
  /** Undefined when the server is open (no `--auth-secret`, no `--auth-public-key`). */
  readonly auth: RoomAuth | undefined;
  readonly failures: AuthFailures;
  readonly now: () => number;
}

export function createAccess(config: Config, now: () => number): Access {
  return {
    auth: authOn(config) ? new RoomAuth(config, now) : undefined,
    failures: new AuthFailures(config.authFailuresPerMinute),
    now,
  };
}

/** The client's address: the socket's, or the last X-Forwarded-For hop behind a trusted proxy. */
export function clientIp(req: IncomingMessage, trustProxy: boolean): string {
  if (trustProxy) {
    const forwarded = req.headers['x-forwarded-for'];
    const last = (Array.isArray(forwarded) ? forwarded.join(',') : forwarded)?.split(',').pop()?.trim();
    if (last) return last;
  }
  return req.socket.remoteAddress ?? 'unknown';
}
