/**
 * Rooms in Redis, shared by every node of a cluster. Each operation is one Lua script (see
 * redis-scripts.ts), so joins are atomic across nodes. While Redis cannot be reached, every
 * operation fails at once (no offline queue) and the hub answers `unavailable`.
 */
import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { scriptSource, type ScriptName } from './redis-scripts.ts';
import type { JoinOutcome, JoinRequest, RoomStore, Seat, SeatChange } from './store.ts';

export interface RedisRoomStoreOptions {
  /** A client made with `enableOfflineQueue: false`, so that calls fail fast while Redis is away. */
  readonly redis: Redis;
  /** How long a dropped member's seat is held. */
  readonly graceSeconds: number;
  /** Prefix of every key. */
  readonly prefix?: string;
  /** TTL of room keys, refreshed while in use; bounds how long anything outlives the last node. */
  readonly roomTtlMs?: number;
}

/** A live seat of this node, as its connection knows it (for reconciling after an outage). */
export interface LiveSeat {
  readonly roomId: string;
  readonly uid: string;
  readonly connId: string;
  readonly resumeHash: string;
  readonly polite: boolean;
}

export interface SeatNotice {
  readonly kind: 'leave' | 'resumed' | 'lost' | 'reconnecting';
  /** The connection to tell (or, for `lost`, to close). */
  readonly connId: string;
  readonly roomId: string;
  /** The member the notice is about. */
  readonly uid: string;
  /** The connection of that member, when known. */
  readonly aboutConnId: string;
}

export const DEFAULT_PREFIX = 'zr:';
const DAY_MS = 24 * 3600 * 1000;

type Raw = unknown;

function str(value: Raw): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  throw new Error(`unexpected reply from Redis: ${typeof value}`);
}

function seatFrom(value: Raw): Seat | undefined {
  if (!Array.isArray(value)) return undefined;
  const [uid, connId, polite, held] = value as Raw[];
  return { uid: str(uid), connId: str(connId), polite: str(polite) === '1', held: str(held) === '1' };
}

function list(value: Raw): Raw[] {
  if (!Array.isArray(value)) throw new Error('unexpected reply from Redis: not a list');
  return value as Raw[];
}

export class RedisRoomStore implements RoomStore {
  readonly redis: Redis;
  readonly prefix: string;
  readonly #graceMs: number;
  readonly #ttl: string;
  readonly #shas = new Map<ScriptName, string>();
  readonly #inFlight = new Set<Promise<unknown>>();
  readonly #beforeClose: (() => Promise<void>)[] = [];
  readonly #readyChecks: (() => boolean)[] = [];
  #closing: Promise<void> | undefined;

  constructor(options: RedisRoomStoreOptions) {
    this.redis = options.redis;
    this.prefix = options.prefix ?? DEFAULT_PREFIX;
    this.#graceMs = Math.round(options.graceSeconds * 1000);
    this.#ttl = String(options.roomTtlMs ?? DAY_MS);
  }

  // ---- RoomStore -------------------------------------------------------------------------

  async join({ roomId, uid, connId, resumeHash, presentedHash, resumeOnly }: JoinRequest): Promise<JoinOutcome> {
    const reply = list(
      await this.run('JOIN', roomId, uid, connId, resumeHash, presentedHash ?? '', resumeOnly ? '1' : '0'),
    );
    if (str(reply[0]) === 'refused') {
      const code = str(reply[1]);
      if (code !== 'room-full' && code !== 'uid-taken' && code !== 'unauthorized')
        throw new Error(`unexpected refusal from Redis: ${code}`);
      return { kind: 'refused', code };
    }
    const seat = seatFrom(reply[1]);
    if (!seat) throw new Error('unexpected reply from Redis: no seat');
    const replaced = str(reply[5]);
    return {
      kind: 'seated',
      seat,
      peer: seatFrom(reply[2]),
      resumed: str(reply[3]) === '1',
      resumeHash: str(reply[4]),
      replacedConnId: replaced === '' ? undefined : replaced,
      wasHeld: str(reply[6]) === '1',
    };
  }

  leave(roomId: string, uid: string, connId: string): Promise<SeatChange | undefined> {
    return this.#change('LEAVE', roomId, uid, connId, 'leave');
  }

  hold(roomId: string, uid: string, connId: string): Promise<SeatChange | undefined> {
    return this.#change('HOLD', roomId, uid, connId, String(this.#graceMs));
  }

  release(roomId: string, uid: string, connId: string): Promise<SeatChange | undefined> {
    return this.#change('LEAVE', roomId, uid, connId, 'release');
  }

  async roomCount(): Promise<number> {
    // A scrape while Redis is away must not fail the whole /metrics page.
    try {
      return await this.#track(this.redis.scard(`${this.prefix}rooms`));
    } catch {
      return Number.NaN;
    }
  }

  async ready(): Promise<boolean> {
    if (this.#closing || this.redis.status !== 'ready' || !this.#readyChecks.every((check) => check())) return false;
    try {
      return (await this.redis.ping()) === 'PONG';
    } catch {
      return false;
    }
  }

  /** Adds a condition for readiness (the cluster's subscriber connection). */
  requireForReady(check: () => boolean): void {
    this.#readyChecks.push(check);
  }

  /** Registers work to run before the connection to Redis ends (the cluster node's goodbye). */
  beforeClose(hook: () => Promise<void>): void {
    this.#beforeClose.push(hook);
  }

  /** Waits for operations in flight (holds of a shutting-down node), then disconnects. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      await Promise.allSettled([...this.#inFlight]);
      // Let the callers of those operations send what they send next (peer-reconnecting).
      await new Promise((resolve) => setImmediate(resolve));
      for (const hook of this.#beforeClose) await hook().catch(() => undefined);
      await this.redis.quit().catch(() => this.redis.disconnect());
    })();
    return this.#closing;
  }

  // ---- cluster operations (used by the cluster node) --------------------------------------

  /** Refreshes the node's heartbeat; tells whether the node had vanished and Redis's epoch. */
  async beat(node: string, aliveMs: number, candidateEpoch: string): Promise<{ added: boolean; epoch: string }> {
    const reply = list(await this.run('BEAT', node, String(aliveMs), candidateEpoch));
    return { added: str(reply[0]) === '1', epoch: str(reply[1]) };
  }

  /** Holds the seats of nodes whose heartbeat stopped; returns the peers to tell. */
  async reap(self: string): Promise<SeatNotice[]> {
    return this.#notices(list(await this.run('REAP', self, String(this.#graceMs))), 'reconnecting');
  }

  /** Holds this node's remaining seats as it leaves the cluster. */
  async resign(node: string): Promise<SeatNotice[]> {
    return this.#notices(list(await this.run('RESIGN', node, String(this.#graceMs))), 'reconnecting');
  }

  /** Releases held seats whose grace is over, whoever held them; returns the peers to tell. */
  async sweep(limit = 200): Promise<SeatNotice[]> {
    const reply = list(await this.run('SWEEP', String(limit)));
    const notices: SeatNotice[] = [];
    for (let i = 0; i + 2 < reply.length; i += 3) {
      notices.push({
        kind: 'leave',
        connId: str(reply[i]),
        roomId: str(reply[i + 1]),
        uid: str(reply[i + 2]),
        aboutConnId: '',
      });
    }
    return notices;
  }

  /** Puts this node's live seats back in line after an outage (see RECONCILE). */
  async reconcile(node: string, mode: 'restore' | 'strict', seats: readonly LiveSeat[]): Promise<SeatNotice[]> {
    const args = seats.flatMap((s) => [s.roomId, s.uid, s.connId, s.resumeHash, s.polite ? '1' : '0']);
    const reply = list(await this.run('RECONCILE', node, mode, ...args));
    const notices: SeatNotice[] = [];
    for (let i = 0; i + 4 < reply.length; i += 5) {
      const kind = str(reply[i]);
      if (kind !== 'leave' && kind !== 'resumed' && kind !== 'lost') continue;
      notices.push({
        kind,
        connId: str(reply[i + 1]),
        roomId: str(reply[i + 2]),
        uid: str(reply[i + 3]),
        aboutConnId: str(reply[i + 4]),
      });
    }
    return notices;
  }

  /** Refreshes the TTL of this node's rooms, so that a call may last longer than a day. */
  async touch(node: string): Promise<void> {
    await this.run('TOUCH', node);
  }

  // ---- plumbing --------------------------------------------------------------------------

  #notices(reply: Raw[], kind: 'reconnecting'): SeatNotice[] {
    const notices: SeatNotice[] = [];
    for (let i = 0; i + 3 < reply.length; i += 4) {
      notices.push({
        kind,
        connId: str(reply[i]),
        roomId: str(reply[i + 1]),
        uid: str(reply[i + 2]),
        aboutConnId: str(reply[i + 3]),
      });
    }
    return notices;
  }

  async #change(name: ScriptName, ...args: string[]): Promise<SeatChange | undefined> {
    const reply: Raw = await this.run(name, ...args);
    if (!Array.isArray(reply)) return undefined;
    return { peer: seatFrom((reply as Raw[])[0]) };
  }

  /** Runs a script by its SHA, loading it on first use or after Redis forgot it. */
  run(name: ScriptName, ...args: string[]): Promise<Raw> {
    const source = scriptSource(name);
    let sha = this.#shas.get(name);
    if (sha === undefined) {
      sha = createHash('sha1').update(source).digest('hex');
      this.#shas.set(name, sha);
    }
    const argv = [this.prefix, this.#ttl, ...args];
    const call = this.redis.evalsha(sha, 0, ...argv).catch((err: unknown) => {
      if (err instanceof Error && err.message.startsWith('NOSCRIPT')) return this.redis.eval(source, 0, ...argv);
      throw err;
    });
    return this.#track(call);
  }

  #track<T>(promise: Promise<T>): Promise<T> {
    this.#inFlight.add(promise);
    const done = (): void => {
      this.#inFlight.delete(promise);
    };
    promise.then(done, done);
    return promise;
  }
}
