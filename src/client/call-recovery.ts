/**
 * Keeps a call honest and alive on real networks: whether the other side's media really arrives
 * (ICE and DTLS can say `connected` while nothing comes, for example a stream left frozen after a
 * link cut, or for seconds after a phone left Wi-Fi; SPEC §4's `connected` means media playing),
 * and how to restore the path when it broke (docs/protocol.md, "Recovery"):
 *
 * - No remote frame or audio packet for `stallMs` (a muted microphone still sends packets, so
 *   silence means the path is gone): the call is `reconnecting`. The signaling socket is renewed
 *   first, because after a change of network it is bound to an address that is gone (TCP notices
 *   that only after minutes) and an ICE-restart offer sent on it would be lost; once seated
 *   again, the impolite side restarts ICE, the polite side only if media is still stalled after
 *   its delay (no glare).
 * - A change of network that the browser reports (`online`, or the Network Information API's
 *   `change`, as when a phone leaves Wi-Fi) is acted on at once: renew, and once seated this
 *   side restarts ICE whatever its role, since it is the side that knows its address changed.
 * - The other member's seat came back (`peer-resumed`) while our offer is unanswered: it was
 *   lost on the other member's dead socket, so offer again.
 */
import type { PeerCall } from './call.ts';
import type { Clock, TimerHandle } from './clock.ts';

/** Tuning of {@link CallRecovery} (ms). */
export interface CallRecoveryOptions {
  /** How often the receive counters are read (default 500). */
  readonly sampleMs?: number;
  /** No new remote frame or audio packet for this long: the media is stalled (default 2000). */
  readonly stallMs?: number;
  /**
   * How long an ICE restart (ours, or an offer from the other side) is given to bring media back
   * before the path is restored again (default 5000). The state says `reconnecting` meanwhile.
   */
  readonly restoreMs?: number;
}

/** What the recovery needs of the signaling client. */
export interface SignalingProbe {
  /** Pings; reconnects when no answer comes (an ICE state change, not yet a stall). */
  checkConnection(): void;
  /** Reconnects now and resumes the seat. */
  renew(): void;
  /** While reconnecting: the next attempt now, not after its backoff. */
  retryNow(): void;
}

/** Where the browser says that its network changed; `navigator.connection` is Chromium's. */
interface NetworkEvents {
  addEventListener?(type: string, listener: () => void): void;
  removeEventListener?(type: string, listener: () => void): void;
}

/** Watches one call; `stop()` when the call ends. */
export class CallRecovery {
  #timer: TimerHandle;
  #last = -1;
  #lastProgressAt = 0;
  #stalled = false;
  /** The path was restored (renewed, restarted) for the current silence. */
  #acted = false;
  /** A restore is under way (ours or the other side's): no new one before this time. */
  #patientUntil = 0;
  /** The network changed: stalled until remote media moves again, whatever the clock says. */
  #awaitingMedia = false;
  /** The next sample is the baseline after a change of network, not progress. */
  #rebase = false;
  /** Why the path must be restored once the signaling seat is back. */
  #onRejoin: 'network' | 'stall' | undefined;
  #stopped = false;
  readonly #onNetworkChange = (): void => this.#networkChanged();
  readonly #connection: NetworkEvents | undefined = (globalThis.navigator as { connection?: NetworkEvents } | undefined)
    ?.connection;
  readonly #call: PeerCall;
  readonly #signaling: SignalingProbe;
  readonly #clock: Clock;
  readonly #onChange: () => void;
  readonly #sampleMs: number;
  readonly #stallMs: number;
  readonly #restoreMs: number;

  /**
   * @param onChange called when {@link stalled} changes (the call state follows it)
   */
  constructor(
    call: PeerCall,
    signaling: SignalingProbe,
    clock: Clock,
    onChange: () => void,
    options: CallRecoveryOptions = {},
  ) {
    this.#call = call;
    this.#signaling = signaling;
    this.#clock = clock;
    this.#onChange = onChange;
    this.#sampleMs = options.sampleMs ?? 500;
    this.#stallMs = options.stallMs ?? 2000;
    this.#restoreMs = options.restoreMs ?? 5000;
    call.on('ice-restart', () => this.#bePatient());
    call.on('connection', (state) => {
      if (state === 'connected') {
        this.#lastProgressAt = this.#clock.now();
        this.#signaling.retryNow();
        this.#schedule();
      } else if (state === 'disconnected' || state === 'failed') {
        // The media path broke: a change of network may have killed the signaling socket too,
        // and the ICE restart (call.ts, by role) needs it.
        this.#signaling.checkConnection();
      }
    });
    globalThis.addEventListener?.('online', this.#onNetworkChange);
    this.#connection?.addEventListener?.('change', this.#onNetworkChange);
  }

  /** True when no remote media arrives (for `stallMs`, or since a change of network). */
  get stalled(): boolean {
    return this.#stalled;
  }

  stop(): void {
    this.#stopped = true;
    this.#clock.clearTimeout(this.#timer);
    globalThis.removeEventListener?.('online', this.#onNetworkChange);
    this.#connection?.removeEventListener?.('change', this.#onNetworkChange);
  }

  /**
   * The signaling seat is back (a `joined` for the same call): restores the media path if a
   * stall or a change of network renewed the socket.
   * @returns true when it took care of the path
   */
  rejoined(): boolean {
    const why = this.#onRejoin;
    this.#onRejoin = undefined;
    if (why === undefined || this.#stopped) return false;
    if (why === 'network') return this.#call.restartIce(true);
    this.#call.recover(false, () => !this.#stopped && this.#stalled);
    return true;
  }

  /**
   * The other member's seat came back: an offer of ours still waiting for its answer went to
   * its dead socket. Offers again (the restart rolls the old offer back).
   * @returns true when it offered again
   */
  peerResumed(): boolean {
    if (this.#stopped || this.#call.pc.signalingState !== 'have-local-offer') return false;
    return this.#call.restartIce(true);
  }

  #networkChanged(): void {
    if (this.#stopped) return;
    this.#signaling.renew();
    if (!this.#call.everConnected) return;
    this.#onRejoin = 'network';
    this.#acted = true;
    this.#bePatient();
    this.#awaitingMedia = true;
    this.#rebase = true;
    this.#lastProgressAt = this.#clock.now();
    this.#setStalled(true);
    // Read the counters now: what arrived before the change must not count as media back.
    this.#schedule(0);
  }

  #bePatient(): void {
    this.#patientUntil = Math.max(this.#patientUntil, this.#clock.now() + this.#restoreMs);
  }

  #setStalled(stalled: boolean): void {
    if (stalled === this.#stalled) return;
    this.#stalled = stalled;
    this.#onChange();
  }

  #schedule(delay = this.#sampleMs): void {
    this.#clock.clearTimeout(this.#timer);
    if (this.#stopped) return;
    this.#timer = this.#clock.setTimeout(() => void this.#sample(), delay);
  }

  async #sample(): Promise<void> {
    const pc = this.#call.pc;
    if (this.#stopped || pc.connectionState !== 'connected') return;
    let progress: number | undefined;
    try {
      progress = mediaProgress(await pc.getStats());
    } catch {
      progress = undefined;
    }
    if (this.#stopped) return;
    const now = this.#clock.now();
    if (this.#rebase && progress !== undefined) {
      this.#rebase = false;
      this.#last = progress;
    } else if (progress === undefined || progress !== this.#last) {
      // Media moved (or this engine has no receive counters: nothing to judge by). After a
      // silence that means the network is back: so is the server, most likely.
      if (this.#stalled) this.#signaling.retryNow();
      this.#last = progress ?? -1;
      this.#lastProgressAt = now;
      this.#awaitingMedia = false;
    }
    const silent = now - this.#lastProgressAt >= this.#stallMs;
    if (!silent && !this.#awaitingMedia) this.#acted = false;
    this.#setStalled(this.#awaitingMedia || silent);
    // An offer being answered (a restart from the other side, slow on a busy device) is a restore
    // under way too.
    if (pc.signalingState === 'have-remote-offer') this.#bePatient();
    if (silent && !this.#acted && now >= this.#patientUntil) {
      // Once per silence; ICE's own states take over from there.
      this.#acted = true;
      this.#onRejoin = this.#onRejoin ?? 'stall';
      this.#signaling.renew();
    }
    this.#schedule();
  }
}

/**
 * A number that grows while remote media arrives: decoded video frames plus received audio
 * packets (either one moving is enough: a camera may be off, a microphone muted still sends).
 * `undefined` when the report has no inbound RTP at all.
 */
export function mediaProgress(report: RTCStatsReport): number | undefined {
  let total: number | undefined;
  report.forEach((s: Record<string, unknown>) => {
    if (s['type'] !== 'inbound-rtp') return;
    const frames = typeof s['framesDecoded'] === 'number' ? s['framesDecoded'] : 0;
    const packets = s['kind'] === 'audio' && typeof s['packetsReceived'] === 'number' ? s['packetsReceived'] : 0;
    total = (total ?? 0) + frames + packets;
  });
  return total;
}
