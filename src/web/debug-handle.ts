/**
 * `window.zerortc`: a read-only debug handle of the call page, for support and browser tests.
 */
import type { CallClient, StatsSummary } from '../client/index.ts';

/** What the page exposes as `window.zerortc`. */
export interface DebugHandle {
  readonly client: CallClient;
  /** Stats of the current call, raw counters included (frames decoded, audio samples). */
  stats(): Promise<StatsSummary | undefined>;
}

declare global {
  interface Window {
    zerortc: DebugHandle;
  }
}
