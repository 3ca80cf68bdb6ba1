/**
 * The signaling connection: opens the WebSocket, joins, reconnects with backoff and jitter after
 * a drop or a server restart (close 1012), and takes the seat back with the resume credential the
 * server gave in `joined`. It knows nothing of media; the call listens to its messages.
 */
import type { ClientMessage } from '../protocol/messages.ts';
import { systemClock, type Clock, type TimerHandle } from './clock.ts';
import { ZeroRtcError } from './errors.ts';
import { Emitter } from './events.ts';
import { decodeServerMessage } from './server-messages.ts';
import { closeError, joinRefusal } from './signaling-outcomes.ts';
import type {
  SignalingEvents,
  SignalingOptions,
  SignalingState,
  SocketFactory,
  SocketLike,
} from './signaling-types.ts';

const CONNECTING = 0;
const OPEN = 1;

const defaultSocketFactory: SocketFactory = (url) => new WebSocket(url) as unknown as SocketLike;

/**
 * One member's signaling connection for one room.
 * @example
 * const sig = new SignalingClient({ url: 'wss://example.org/ws' });
 * sig.on('message', (m) => console.log(m.cmd));
 * sig.join('room-1', 'alice');
 */
export class SignalingClient extends Emitter<SignalingEvents> {
  #state: SignalingState = 'idle';
  #socket: SocketLike | undefined;
  #roomId = '';
  #uid = '';
  #resume: string | undefined;
  #token: string | undefined;
  #graceMs = 0;
  #attempt = 0;
  #everJoined = false;
  #droppedAt = 0;
  /** The socket `renew()` replaced, until the new one is seated. */
  #stale: SocketLike | undefined;
  #timer: TimerHandle;
  #keepaliveTimer: TimerHandle;
  #pongTimer: TimerHandle;
  readonly #url: string;
  readonly #createSocket: SocketFactory;
  readonly #clock: Clock;
  readonly #initialBackoffMs: number;
  readonly #maxBackoffMs: number;
  readonly #maxInitialAttempts: number;
  readonly #reconnectSlackMs: number;
  readonly #keepaliveMs: number;
  readonly #pongTimeoutMs: number;

  /** @param options where and how to connect */
  constructor(options: SignalingOptions) {
    super();
    this.#url = options.url;
    this.#createSocket = options.createSocket ?? defaultSocketFactory;
    this.#clock = options.clock ?? systemClock;
    this.#initialBackoffMs = options.initialBackoffMs ?? 250;
    this.#maxBackoffMs = options.maxBackoffMs ?? 5000;
    this.#maxInitialAttempts = options.maxInitialAttempts ?? 3;
    this.#reconnectSlackMs = options.reconnectSlackMs ?? 30_000;
    this.#keepaliveMs = options.keepaliveMs ?? 10_000;
    this.#pongTimeoutMs = options.pongTimeoutMs ?? 2500;
  }

  /** The current state. */
  get state(): SignalingState {
    return this.#state;
  }

  /** The resume credential from the last `joined`, if any. */
  get resumeCredential(): string | undefined {
    return this.#resume;
  }

  /** The room joined (or being joined). */
  get roomId(): string {
    return this.#roomId;
  }

  /** Our uid in the room. */
  get uid(): string {
    return this.#uid;
  }

  /**
   * Connects and joins `roomId` as `uid`.
   * @param resume a credential from an earlier `joined` (for example kept across a page reload)
   * @param token a room token, for a server that admits invited people only (docs/access.md)
   */
  join(roomId: string, uid: string, resume?: string, token?: string): void {
    if (this.#state !== 'idle' && this.#state !== 'closed') throw new Error('join() called twice');
    this.#roomId = roomId;
    this.#uid = uid;
    this.#resume = resume;
    this.#token = token;
    this.#attempt = 0;
    this.#everJoined = false;
    this.#setState('connecting');
    this.#connect();
  }

  /**
   * Sends a message when seated; returns false (and drops it) otherwise. Offers and candidates
   * sent while reconnecting are useless anyway: the call renegotiates once seated again.
   */
  send(message: ClientMessage): boolean {
    if (this.#state !== 'joined' || this.#socket?.readyState !== OPEN) return false;
    this.#socket.send(JSON.stringify(message));
    return true;
  }

  /**
   * Checks now that the socket is alive: sends a `ping`, and when nothing comes back within
   * `pongTimeoutMs` drops the socket and reconnects (resuming the seat). For when the network
   * may have changed under us (the media path died, the browser went online again): a socket
   * bound to an address that is gone fails silently for minutes otherwise.
   */
  checkConnection(): void {
    if (this.#state !== 'joined' || this.#socket?.readyState !== OPEN || this.#pongTimer !== undefined) return;
    this.#clock.clearTimeout(this.#keepaliveTimer);
    this.#keepaliveTimer = undefined;
    const socket = this.#socket;
    socket.send(JSON.stringify({ cmd: 'ping' } satisfies ClientMessage));
    this.#pongTimer = this.#clock.setTimeout(() => {
      this.#pongTimer = undefined;
      if (this.#socket !== socket) return;
      this.#dropSocket(4000, 'no pong');
      this.#retry(new ZeroRtcError('server-unreachable', 'The signaling server stopped answering.'));
    }, this.#pongTimeoutMs);
  }

  /**
   * Reconnects now and resumes the seat, for when the network changed under us (a phone left
   * Wi-Fi): the socket is most likely bound to an address that is gone, and proving it dead with
   * an unanswered ping would cost `pongTimeoutMs` first. A pending reconnect is tried at once too
   * (the network is back). Does nothing before the first seat or after `leave()`.
   */
  renew(): void {
    if (!this.#everJoined || (this.#state !== 'joined' && this.#state !== 'reconnecting')) return;
    if (this.#state === 'joined') this.#droppedAt = this.#clock.now();
    this.#clock.clearTimeout(this.#timer);
    const old = this.#socket;
    if (old?.readyState === OPEN && this.#state === 'joined') {
      // Not closed: a clean close gives the seat up (the other member would hear `peer-leave`).
      // The server closes it when the new socket resumes the seat; until then what it still
      // delivers is handled, so nothing is lost if the old path was fine after all.
      this.#stopKeepalive();
      this.#socket = undefined;
      old.onclose = old.onerror = old.onopen = null;
      this.#stale = old;
    } else {
      this.#dropSocket(4000, 'network changed');
    }
    this.#setState('reconnecting');
    this.#connect();
  }

  /**
   * The network is back (media arrives again after a cut): while reconnecting, the attempt
   * waiting for its backoff is made now, and one still trying to connect is made again (its TCP
   * handshake went out during the cut and is retried by the system only seconds later). Does
   * nothing otherwise.
   */
  retryNow(): void {
    if (this.#state !== 'reconnecting') return;
    if (this.#timer === undefined && this.#socket?.readyState !== CONNECTING) return;
    this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#dropSocket(4000, 'retry');
    this.#connect();
  }

  /** Anything from the server proves the socket alive: the next check comes `keepaliveMs` later. */
  #alive(): void {
    this.#clock.clearTimeout(this.#pongTimer);
    this.#pongTimer = undefined;
    this.#clock.clearTimeout(this.#keepaliveTimer);
    this.#keepaliveTimer = undefined;
    if (this.#keepaliveMs > 0 && this.#state === 'joined') {
      this.#keepaliveTimer = this.#clock.setTimeout(() => this.checkConnection(), this.#keepaliveMs);
    }
  }

  #stopKeepalive(): void {
    this.#clock.clearTimeout(this.#pongTimer);
    this.#clock.clearTimeout(this.#keepaliveTimer);
    this.#pongTimer = this.#keepaliveTimer = undefined;
  }

  /** Leaves the room (the peer hears `peer-leave` at once) and closes. Safe to call twice. */
  leave(): void {
    if (this.#state === 'closed' || this.#state === 'idle') return;
    if (this.#state === 'joined') this.send({ cmd: 'leave', roomId: this.#roomId, uid: this.#uid });
    this.#shutdown();
  }

  #shutdown(): void {
    this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#dropSocket(1000, 'leave');
    // Left while renewing: the old socket may still hold the seat; a clean close gives it up.
    this.#closeStale(1000, 'leave');
    this.#setState('closed');
  }

  #fail(error: ZeroRtcError): void {
    this.#shutdown();
    this.emit('error', error);
  }

  #setState(state: SignalingState): void {
    if (state === this.#state) return;
    this.#state = state;
    this.emit('state', state);
  }

  #connect(): void {
    this.#timer = undefined;
    this.emit('attempt', { attempt: this.#attempt });
    let socket: SocketLike;
    try {
      socket = this.#createSocket(this.#url);
    } catch (err) {
      this.#fail(new ZeroRtcError('server-unreachable', 'The signaling URL cannot be opened.', err));
      return;
    }
    this.#socket = socket;
    socket.onerror = () => undefined; // The close event that follows carries the outcome.
    socket.onopen = () => {
      socket.send(
        JSON.stringify({
          cmd: 'join',
          roomId: this.#roomId,
          uid: this.#uid,
          ...(this.#resume !== undefined && { resume: this.#resume }),
          // Sent on a resume too: the server lets the resume credential stand for an expired one.
          ...(this.#token !== undefined && { token: this.#token }),
        }),
      );
    };
    socket.onmessage = (ev) => this.#onMessage(ev.data);
    socket.onclose = (ev) => {
      if (this.#socket !== socket) return;
      this.#socket = undefined;
      this.#stopKeepalive();
      this.#onClose(ev.code);
    };
  }

  #onMessage(data: unknown): void {
    const message = decodeServerMessage(data);
    if (!message) return;
    if (message.cmd === 'pong') {
      this.#alive();
      return;
    }
    if (message.cmd === 'joined') {
      // The seat moved to the new socket: the server has let the old one go (or never heard it).
      this.#closeStale(4000, 'renewed');
      this.#resume = message.resume || this.#resume;
      this.#graceMs = message.graceSeconds * 1000;
      this.#attempt = 0;
      this.#everJoined = true;
      this.#setState('joined');
      this.#alive();
      this.emit('joined', message);
      return;
    }
    this.#alive();
    if (message.cmd === 'error' && message.request === 'join') {
      const refusal = joinRefusal(message);
      if (refusal) {
        this.#fail(refusal);
        return;
      }
      if (message.code === 'unavailable') {
        // The server is up but cannot reach its room store (a cluster node while Redis is
        // away): the socket stays open but is useless. Close it (it holds no seat) and try
        // again as after a drop; a first join gives up after a few tries, a resume keeps
        // trying for as long as the seat may be held.
        this.#dropSocket(1000, 'join unavailable');
        this.#retry(new ZeroRtcError('unavailable', message.message));
        return;
      }
    }
    this.emit('message', message);
  }

  /** Closes the socket `renew()` set aside, if any, and stops hearing it. */
  #closeStale(code: number, reason: string): void {
    const stale = this.#stale;
    this.#stale = undefined;
    if (!stale) return;
    stale.onmessage = null;
    stale.close(code, reason);
  }

  #dropSocket(code: number, reason: string): void {
    this.#stopKeepalive();
    const socket = this.#socket;
    this.#socket = undefined;
    if (!socket) return;
    socket.onopen = socket.onmessage = socket.onclose = socket.onerror = null;
    try {
      socket.close(code, reason);
    } catch {
      // Already closed.
    }
  }

  #onClose(code: number): void {
    const error = closeError(code);
    if (error) this.#fail(error);
    else this.#retry(new ZeroRtcError('server-unreachable', 'The signaling server cannot be reached.'));
  }

  /** Schedules the next attempt, or fails: with `giveUp` when a first join ran out of attempts. */
  #retry(giveUp: ZeroRtcError): void {
    const now = this.#clock.now();
    if (this.#state === 'joined') this.#droppedAt = now;
    if (this.#everJoined) {
      this.#setState('reconnecting');
      if (now - this.#droppedAt > this.#graceMs + this.#reconnectSlackMs) {
        this.#fail(new ZeroRtcError('server-unreachable', 'The signaling server has been unreachable for too long.'));
        return;
      }
    } else if (this.#attempt + 1 >= this.#maxInitialAttempts) {
      this.#fail(giveUp);
      return;
    }
    const ceiling = Math.min(this.#maxBackoffMs, this.#initialBackoffMs * 2 ** this.#attempt);
    // Equal jitter: half fixed, half random, so that a restarted server is not hit by every
    // client at the same instant but nobody waits for nothing.
    const delay = ceiling / 2 + (this.#clock.random() * ceiling) / 2;
    this.#attempt += 1;
    this.#timer = this.#clock.setTimeout(() => this.#connect(), delay);
  }
}
