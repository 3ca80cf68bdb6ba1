/**
 * Room tokens (SPEC §5, docs/access.md): a compact JWS whose claims say which room it opens
 * (`room`), until when (`exp`, required), from when (`nbf`), for which uid (`sub`) and under
 * which name (`name`). Verified with jose, with the algorithm pinned by the key that is
 * configured: HS256 for `--auth-secret`, ES256 or RS256 for `--auth-public-key`; `alg: none`
 * and a token whose algorithm does not belong to a configured key (algorithm confusion) are
 * refused before any signature is checked. Tokens are never logged.
 */
import { createPublicKey, randomBytes, type KeyObject } from 'node:crypto';
import { errors, jwtVerify, SignJWT, type JWTPayload } from 'jose';
import type { AuthReason } from '../protocol/index.ts';
import type { Config } from './config.ts';

/** The claims of a verified room token. */
export interface RoomClaims {
  readonly room: string;
  /** Unix seconds. */
  readonly exp: number;
  readonly sub?: string;
  readonly name?: string;
}

export type Verified = { readonly ok: true; readonly claims: RoomClaims } | Refusal;

export interface Refusal {
  readonly ok: false;
  readonly reason: AuthReason;
  /** A sentence for the person (appended to the `unauthorized` message). */
  readonly detail: string;
}

type Alg = 'HS256' | 'ES256' | 'RS256';

const DETAILS: Record<AuthReason, string> = {
  'no-token':
    'This server admits invited people only, and the join carried no room token: open the link you were sent.',
  malformed: 'The room token is not a well-formed JWT with a string "room" and a numeric "exp".',
  'bad-signature': 'The room token was not signed with this server’s key.',
  'wrong-algorithm': 'The room token is signed with an algorithm this server does not accept.',
  expired: 'The room token has expired: ask for a new link.',
  'not-yet-valid': 'The room token is not valid yet (its "nbf" is in the future).',
  'wrong-room': 'The room token is for another room.',
  'wrong-user': 'The room token is for another uid (its "sub").',
  'seat-taken': 'Someone else is already in this room with this link’s seat.',
};

/** A refusal with its documented sentence. */
export function refusal(reason: AuthReason): Refusal {
  return { ok: false, reason, detail: DETAILS[reason] };
}

/** Whether the server is closed (SPEC §5): a room token is needed to join and to get TURN credentials. */
export function authOn(config: Pick<Config, 'authSecret' | 'authPublicKey'>): boolean {
  return config.authSecret !== undefined || config.authPublicKey !== undefined;
}

function publicAlg(key: KeyObject): Alg {
  return key.asymmetricKeyType === 'ec' ? 'ES256' : 'RS256';
}

/** Checks room tokens against the configured keys. */
export class RoomAuth {
  readonly #keys = new Map<Alg, Uint8Array | KeyObject>();
  readonly #now: () => number;

  constructor(config: Pick<Config, 'authSecret' | 'authPublicKey'>, now: () => number = Date.now) {
    this.#now = now;
    if (config.authSecret !== undefined) this.#keys.set('HS256', new TextEncoder().encode(config.authSecret));
    if (config.authPublicKey !== undefined) {
      const key = createPublicKey(config.authPublicKey);
      this.#keys.set(publicAlg(key), key);
    }
  }

  /** The algorithms accepted, e.g. `['HS256']`. */
  get algorithms(): readonly Alg[] {
    return [...this.#keys.keys()];
  }

  /**
   * Verifies a token; with `room`, it must open that room, with `uid`, its `sub` (if any) must be
   * that uid. Never throws: anything wrong is a {@link Refusal}.
   */
  async verify(token: string, expect: { readonly room?: string; readonly uid?: string } = {}): Promise<Verified> {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(
        token,
        (header) => {
          const key = this.#keys.get(header.alg as Alg);
          // jose checks `algorithms` first; this only runs for an allowed one.
          if (key === undefined) throw new errors.JOSEAlgNotAllowed('unexpected "alg"');
          return key;
        },
        { algorithms: this.algorithms as Alg[], requiredClaims: ['exp'], currentDate: new Date(this.#now()) },
      ));
    } catch (err) {
      return refusal(reasonOf(err));
    }
    const { room, exp, sub, name } = payload as JWTPayload & { room?: unknown; name?: unknown };
    if (typeof room !== 'string' || typeof exp !== 'number') return refusal('malformed');
    if (sub !== undefined && typeof sub !== 'string') return refusal('malformed');
    if (name !== undefined && typeof name !== 'string') return refusal('malformed');
    if (expect.room !== undefined && room !== expect.room) return refusal('wrong-room');
    if (expect.uid !== undefined && sub !== undefined && sub !== expect.uid) return refusal('wrong-user');
    return {
      ok: true,
      claims: { room, exp, ...(sub !== undefined && { sub }), ...(typeof name === 'string' && { name }) },
    };
  }
}

function reasonOf(err: unknown): AuthReason {
  if (err instanceof errors.JWTExpired) return 'expired';
  if (err instanceof errors.JWTClaimValidationFailed) return err.claim === 'nbf' ? 'not-yet-valid' : 'malformed';
  if (err instanceof errors.JWSSignatureVerificationFailed) return 'bad-signature';
  if (err instanceof errors.JOSEAlgNotAllowed || err instanceof errors.JOSENotSupported) return 'wrong-algorithm';
  return 'malformed';
}

// ---- minting (zerortc invite, POST /api/rooms) -------------------------------------------

/** A room id nobody can guess: 128 random bits, base64url (22 characters). */
export function randomRoomId(): string {
  return randomBytes(16).toString('base64url');
}

/** Signs a room token with the HS256 secret. `exp` in unix seconds. */
export function mintRoomToken(secret: string, claims: RoomClaims & { readonly nbf?: number }): Promise<string> {
  const jwt = new SignJWT({ room: claims.room, ...(claims.name !== undefined && { name: claims.name }) })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuedAt()
    .setExpirationTime(claims.exp);
  if (claims.sub !== undefined) jwt.setSubject(claims.sub);
  if (claims.nbf !== undefined) jwt.setNotBefore(claims.nbf);
  return jwt.sign(new TextEncoder().encode(secret));
}

/** One seat's invitation. */
export interface InviteLink {
  /** The uid the link's token is bound to. */
  readonly sub: string;
  readonly url: string;
}

/** What `zerortc invite` prints and `POST /api/rooms` answers. */
export interface Invitation {
  readonly room: string;
  /** When the links stop working, ISO 8601. */
  readonly expiresAt: string;
  readonly links: readonly [InviteLink, InviteLink];
}

/** The two links of a room, one per seat, each with its own `sub`; the token in the URL fragment. */
export async function invite(options: {
  readonly secret: string;
  readonly room: string;
  readonly ttlSeconds: number;
  readonly baseUrl: string;
  readonly nowMs: number;
}): Promise<Invitation> {
  const exp = Math.floor(options.nowMs / 1000) + options.ttlSeconds;
  const base = options.baseUrl.replace(/\/+$/, '');
  const seat = async (): Promise<InviteLink> => {
    const sub = `guest-${randomBytes(6).toString('base64url')}`;
    const token = await mintRoomToken(options.secret, { room: options.room, exp, sub });
    return { sub, url: `${base}/?room=${encodeURIComponent(options.room)}#token=${token}` };
  };
  return {
    room: options.room,
    expiresAt: new Date(exp * 1000).toISOString(),
    links: [await seat(), await seat()],
  };
}

/** Reads a lifetime such as `90s`, `30m`, `24h`, `7d` or a number of seconds. */
export function parseTtl(raw: string): number | undefined {
  const match = /^(\d+)([smhd]?)$/.exec(raw.trim());
  if (!match) return undefined;
  const unit = { '': 1, s: 1, m: 60, h: 3600, d: 86400 }[match[2] as '' | 's' | 'm' | 'h' | 'd'];
  const seconds = Number(match[1]) * unit;
  return seconds >= 1 && seconds <= 366 * 86400 ? seconds : undefined;
}
