/**
 * The call report: what a person sends to the people who run the server when a call went wrong.
 * A timeline (states, ICE restarts, reconnects, errors by code) and getStats samples every few
 * seconds. By construction it holds no IP address, SDP, ICE ufrag, fingerprint, token,
 * credential, room name or chat text: only fields chosen here, numbers, and fixed words.
 * Read it with `zerortc report FILE` (src/cli/report.ts). Format: docs/client.md.
 */
import type { PeerCall } from './call.ts';
import type { Clock, TimerHandle } from './clock.ts';
import type { ClientErrorCode } from './errors.ts';
import { REPORT_FORMAT, type CallReport, type ReportEvent, type ReportSample } from '../protocol/report-format.ts';
import { assessQuality, connectionPath } from './quality.ts';
import { summarizeStats, type StatsSummary } from './stats.ts';

export { REPORT_FORMAT } from '../protocol/report-format.ts';
export type { CallReport, ReportEvent, ReportSample } from '../protocol/report-format.ts';

/** How often a stats sample is taken, ms. */
export const SAMPLE_INTERVAL_MS = 3000;
/** Samples kept (the latest): an hour at the default interval. */
const MAX_SAMPLES = 1200;
const MAX_EVENTS = 2000;

/** Reads browser name and version from a user agent string (no other part of it is kept). */
export function browserOf(userAgent: string): { name: string; version: string } {
  for (const [name, re] of [
    ['Edge', /Edg\/([\d.]+)/],
    ['Firefox', /Firefox\/([\d.]+)/],
    ['Chrome', /(?:HeadlessChrome|Chrome|Chromium)\/([\d.]+)/],
    ['Safari', /Version\/([\d.]+).*Safari\//],
  ] as const) {
    const m = re.exec(userAgent);
    if (m?.[1]) return { name, version: m[1] };
  }
  return { name: 'unknown', version: 'unknown' };
}

function orNull(n: number | undefined): number | null {
  return n === undefined || !Number.isFinite(n) ? null : Math.round(n * 100) / 100;
}

/** Records one join's timeline and stats samples. The call client owns one per join. */
export class CallRecorder {
  readonly #clock: Clock;
  readonly #startedAt = new Date();
  readonly #start: number;
  #events: ReportEvent[] = [];
  #samples: ReportSample[] = [];
  #pc: RTCPeerConnection | undefined;
  #previous: StatsSummary | undefined;
  #timer: TimerHandle;
  #lastPath = '';
  #iceRestarts = 0;
  #reconnects = 0;
  #errors: ClientErrorCode[] = [];
  #state = 'idle';

  /** @param clock timers for the sampling */
  constructor(clock: Clock) {
    this.#clock = clock;
    this.#start = clock.now();
  }

  #t(): number {
    return this.#clock.now() - this.#start;
  }

  #push(event: ReportEvent): void {
    if (this.#events.length < MAX_EVENTS) this.#events.push(event);
  }

  /** A state change of the call. */
  state(state: string, error: ClientErrorCode | undefined): void {
    if (state === 'reconnecting' && this.#state !== 'reconnecting') this.#reconnects++;
    this.#state = state;
    this.#push({ t: this.#t(), type: 'state', state });
    if (error) {
      this.#errors.push(error);
      this.#push({ t: this.#t(), type: 'error', code: error });
    }
    if (state === 'left' || state === 'error') this.#stopSampling();
  }

  /** A problem that did not end the call. */
  warning(code: ClientErrorCode): void {
    this.#push({ t: this.#t(), type: 'warning', code });
  }

  /** The safety code changed or was confirmed (the code itself is not kept). */
  safetyCode(verified: boolean): void {
    this.#push({ t: this.#t(), type: 'safety-code', verified });
  }

  /** Follows a new peer connection: its ICE restarts and its stats. */
  watchCall(call: PeerCall): void {
    this.#pc = call.pc;
    this.#previous = undefined;
    call.on('ice-restart', ({ attempt }) => {
      this.#iceRestarts++;
      this.#push({ t: this.#t(), type: 'ice-restart', attempt });
    });
    if (this.#timer === undefined) this.#schedule();
  }

  /** Stops sampling (the call is over); the report can still be taken. */
  #stopSampling(): void {
    this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#pc = undefined;
  }

  #schedule(): void {
    this.#timer = this.#clock.setTimeout(() => {
      void this.sample()
        .catch(() => undefined)
        .finally(() => {
          if (this.#timer !== undefined) this.#schedule();
        });
    }, SAMPLE_INTERVAL_MS);
  }

  /** Takes one stats sample now (also run every {@link SAMPLE_INTERVAL_MS}). */
  async sample(): Promise<void> {
    const pc = this.#pc;
    if (!pc || pc.connectionState === 'closed' || typeof pc.getStats !== 'function') return;
    const report = await pc.getStats();
    const s = summarizeStats(report, this.#previous);
    this.#previous = s;
    const route = connectionPath(report);
    const key = `${route.path}/${route.protocol}`;
    if (route.path !== 'unknown' && key !== this.#lastPath) {
      this.#lastPath = key;
      this.#push({ t: this.#t(), type: 'path', path: route.path, protocol: route.protocol });
    }
    this.#samples.push({
      t: this.#t(),
      bitrateIn: orNull(s.bitrateIn),
      bitrateOut: orNull(s.bitrateOut),
      rttMs: orNull(s.rttMs),
      lossPercent: orNull(s.lossPercent),
      fps: orNull(s.fps),
      width: s.width ?? null,
      height: s.height ?? null,
      path: route.path,
      protocol: route.protocol,
      localCandidateType: route.localType ?? null,
      remoteCandidateType: route.remoteType ?? null,
      quality: assessQuality(s) ?? null,
    });
    if (this.#samples.length > MAX_SAMPLES) this.#samples.shift();
  }

  /** The report so far. */
  report(): CallReport {
    const nav = typeof navigator === 'undefined' ? undefined : navigator;
    const { name, version } = browserOf(nav?.userAgent ?? '');
    return {
      format: REPORT_FORMAT,
      createdAt: new Date().toISOString(),
      startedAt: this.#startedAt.toISOString(),
      browser: {
        name,
        version,
        platform: /Android|iPhone|iPad|Mobile/.test(nav?.userAgent ?? '') ? 'mobile' : 'desktop',
      },
      summary: {
        durationMs: this.#t(),
        iceRestarts: this.#iceRestarts,
        reconnects: this.#reconnects,
        errors: [...this.#errors],
        finalState: this.#state,
      },
      timeline: [...this.#events],
      samples: [...this.#samples],
    };
  }
}
