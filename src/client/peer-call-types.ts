/**
 * The peer call's public types: its options, its events, and the peer connection factory.
 */
import type { RelayCmd } from '../protocol/messages.ts';
import type { Clock } from './clock.ts';
import type { ZeroRtcError } from './errors.ts';
import type { PeerMessage } from './peer-messages.ts';

/** Creates the peer connection (the browser's by default; a fake in unit tests). */
export type PeerConnectionFactory = (configuration: RTCConfiguration) => RTCPeerConnection;

/** Options of the peer call (`PeerCall`). */
export interface PeerCallOptions {
  /** The other member's uid. */
  readonly remoteUid: string;
  /** Our role: the polite peer yields when both offer at once. */
  readonly polite: boolean;
  /** May we make the first offer? (true for the member that heard `new-peer`) */
  readonly canOffer: boolean;
  readonly configuration: RTCConfiguration;
  /** Sends an offer, answer or candidate to the other member. */
  readonly send: (cmd: RelayCmd, msg: string) => void;
  /** Our outgoing tracks, with the stream they belong to. */
  readonly tracks: readonly MediaStreamTrack[];
  readonly stream?: MediaStream;
  readonly createPeerConnection?: PeerConnectionFactory;
  readonly clock?: Clock;
  /** How long `disconnected` may last before an ICE restart, ms (default 3000). */
  readonly disconnectedRestartMs?: number;
  /** ICE restarts in a row without success before `ice-failed` (default 2). */
  readonly maxIceRestarts?: number;
  /** With relay-only policy: how long to wait for a relay candidate, ms (default 10000). */
  readonly relayTimeoutMs?: number;
  /**
   * How long the polite side waits for the other side's ICE restart before restarting itself,
   * ms (default 4000): only the impolite side restarts at once, so the two never offer together.
   */
  readonly politeRestartDelayMs?: number;
  /** Runs before each ICE restart (fetches fresh TURN credentials); a failure does not stop it. */
  readonly beforeRestart?: () => Promise<void>;
}

/** Events of the peer call (`PeerCall`). */
export interface PeerCallEvents {
  /** A remote track arrived. */
  track: { readonly track: MediaStreamTrack; readonly stream: MediaStream | undefined };
  /** The peer connection's state changed. */
  connection: RTCPeerConnectionState;
  /** The data channel opened (peer messages can be sent). */
  'channel-open': undefined;
  /** A message from the other browser. */
  peer: PeerMessage;
  /** An ICE restart began. */
  'ice-restart': { readonly attempt: number };
  /** A fatal error (`ice-failed`) or a TURN problem (`turn-failed`). */
  error: ZeroRtcError;
}
