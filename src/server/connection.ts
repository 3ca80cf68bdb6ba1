/**
 * One signaling WebSocket: its identity (the seat it joined, never what a frame claims), the
 * other member as last heard, its rate limit and heartbeat state, and an ordered queue so that
 * a frame never overtakes an earlier one that is still waiting on the room store.
 */
import type { WebSocket } from 'ws';
import { ERRORS, type AuthReason, type ErrorCode, type ServerMessage } from '../protocol/index.ts';
import type { HeartbeatMember, Liveness } from './heartbeat.ts';
import type { Logger } from './logger.ts';
import type { TokenBucket } from './rate-limit.ts';

export interface SeatRef {
  readonly roomId: string;
  readonly uid: string;
  /** The role the member was given when it joined (kept to restore the seat after a Redis restart). */
  readonly polite?: boolean;
}

export interface PeerRef {
  readonly uid: string;
  readonly connId: string;
  readonly held: boolean;
}

export type Work =
  | { readonly kind: 'frame'; readonly data: Buffer; readonly isBinary: boolean }
  | { readonly kind: 'close'; readonly abnormal: boolean };

/** One options object for every send, not one per frame. */
const TEXT = { binary: false } as const;

export class Connection implements HeartbeatMember, Liveness {
  readonly id: string;
  readonly ws: WebSocket;
  readonly ip: string;
  readonly bucket: TokenBucket | undefined;
  readonly #parentLog: Logger;
  readonly #onError: (code: ErrorCode) => void;

  /** The seat this connection holds: the only identity it may speak as. */
  seat: SeatRef | undefined;
  /** The other member of the room, as this node last heard of it. */
  peer: PeerRef | undefined;
  /** The resume credential handed out for the seat. */
  resumeToken: string | undefined;

  /** The Host header it connected with (shared strings), for the built-in STUN server's URL. */
  host: string | undefined = undefined;
  heartbeatSlot = 0;
  heard = false;
  sent = false;
  awaitingPong = false;
  missedPongs = 0;
  /** Set when the server itself ends the connection but the seat should be held (restart, heartbeat). */
  holdSeatOnClose = false;
  /** When the last rate-limit reply went out (undefined, not a boxed -Infinity, until one did). */
  lastRateLimitReply: number | undefined = undefined;

  /** True while a frame waits on the room store; later work queues behind it. */
  busy = false;
  /** Work that came while busy; made the first time it is needed (most connections never are). */
  backlog: Work[] | undefined = undefined;

  /** Queues work behind the frame that waits on the room store. */
  defer(work: Work): void {
    (this.backlog ??= []).push(work);
  }

  constructor(
    id: string,
    ws: WebSocket,
    ip: string,
    log: Logger,
    bucket: TokenBucket | undefined,
    onError: (code: ErrorCode) => void,
  ) {
    this.id = id;
    this.ws = ws;
    this.ip = ip;
    this.bucket = bucket;
    this.#parentLog = log;
    this.#onError = onError;
  }

  /**
   * A child logger with this connection's id and address. Made on each use and not kept: lines
   * are rare (join, leave, refusals) and an idle connection should cost as little memory as
   * possible.
   */
  get log(): Logger {
    return this.#parentLog.child({ conn: this.id, ip: this.ip });
  }

  get open(): boolean {
    return this.ws.readyState === this.ws.OPEN;
  }

  /**
   * An info line with this connection's id and address, built only when info is logged: a child
   * logger made per join at the default level (warn) was about 7 KB of garbage per join.
   */
  info(fields: object, message: string): void {
    if (this.#parentLog.isLevelEnabled('info')) this.log.info(fields, message);
  }

  /** Sends a frame as text; a closed socket drops it. */
  sendRaw(frame: string | Buffer): void {
    if (!this.open) return;
    this.ws.send(frame, TEXT);
    this.sent = true;
  }

  send(message: ServerMessage): void {
    this.sendRaw(JSON.stringify(message));
  }

  /** Refuses a request: counts it, logs it (at debug: a flood must not flood the log), answers. */
  sendError(code: ErrorCode, detail?: string, request?: string, reason?: AuthReason): void {
    this.#onError(code);
    if (this.#parentLog.isLevelEnabled('debug')) {
      this.log.debug({ code, request, reason, roomId: this.seat?.roomId }, 'request refused');
    }
    const message = detail === undefined ? ERRORS[code] : `${ERRORS[code]} ${detail}`;
    this.send({
      cmd: 'error',
      code,
      message,
      ...(request !== undefined && { request }),
      ...(reason !== undefined && { reason }),
    });
  }
}
