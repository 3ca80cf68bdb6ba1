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

/**
 * @param builtInStun the built-in STUN server's URL as the asking client can reach it; used when
 *   no `--stun-urls` are configured
 */
export function iceServersFor(
  config: Pick<Config, 'stunUrls' | 'turnUrls' | 'turnSecret' | 'turnTtl' | 'iceTransportPolicy'>,
  nowMs: number,
  builtInStun?: string,
): IceServersResponse {
  const iceServers: IceServer[] = [];
  if (config.stunUrls.length > 0) iceServers.push({ urls: config.stunUrls });
  else if (builtInStun !== undefined) iceServers.push({ urls: [builtInStun] });
  if (config.turnUrls.length > 0 && config.turnSecret !== undefined) {
    const expiresAt = Math.floor(nowMs / 1000) + config.turnTtl;
    const id = randomBytes(9).toString('base64url');
    iceServers.push({ urls: config.turnUrls, ...mintTurnCredential(config.turnSecret, expiresAt, id) });
  }
  return { iceServers, iceTransportPolicy: config.iceTransportPolicy, ttl: config.turnTtl };
}

// A DNS name, an IPv4 address or a bracketed IPv6 address, then an optional port.
const HOST_HEADER = /^([A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/;

/**
 * `stun:<host>:<port>` for the host a client reached us by (its `Host` header), so that the
 * built-in STUN server is found at the same address as the page; undefined for a header that is
 * not a plain host (a client sending nonsense gets no STUN entry, and nobody else is affected).
 */
export function builtInStunUrl(hostHeader: string | undefined, stunPort: number): string | undefined {
  const match = hostHeader === undefined ? null : HOST_HEADER.exec(hostHeader);
  return match ? `stun:${match[1]}:${stunPort}` : undefined;
}
