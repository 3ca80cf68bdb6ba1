/**
 * The public types of {@link CallClient}: its states, events and options. Kept apart from
 * call-client.ts so that the client's logic stays readable; call-client.ts re-exports them.
 */
import type { PeerConnectionFactory } from './peer-call-types.ts';
import type { Clock } from './clock.ts';
import type { ZeroRtcError } from './errors.ts';
import type { FetchLike } from './ice-servers.ts';
import type { LocalMediaOptions, LocalMediaState, MediaDevicesLike } from './media.ts';
import type { PeerMediaState } from './peer-messages.ts';
import type { SafetyCode } from './safety-code.ts';
import type { SignalingOptions, SocketFactory } from './signaling-types.ts';

/**
 * - `idle`: not joined yet
 * - `joining`: starting media and joining the room
 * - `waiting`: in the room, alone
 * - `connecting`: the other member is here; media is being connected
 * - `connected`: the other member's media is playing
 * - `reconnecting`: the connection to the server or to the other member dropped; restoring it
 * - `left`: we left the room
 * - `error`: the call ended with an error (see `error.code`)
 */
export type CallState = 'idle' | 'joining' | 'waiting' | 'connecting' | 'connected' | 'reconnecting' | 'left' | 'error';

/** The other member, as far as we know. */
export interface RemotePeer {
  readonly uid: string;
  /** `reconnecting` while the server holds its seat after a drop. */
  readonly presence: 'here' | 'reconnecting';
  /** Its microphone/camera/screen state, once its browser told us. */
  readonly media: PeerMediaState | undefined;
}

/** A chat line. */
export interface ChatMessage {
  readonly from: 'local' | 'remote';
  readonly text: string;
  /** Sender's clock, ms since the epoch. */
  readonly at: number;
}

/** What a page keeps to take its seat back after a reload. */
export interface CallSession {
  readonly roomId: string;
  readonly uid: string;
  readonly resume: string;
}

/** Events of {@link CallClient}. */
export interface CallClientEvents {
  /** The state changed; `error` is set in state `error`. */
  state: { readonly state: CallState; readonly error: ZeroRtcError | undefined };
  /** The other member's media: attach `stream` to a video element. */
  'remote-stream': MediaStream | undefined;
  /** The other member arrived, left, or changed its media state. */
  peer: RemotePeer | undefined;
  /** Our own media changed (mute, camera, screen, devices). */
  'local-media': LocalMediaState;
  /** The outgoing preview stream changed. */
  'local-stream': MediaStream | undefined;
  /** A chat line, sent or received. */
  chat: ChatMessage;
  /** The server seated us: keep this to resume after a reload. */
  session: CallSession;
  /** A problem that does not end the call. */
  warning: ZeroRtcError;
  /** The safety code was derived, changed (a new certificate), confirmed, or went away. */
  'safety-code': SafetyCode | undefined;
}

/** Options of {@link CallClient}; everything has a browser default. */
export interface CallClientOptions {
  /** HTTP(S) base URL of the ZeroRTC server (default: the page's origin). */
  readonly server?: string;
  /** WebSocket URL (default: derived from `server`, path `/ws`). */
  readonly wsUrl?: string;
  /** Our display name, sent to the other side over the data channel. */
  readonly name?: string;
  readonly createSocket?: SocketFactory;
  readonly createPeerConnection?: PeerConnectionFactory;
  readonly createStream?: (tracks: MediaStreamTrack[]) => MediaStream;
  readonly mediaDevices?: MediaDevicesLike;
  readonly fetch?: FetchLike;
  readonly clock?: Clock;
  readonly media?: Pick<LocalMediaOptions, 'audio' | 'video'>;
  readonly signaling?: Pick<
    SignalingOptions,
    'initialBackoffMs' | 'maxBackoffMs' | 'maxInitialAttempts' | 'reconnectSlackMs' | 'keepaliveMs' | 'pongTimeoutMs'
  >;
  /** Peer connection tuning (ms). */
  readonly peer?: {
    readonly disconnectedRestartMs?: number;
    readonly maxIceRestarts?: number;
    readonly relayTimeoutMs?: number;
    /** How long the answering side waits for the first offer before offering itself. */
    readonly offerWaitMs?: number;
    readonly politeRestartDelayMs?: number;
  };
}

/** Options of {@link CallClient.join}. */
export interface JoinOptions {
  /** Our uid in the room (default: a random one). */
  readonly uid?: string;
  /** A resume credential kept from an earlier `session` event. */
  readonly resume?: string;
  /** A room token, for a server that admits invited people only (docs/access.md). */
  readonly token?: string;
}
