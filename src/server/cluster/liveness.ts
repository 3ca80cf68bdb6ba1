/**
 * A node's part in the cluster's liveness: it refreshes its own heartbeat key, holds the seats
 * of nodes whose heartbeat stopped (their peers hear peer-reconnecting), releases held seats
 * whose grace is over whoever held them (peer-leave), and after losing Redis for a while puts
 * its own seats back in line. Deadlines live in Redis, so they outlive the node that set them.
 */
import { randomBytes } from 'node:crypto';
import { CLOSE_CODES, type ServerMessage } from '../../protocol/index.ts';
import type { PeerRef } from '../connection.ts';
import { hashToken } from '../handlers/join.ts';
import type { Logger } from '../logger.ts';
import type { LiveSeat, RedisRoomStore, SeatNotice } from '../rooms/redis-store.ts';
import type { Signaling } from '../signaling.ts';

export interface LivenessOptions {
  readonly store: RedisRoomStore;
  readonly hub: Signaling;
  /** This node's id (connection ids start with it and a dot). */
  readonly node: string;
  readonly log: Logger;
  readonly graceSeconds: number;
  /** How often the node beats, reaps and sweeps. */
  readonly beatMs?: number;
  /** How long a node's heartbeat key lives: a node silent this long is taken for dead. */
  readonly aliveMs?: number;
}

export const BEAT_MS = 2000;
export const ALIVE_MS = 6000;
/** Room keys get their TTL refreshed every this many beats (about every ten minutes). */
const TOUCH_EVERY = 300;

export class Liveness {
  readonly #store: RedisRoomStore;
  readonly #hub: Signaling;
  readonly #node: string;
  readonly #log: Logger;
  readonly #graceSeconds: number;
  readonly #beatMs: number;
  readonly #aliveMs: number;
  #epoch: string | undefined;
  #timer: NodeJS.Timeout | undefined;
  #ticking: Promise<void> | undefined;
  #beats = 0;
  #registered = false;
  #reconnected = false;
  #unreachable = false;
  #stopped = false;
  #inSync = false;

  constructor(options: LivenessOptions) {
    this.#store = options.store;
    this.#hub = options.hub;
    this.#node = options.node;
    this.#log = options.log;
    this.#graceSeconds = options.graceSeconds;
    this.#beatMs = options.beatMs ?? BEAT_MS;
    this.#aliveMs = options.aliveMs ?? ALIVE_MS;
  }

  /**
   * Whether Redis holds this node's seats as they are: false until the first heartbeat, and from
   * losing Redis until the seats are put back in line. /readyz answers 503 meanwhile.
   */
  get inSync(): boolean {
    return this.#inSync;
  }

  start(): void {
    const redis = this.#store.redis;
    redis.on('ready', () => {
      if (this.#unreachable) this.#log.info('redis reachable again');
      this.#unreachable = false;
      // Whatever happened while Redis was away (a failed leave, a takeover by other nodes, a
      // restart that lost every room), the seats of this node are put back in line now.
      if (this.#registered) this.#reconnected = true;
      this.#kick();
    });
    redis.on('close', () => {
      if (!this.#unreachable && !this.#stopped) this.#log.warn('redis unreachable: joins fail until it is back');
      this.#unreachable = true;
      this.#inSync = false;
    });
    this.#timer = setInterval(() => this.#kick(), this.#beatMs);
    this.#timer.unref();
    this.#kick();
  }

  /** Leaves the cluster: stops beating and holds what is still seated here, for others to sweep. */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    clearInterval(this.#timer);
    await this.#ticking;
    if (this.#store.redis.status !== 'ready') {
      this.#log.warn('leaving the cluster while redis is away; other nodes will hold the seats');
      return;
    }
    try {
      this.#tell(await this.#store.resign(this.#node));
    } catch (err) {
      this.#log.warn({ err }, 'could not leave the cluster cleanly; other nodes will take over');
    }
  }

  #kick(): void {
    if (this.#ticking || this.#stopped) return;
    this.#ticking = this.#tick()
      .catch((err: unknown) => {
        // While Redis is away the connection's own events tell the story; no line per beat.
        if (this.#store.redis.status === 'ready') this.#log.warn({ err }, 'cluster heartbeat failed');
      })
      .finally(() => {
        this.#ticking = undefined;
      });
  }

  async #tick(): Promise<void> {
    // A fresh candidate each time: a Redis that lost its data takes whichever node's comes first,
    // and that must differ from the epoch every node remembers.
    const candidate = randomBytes(8).toString('hex');
    const { added, epoch } = await this.#store.beat(this.#node, this.#aliveMs, candidate);
    const lostData = this.#epoch !== undefined && epoch !== this.#epoch;
    this.#epoch = epoch;
    if (this.#registered && (added || this.#reconnected || lostData)) {
      this.#reconnected = false;
      await this.#reconcile(lostData ? 'restore' : 'strict', added);
    }
    this.#registered = true;
    this.#inSync = this.#store.redis.status === 'ready';
    this.#tell(await this.#store.reap(this.#node));
    this.#tell(await this.#store.sweep());
    if (++this.#beats % TOUCH_EVERY === 0) await this.#store.touch(this.#node);
  }

  async #reconcile(mode: 'restore' | 'strict', declaredDead: boolean): Promise<void> {
    const seats: LiveSeat[] = [];
    for (const conn of this.#hub.connections.values()) {
      if (!conn.seat || conn.resumeToken === undefined) continue;
      seats.push({
        roomId: conn.seat.roomId,
        uid: conn.seat.uid,
        connId: conn.id,
        resumeHash: hashToken(conn.resumeToken),
        polite: conn.seat.polite ?? false,
      });
    }
    const notices = await this.#store.reconcile(this.#node, mode, seats);
    this.#log.info({ mode, declaredDead, seats: seats.length, changes: notices.length }, 'seats reconciled with redis');
    this.#tell(notices);
  }

  #tell(notices: readonly SeatNotice[]): void {
    for (const { kind, connId, roomId, uid, aboutConnId } of notices) {
      let message: ServerMessage;
      let peer: PeerRef | null;
      switch (kind) {
        case 'reconnecting':
          this.#log.info({ roomId, uid }, 'node gone, seat held');
          message = { cmd: 'peer-reconnecting', remoteUid: uid, roomId, graceSeconds: this.#graceSeconds };
          peer = { uid, connId: aboutConnId, held: true };
          break;
        case 'resumed':
          message = { cmd: 'peer-resumed', remoteUid: uid, roomId };
          peer = { uid, connId: aboutConnId, held: false };
          break;
        case 'leave':
          this.#log.info({ roomId, uid }, 'held seat released');
          message = { cmd: 'peer-leave', remoteUid: uid, roomId };
          peer = null;
          break;
        case 'lost': {
          // The seat was released or taken over while this node could not reach Redis: the
          // client reconnects (1012) and joins again.
          const conn = this.#hub.connections.get(connId);
          if (conn) {
            conn.log.info({ roomId, uid }, 'seat lost while redis was away');
            conn.seat = undefined;
            conn.peer = undefined;
            conn.ws.close(CLOSE_CODES.restart, 'seat lost, join again');
          }
          continue;
        }
      }
      this.#hub.notify(connId, message, peer);
    }
  }
}
