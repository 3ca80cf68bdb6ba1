/**
 * Keeps a call honest and alive on real networks: whether the other side's media really arrives
 * (ICE and DTLS can say `connected` while nothing comes, for example a stream left frozen after a
 * link cut; SPEC §4's `connected` means media playing), and what to do when the path breaks:
 * check that the signaling socket is still alive (after a change of network it is bound to an
 * address that is gone, and TCP notices that only after minutes) and restore the media path by
 * the role (see {@link PeerCall.recover}).
 */
import type { PeerCall } from './call.ts';
import type { Clock, TimerHandle } from './clock.ts';

/** Tuning of {@link CallRecovery} (ms). */
export interface CallRecoveryOptions {
  /** How often the receive counters are read (default 1000). */
  readonly sampleMs?: number;
  /** No new remote frame or audio packet for this long: the media is stalled (default 4000). */
  readonly stallMs?: number;
}

/** What the recovery needs of the signaling client. */
export interface SignalingProbe {
  checkConnection(): void;
}

/** Watches one call; `stop()` when the call ends. */
export class CallRecovery {
  #timer: TimerHandle;
  #last = -1;
  #lastProgressAt = 0;
  #stalled = false;
  #stopped = false;
  readonly #onlineListener = (): void => this.#signaling.checkConnection();
  readonly #call: PeerCall;
  readonly #signaling: SignalingProbe;
  readonly #clock: Clock;
  readonly #onChange: () => void;
  readonly #sampleMs: number;
  readonly #stallMs: number;

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
    this.#sampleMs = options.sampleMs ?? 1000;
    this.#stallMs = options.stallMs ?? 4000;
    call.on('connection', (state) => {
      if (state === 'connected') {
        this.#lastProgressAt = this.#clock.now();
        this.#schedule();
      } else if (state === 'disconnected' || state === 'failed') {
        // The media path broke: a change of network may have killed the signaling socket too,
        // and the ICE restart needs it.
        this.#signaling.checkConnection();
      }
    });
    globalThis.addEventListener?.('online', this.#onlineListener);
  }

  /** True when ICE says connected but no remote media has arrived for `stallMs`. */
  get stalled(): boolean {
    return this.#stalled;
  }

  stop(): void {
    this.#stopped = true;
    this.#clock.clearTimeout(this.#timer);
    globalThis.removeEventListener?.('online', this.#onlineListener);
  }

  #schedule(): void {
    this.#clock.clearTimeout(this.#timer);
    if (this.#stopped) return;
    this.#timer = this.#clock.setTimeout(() => void this.#sample(), this.#sampleMs);
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
    if (progress === undefined) {
      // No receive counters (yet, or not in this engine): nothing to judge by.
      this.#lastProgressAt = now;
    } else if (progress !== this.#last) {
      this.#last = progress;
      this.#lastProgressAt = now;
    }
    const stalled = now - this.#lastProgressAt >= this.#stallMs;
    if (stalled !== this.#stalled) {
      this.#stalled = stalled;
      this.#onChange();
      if (stalled) {
        // Connected in name only: restore the path as after a drop, signaling checked first.
        this.#signaling.checkConnection();
        this.#call.recover();
      }
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
