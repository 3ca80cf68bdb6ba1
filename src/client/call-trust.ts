/**
 * What the call client adds for trust, kept out of call-client.ts: the safety code of the
 * current peer connection and the recorder of the report. It listens to the client's own events
 * (state, warnings) and is told by the client when a peer connection starts or ends.
 */
import type { PeerCall } from './call.ts';
import type { Clock } from './clock.ts';
import type { ZeroRtcError } from './errors.ts';
import type { Listener } from './events.ts';
import { CallRecorder, type CallReport } from './report.ts';
import { SafetyCodeTracker, type SafetyCode } from './safety-code.ts';

/** The client events this module listens to. */
interface TrustSource {
  on(type: 'state', listener: Listener<{ readonly state: string; readonly error: ZeroRtcError | undefined }>): unknown;
  on(type: 'warning', listener: Listener<ZeroRtcError>): unknown;
}

/** Safety code and report of one call client. */
export class CallTrust {
  readonly #clock: Clock;
  readonly #safety: SafetyCodeTracker;
  #recorder: CallRecorder;

  /**
   * @param client the call client (its `state` and `warning` events are recorded)
   * @param onSafetyCode called when the safety code changes, is confirmed, or goes away
   */
  constructor(client: TrustSource, clock: Clock, onSafetyCode: (code: SafetyCode | undefined) => void) {
    this.#clock = clock;
    this.#recorder = new CallRecorder(clock);
    this.#safety = new SafetyCodeTracker((code) => {
      if (code) this.#recorder.safetyCode(code.verified);
      onSafetyCode(code);
    });
    client.on('state', ({ state, error }) => this.#recorder.state(state, error?.code));
    client.on('warning', (w) => this.#recorder.warning(w.code));
  }

  /** A new join: a fresh report. */
  begin(): void {
    this.#recorder = new CallRecorder(this.#clock);
  }

  /** A peer connection started (`call`) or ended (`undefined`). */
  watch(call: PeerCall | undefined, roomId: string | undefined): void {
    this.#safety.watch(call?.pc, roomId);
    if (call) this.#recorder.watchCall(call);
  }

  /** The current safety code. */
  get safetyCode(): SafetyCode | undefined {
    return this.#safety.current;
  }

  /** The person confirmed `code`; false when it is not the current code. */
  confirm(code: string): boolean {
    return this.#safety.verify(code);
  }

  /** The report of the current (or last) join, with a fresh stats sample when a call runs. */
  async report(): Promise<CallReport> {
    await this.#recorder.sample().catch(() => undefined);
    return this.#recorder.report();
  }
}
