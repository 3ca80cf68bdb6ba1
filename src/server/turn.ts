/**
 * ICE servers for clients: STUN URLs as configured, and TURN credentials minted per request
 * with coturn's `use-auth-secret` scheme (the TURN REST API): the username is
 * `<expiry unix time>:<id>`, the password base64(HMAC-SHA1(secret, username)).
 * The secret never leaves this module's caller and is never logged.
 */
import { createHmac, randomBytes } from 'node:crypto';
import type { Config } from './config.ts';

export interface IceServer {
  readonly urls: readonly string[];
  readonly username?: string;
  readonly credential?: string;
}

export interface IceServersResponse {
  readonly iceServers: readonly IceServer[];
  readonly iceTransportPolicy: 'all' | 'relay';
  /** Seconds for which the credentials are valid. */
  readonly ttl: number;
}

/** Mints a TURN REST API credential valid until `expiresAt` (unix seconds). */
export function mintTurnCredential(
  secret: string,
  expiresAt: number,
  id: string,
): { username: string; credential: string } {
  const username = `${expiresAt}:${id}`;
  const credential = createHmac('sha1', secret).update(username).digest('base64');
  return { username, credential };
}

export function iceServersFor(
  config: Pick<Config, 'stunUrls' | 'turnUrls' | 'turnSecret' | 'turnTtl' | 'iceTransportPolicy'>,
  nowMs: number,
): IceServersResponse {
  const iceServers: IceServer[] = [];
  if (config.stunUrls.length > 0) iceServers.push({ urls: config.stunUrls });
  if (config.turnUrls.length > 0 && config.turnSecret !== undefined) {
    const expiresAt = Math.floor(nowMs / 1000) + config.turnTtl;
    const id = randomBytes(9).toString('base64url');
    iceServers.push({ urls: config.turnUrls, ...mintTurnCredential(config.turnSecret, expiresAt, id) });
  }
  return { iceServers, iceTransportPolicy: config.iceTransportPolicy, ttl: config.turnTtl };
}
