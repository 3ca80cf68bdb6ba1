/**
 * Reads a call report file (the JSON of `client.report()`, format zerortc-report/1) into typed
 * data, checking every field it uses: a file that is not a report gets an error that says what
 * is wrong, never a crash further on.
 */

/** The parts of a report the `zerortc report` command reads. */
export interface ReportFile {
  readonly format: string;
  readonly startedAt: string;
  readonly browser: { readonly name: string; readonly version: string; readonly platform: string };
  readonly summary: {
    readonly durationMs: number;
    readonly iceRestarts: number;
    readonly reconnects: number;
    readonly errors: readonly string[];
    readonly finalState: string;
  };
  readonly timeline: readonly TimelineEntry[];
  readonly samples: readonly SampleEntry[];
}

export interface TimelineEntry {
  readonly t: number;
  readonly type: string;
  /** The state, error code, path, attempt or verified flag, as words. */
  readonly detail: string;
}

export interface SampleEntry {
  readonly t: number;
  readonly bitrateIn: number | null;
  readonly bitrateOut: number | null;
  readonly rttMs: number | null;
  readonly lossPercent: number | null;
  readonly fps: number | null;
  readonly path: string;
  readonly protocol: string;
  readonly quality: string | null;
}

/** A file that is not a readable report. */
export class ReportFileError extends Error {}

type Obj = Record<string, unknown>;

function obj(v: unknown, where: string): Obj {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new ReportFileError(`${where} must be an object`);
  return v as Obj;
}
function str(o: Obj, key: string, where: string): string {
  const v = o[key];
  if (typeof v !== 'string') throw new ReportFileError(`${where}.${key} must be a string`);
  return v;
}
function num(o: Obj, key: string, where: string): number {
  const v = o[key];
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new ReportFileError(`${where}.${key} must be a number`);
  return v;
}
function numOrNull(o: Obj, key: string, where: string): number | null {
  return o[key] === null || o[key] === undefined ? null : num(o, key, where);
}
function arr(o: Obj, key: string, where: string): unknown[] {
  const v = o[key];
  if (!Array.isArray(v)) throw new ReportFileError(`${where}.${key} must be a list`);
  return v;
}

/** Parses a report file's text. */
export function parseReport(text: string): ReportFile {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new ReportFileError(`not JSON (${err instanceof Error ? err.message : String(err)})`);
  }
  const root = obj(value, 'the report');
  const format = str(root, 'format', 'report');
  if (!format.startsWith('zerortc-report/'))
    throw new ReportFileError(`format "${format}" is not a ZeroRTC call report`);
  if (format !== 'zerortc-report/1') throw new ReportFileError(`format "${format}" is newer than this zerortc`);
  const browser = obj(root['browser'], 'report.browser');
  const summary = obj(root['summary'], 'report.summary');
  return {
    format,
    startedAt: str(root, 'startedAt', 'report'),
    browser: {
      name: str(browser, 'name', 'browser'),
      version: str(browser, 'version', 'browser'),
      platform: str(browser, 'platform', 'browser'),
    },
    summary: {
      durationMs: num(summary, 'durationMs', 'summary'),
      iceRestarts: num(summary, 'iceRestarts', 'summary'),
      reconnects: num(summary, 'reconnects', 'summary'),
      errors: arr(summary, 'errors', 'summary').map(String),
      finalState: str(summary, 'finalState', 'summary'),
    },
    timeline: arr(root, 'timeline', 'report').map((e, i) => {
      const o = obj(e, `timeline[${i}]`);
      const type = str(o, 'type', `timeline[${i}]`);
      const detail =
        type === 'state'
          ? String(o['state'])
          : type === 'error' || type === 'warning'
            ? String(o['code'])
            : type === 'ice-restart'
              ? `attempt ${String(o['attempt'])}`
              : type === 'path'
                ? `${String(o['path'])} over ${String(o['protocol']).toUpperCase()}`
                : type === 'safety-code'
                  ? o['verified'] === true
                    ? 'confirmed by the person'
                    : 'new code shown'
                  : '';
      return { t: num(o, 't', `timeline[${i}]`), type, detail };
    }),
    samples: arr(root, 'samples', 'report').map((e, i) => {
      const o = obj(e, `samples[${i}]`);
      const w = `samples[${i}]`;
      return {
        t: num(o, 't', w),
        bitrateIn: numOrNull(o, 'bitrateIn', w),
        bitrateOut: numOrNull(o, 'bitrateOut', w),
        rttMs: numOrNull(o, 'rttMs', w),
        lossPercent: numOrNull(o, 'lossPercent', w),
        fps: numOrNull(o, 'fps', w),
        path: str(o, 'path', w),
        protocol: str(o, 'protocol', w),
        quality: typeof o['quality'] === 'string' ? o['quality'] : null,
      };
    }),
  };
}
