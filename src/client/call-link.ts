/**
 * The peer connection of a call client to the current other member: it starts one
 * {@link PeerCall} with the client's options, watches it (media stall, offer wait) and closes it.
 * Kept out of call-client.ts, which decides when a call starts or is dropped and derives the
 * call state from what this reports.
 */
import { PeerCall } from './call.ts';
import { CallRecovery } from './call-recovery.ts';
import type { CallClientOptions } from './call-types.ts';
import type { Clock, TimerHandle } from './clock.ts';
import type { ZeroRtcError } from './errors.ts';
import { startAtHalfSize } from './fast-start.ts';
import type { IceConfig } from './ice-servers.ts';
import type { LocalMedia } from './media.ts';
import type { PeerMessage } from './peer-messages.ts';
import type { SignalingClient } from './signaling-client.ts';
import { summarizeStats, type StatsSummary } from './stats.ts';

/** The browser's peer connection configuration for an ICE configuration. */
export function rtcConfig(ice: IceConfig): RTCConfiguration {
  return { iceServers: ice.iceServers, iceTransportPolicy: ice.iceTransportPolicy, bundlePolicy: 'max-bundle' };
}

/** What the link tells the client. */
export interface CallLinkHooks {
  /** A call was created (before anything else watches it), or the current one was closed. */
  onCall(call: PeerCall | undefined): void;
  /** A remote track arrived on the current call. */
  onTrack(track: MediaStreamTrack, stream: MediaStream | undefined): void;
  /** The connection or the stall state changed: derive the call state again. */
  onChange(): void;
  onChannelOpen(): void;
  onPeerMessage(message: PeerMessage): void;
  /** The current call failed for good. */
  onError(error: ZeroRtcError): void;
}

/** What a new call needs. */
export interface CallLinkStart {
  readonly remoteUid: string;
  readonly polite: boolean;
  readonly canOffer: boolean;
  readonly ice: IceConfig;
  readonly media: LocalMedia;
  readonly signaling: SignalingClient;
  readonly beforeRestart: () => Promise<void>;
}

/** The current peer connection of one call client. */
export class CallLink {
  #call: PeerCall | undefined;
  #recovery: CallRecovery | undefined;
  #offerWaitTimer: TimerHandle;
  #lastStats: StatsSummary | undefined;
  readonly #clock: Clock;
  readonly #options: CallClientOptions;
  readonly #hooks: CallLinkHooks;

  constructor(clock: Clock, options: CallClientOptions, hooks: CallLinkHooks) {
    this.#clock = clock;
    this.#options = options;
    this.#hooks = hooks;
  }

  /** The current call. */
  get call(): PeerCall | undefined {
    return this.#call;
  }

  /** Is there a call whose media is flowing (or about to)? */
  get alive(): boolean {
    const state = this.#call?.pc.connectionState;
    return state === 'connected';
  }

  /** The current call's recovery watch (call-recovery.ts). */
  get recovery(): CallRecovery | undefined {
    return this.#recovery;
  }

  /** No remote media arrived for a while although the connection says connected. */
  get stalled(): boolean {
    return this.#recovery?.stalled ?? false;
  }

  /** Starts a call with `remoteUid`; the caller dropped the previous one. */
  start(s: CallLinkStart): PeerCall {
    const { remoteUid, signaling, media, canOffer } = s;
    const o = this.#options;
    const call = new PeerCall({
      remoteUid,
      polite: s.polite,
      canOffer,
      configuration: rtcConfig(s.ice),
      tracks: media.outgoingTracks,
      ...(media.stream && { stream: media.stream }),
      clock: this.#clock,
      send: (cmd, msg) => signaling.send({ cmd, roomId: signaling.roomId, uid: signaling.uid, remoteUid, msg }),
      ...(o.createPeerConnection && { createPeerConnection: o.createPeerConnection }),
      beforeRestart: s.beforeRestart,
      ...o.peer,
    });
    this.#call = call;
    this.#hooks.onCall(call);
    startAtHalfSize(call.pc, this.#clock);
    this.#recovery = new CallRecovery(call, signaling, this.#clock, () => this.#hooks.onChange());
    call.on('track', ({ track, stream }) => {
      if (this.#call !== call) return;
      this.#hooks.onTrack(track, stream);
    });
    call.on('connection', () => {
      if (this.#call !== call) return;
      if (call.pc.connectionState === 'connected') this.#clock.clearTimeout(this.#offerWaitTimer);
      this.#hooks.onChange();
    });
    call.on('channel-open', () => this.#hooks.onChannelOpen());
    call.on('peer', (message) => this.#hooks.onPeerMessage(message));
    call.on('error', (err) => {
      if (this.#call === call) this.#hooks.onError(err);
    });
    if (!canOffer) {
      // The offer should come soon; if it does not, the other side may be holding an older
      // connection: offering ourselves makes it start afresh. Not too soon: a client that is not
      // ours cannot settle glare, and some offer only after gathering (werift waits up to 5 s
      // for a STUN server that does not answer), so offering early would race them into glare.
      this.#offerWaitTimer = this.#clock.setTimeout(() => {
        if (this.#call === call && !call.pc.remoteDescription) call.startNegotiation();
      }, o.peer?.offerWaitMs ?? 10_000);
    }
    return call;
  }

  /** Closes the current call, if any. */
  drop(): void {
    this.#clock.clearTimeout(this.#offerWaitTimer);
    this.#recovery?.stop();
    this.#recovery = undefined;
    if (this.#call) {
      this.#call.close();
      this.#call = undefined;
      this.#hooks.onCall(undefined);
    }
    this.#lastStats = undefined;
  }

  /** A stats summary of the call (rates against the previous call of this method). */
  async getStats(): Promise<StatsSummary | undefined> {
    const pc = this.#call?.pc;
    if (!pc) return undefined;
    const summary = summarizeStats(await pc.getStats(), this.#lastStats);
    this.#lastStats = summary;
    return summary;
  }
}
