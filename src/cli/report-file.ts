/**
 * Reads a call report file (the JSON of `client.report()`, src/protocol/report-format.ts) into
 * typed data, checking every field: a file that is not a report gets an error that says what is
 * wrong, never a crash further on.
 */
import { REPORT_FORMAT, type CallReport, type ReportEvent, type ReportSample } from '../protocol/report-format.ts';

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
function strOrNull(o: Obj, key: string, where: string): string | null {
  return o[key] === null || o[key] === undefined ? null : str(o, key, where);
}
function arr(o: Obj, key: string, where: string): unknown[] {
  const v = o[key];
  if (!Array.isArray(v)) throw new ReportFileError(`${where}.${key} must be a list`);
  return v;
}
function oneOf<T extends string>(o: Obj, key: string, where: string, values: readonly T[]): T {
  const v = str(o, key, where);
  if (!(values as readonly string[]).includes(v))
    throw new ReportFileError(`${where}.${key} must be one of ${values.join(', ')}`);
  return v as T;
}

function event(value: unknown, where: string): ReportEvent {
  const o = obj(value, where);
  const t = num(o, 't', where);
  const type = str(o, 'type', where);
  switch (type) {
    case 'state':
      return { t, type, state: str(o, 'state', where) };
    case 'ice-restart':
      return { t, type, attempt: num(o, 'attempt', where) };
    case 'error':
    case 'warning':
      return { t, type, code: str(o, 'code', where) };
    case 'path':
      return { t, type, path: str(o, 'path', where), protocol: str(o, 'protocol', where) };
    case 'safety-code':
      if (typeof o['verified'] !== 'boolean') throw new ReportFileError(`${where}.verified must be true or false`);
      return { t, type, verified: o['verified'] };
    default:
      throw new ReportFileError(`${where}.type "${type}" is not an event of this format`);
  }
}

function sample(value: unknown, where: string): ReportSample {
  const o = obj(value, where);
  return {
    t: num(o, 't', where),
    bitrateIn: numOrNull(o, 'bitrateIn', where),
    bitrateOut: numOrNull(o, 'bitrateOut', where),
    rttMs: numOrNull(o, 'rttMs', where),
    lossPercent: numOrNull(o, 'lossPercent', where),
    fps: numOrNull(o, 'fps', where),
    width: numOrNull(o, 'width', where),
    height: numOrNull(o, 'height', where),
    path: oneOf(o, 'path', where, ['direct', 'relay', 'unknown']),
    protocol: oneOf(o, 'protocol', where, ['udp', 'tcp', 'tls', 'unknown']),
    localCandidateType: strOrNull(o, 'localCandidateType', where),
    remoteCandidateType: strOrNull(o, 'remoteCandidateType', where),
    quality:
      o['quality'] === null || o['quality'] === undefined
        ? null
        : oneOf(o, 'quality', where, ['good', 'fair', 'poor'] as const),
  };
}

/** Parses a report file's text. */
export function parseReport(text: string): CallReport {
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
  if (format !== REPORT_FORMAT) throw new ReportFileError(`format "${format}" is newer than this zerortc`);
  const browser = obj(root['browser'], 'report.browser');
  const summary = obj(root['summary'], 'report.summary');
  return {
    format: REPORT_FORMAT,
    createdAt: str(root, 'createdAt', 'report'),
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
    timeline: arr(root, 'timeline', 'report').map((e, i) => event(e, `timeline[${i}]`)),
    samples: arr(root, 'samples', 'report').map((s, i) => sample(s, `samples[${i}]`)),
  };
}
