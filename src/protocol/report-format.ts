/**
 * The call report's format (zerortc-report/1): written by the browser client library
 * (src/client/report.ts), read by `zerortc report` (src/cli/report.ts). No Node, no DOM.
 * Error codes are the client's codes (docs/client.md), kept as strings here.
 */

/** The report format's name and version. */
export const REPORT_FORMAT = 'zerortc-report/1';

/** One event of the timeline; `t` is ms since the recorder started. */
export type ReportEvent =
  | { readonly t: number; readonly type: 'state'; readonly state: string }
  | { readonly t: number; readonly type: 'ice-restart'; readonly attempt: number }
  | { readonly t: number; readonly type: 'error'; readonly code: string }
  | { readonly t: number; readonly type: 'warning'; readonly code: string }
  | { readonly t: number; readonly type: 'path'; readonly path: string; readonly protocol: string }
  | { readonly t: number; readonly type: 'safety-code'; readonly verified: boolean };

/** One stats sample; `t` is ms since the recorder started. */
export interface ReportSample {
  readonly t: number;
  readonly bitrateIn: number | null;
  readonly bitrateOut: number | null;
  readonly rttMs: number | null;
  readonly lossPercent: number | null;
  readonly fps: number | null;
  readonly width: number | null;
  readonly height: number | null;
  readonly path: 'direct' | 'relay' | 'unknown';
  readonly protocol: 'udp' | 'tcp' | 'tls' | 'unknown';
  readonly localCandidateType: string | null;
  readonly remoteCandidateType: string | null;
  readonly quality: 'good' | 'fair' | 'poor' | null;
}

/** The report `client.report()` returns (JSON-safe) and `zerortc report` reads. */
export interface CallReport {
  readonly format: typeof REPORT_FORMAT;
  /** ISO time the report was made. */
  readonly createdAt: string;
  /** ISO time recording started (the join). */
  readonly startedAt: string;
  readonly browser: { readonly name: string; readonly version: string; readonly platform: string };
  readonly summary: {
    readonly durationMs: number;
    readonly iceRestarts: number;
    readonly reconnects: number;
    readonly errors: readonly string[];
    readonly finalState: string;
  };
  readonly timeline: readonly ReportEvent[];
  readonly samples: readonly ReportSample[];
}
