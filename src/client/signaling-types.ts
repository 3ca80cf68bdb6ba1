/**
 * The signaling client's public types: the socket it drives, its states, events and options.
 */
import type { JoinedMessage, ServerMessage } from '../protocol/messages.ts';
import type { Clock } from './clock.ts';
import type { ZeroRtcError } from './errors.ts';

/** The parts of a browser WebSocket the signaling client uses. */
export interface SocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { readonly data: unknown }) => void) | null;
  onclose: ((ev: { readonly code: number; readonly reason: string }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
}

/** Opens a WebSocket to `url`. */
export type SocketFactory = (url: string) => SocketLike;

/**
 * - `idle`: never connected
 * - `connecting`: opening the socket or waiting for `joined` the first time
 * - `joined`: seated in the room
 * - `reconnecting`: the socket dropped after a join; trying again
 * - `closed`: left, refused, or gave up (see the `error` event)
 */
export type SignalingState = 'idle' | 'connecting' | 'joined' | 'reconnecting' | 'closed';

/** Events of the signaling client (`SignalingClient`). */
export interface SignalingEvents {
  /** The state changed. */
  state: SignalingState;
  /** A (re)connection attempt starts; `attempt` counts from 0 since the last success. */
  attempt: { readonly attempt: number };
  /** The server seated us (fresh or resumed). */
  joined: JoinedMessage;
  /** Any other message from the server, decoded. */
  message: ServerMessage;
  /** A fatal error: the client is `closed` after it. */
  error: ZeroRtcError;
}

/** Options of the signaling client (`SignalingClient`). */
export interface SignalingOptions {
  /** The WebSocket URL, e.g. `wss://example.org/ws`. */
  readonly url: string;
  /** Defaults to the browser's WebSocket. */
  readonly createSocket?: SocketFactory;
  readonly clock?: Clock;
  /** First reconnect delay before jitter, ms (default 250). */
  readonly initialBackoffMs?: number;
  /** Largest reconnect delay, ms (default 5000). */
  readonly maxBackoffMs?: number;
  /**
   * Failed attempts before the first join gives up with `server-unreachable` (or `unavailable`
   * when the server kept refusing the join with it) (default 3).
   */
  readonly maxInitialAttempts?: number;
  /** How long to keep reconnecting after a drop, beyond the server's grace period, ms (default 30000). */
  readonly reconnectSlackMs?: number;
  /** While seated and quiet, a `ping` goes out this often, ms (default 10000; 0: never). */
  readonly keepaliveMs?: number;
  /** A socket that answers nothing for this long after a `ping` is dead: reconnect, ms (default 2500). */
  readonly pongTimeoutMs?: number;
}
