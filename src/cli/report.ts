/**
 * `zerortc report FILE [--svg OUT.svg]`: reads a call report that a person downloaded from the
 * call page and prints what happened in words, then the receive bitrate and round trip over time
 * as terminal charts (or writes them as an SVG file).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { plot } from 'asciichart';
import type { CallReport, ReportEvent, ReportSample } from '../protocol/report-format.ts';
import { parseReport, ReportFileError } from './report-file.ts';

const USAGE = 'usage: zerortc report FILE [--svg OUT.svg]';

function clock(ms: number): string {
  const s = Math.max(0, ms) / 1000;
  const m = Math.floor(s / 60);
  return `${m}:${(s - m * 60).toFixed(1).padStart(4, '0')}`;
}

function duration(ms: number): string {
  const s = Math.round(ms / 1000);
  return s < 60 ? `${s} s` : `${Math.floor(s / 60)} min ${s % 60} s`;
}

function median(values: number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function series(samples: readonly ReportSample[], key: 'bitrateIn' | 'bitrateOut' | 'rttMs' | 'lossPercent'): number[] {
  return samples.flatMap((s) => (s[key] === null ? [] : [s[key]]));
}

/** One timeline event in words. */
function eventWords(e: ReportEvent): string {
  switch (e.type) {
    case 'state':
      return e.state;
    case 'error':
    case 'warning':
      return e.code;
    case 'ice-restart':
      return `attempt ${e.attempt}`;
    case 'path':
      return `${e.path} over ${e.protocol.toUpperCase()}`;
    case 'safety-code':
      return e.verified ? 'confirmed by the person' : 'new code shown';
  }
}

/** The report in words. */
export function describeReport(r: CallReport): string {
  const lines: string[] = [];
  lines.push(`ZeroRTC call report (${r.format})`);
  lines.push(`Browser: ${r.browser.name} ${r.browser.version} (${r.browser.platform})`);
  lines.push(
    `Started ${r.startedAt}; recorded for ${duration(r.summary.durationMs)}; last state: ${r.summary.finalState}.`,
  );
  const connected = r.timeline.find((e) => e.type === 'state' && e.state === 'connected');
  lines.push(connected ? `Connected ${clock(connected.t)} after joining.` : 'The call never connected.');
  const paths = r.timeline.filter((e) => e.type === 'path').map((e) => `${eventWords(e)} from ${clock(e.t)}`);
  lines.push(paths.length > 0 ? `Path: ${paths.join('; then ')}.` : 'Path: never known (no selected candidate pair).');
  const errors = r.summary.errors;
  lines.push(
    `${r.summary.iceRestarts} ICE restart(s), ${r.summary.reconnects} reconnect(s), ` +
      (errors.length > 0 ? `error(s): ${errors.join(', ')}.` : 'no error.'),
  );
  const confirmed = r.timeline.find((e) => e.type === 'safety-code' && e.verified);
  lines.push(
    confirmed ? `Safety code confirmed at ${clock(confirmed.t)}.` : 'Safety code never confirmed on this side.',
  );
  const rtt = series(r.samples, 'rttMs');
  const loss = series(r.samples, 'lossPercent');
  const rateIn = series(r.samples, 'bitrateIn');
  if (r.samples.length > 0) {
    const counts = new Map<string, number>();
    for (const s of r.samples) if (s.quality) counts.set(s.quality, (counts.get(s.quality) ?? 0) + 1);
    const quality = [...counts].map(([q, n]) => `${q} ${Math.round((100 * n) / r.samples.length)} %`).join(', ');
    lines.push(`${r.samples.length} stats samples. Quality: ${quality || 'not measured'}.`);
    const fmt = (v: number | undefined, unit: string, digits = 0): string =>
      v === undefined ? 'unknown' : `${v.toFixed(digits)} ${unit}`;
    lines.push(
      `Round trip median ${fmt(median(rtt), 'ms')} (max ${fmt(rtt.length ? Math.max(...rtt) : undefined, 'ms')}); ` +
        `loss median ${fmt(median(loss), '%', 1)} (max ${fmt(loss.length ? Math.max(...loss) : undefined, '%', 1)}); ` +
        `receive bitrate median ${fmt((median(rateIn) ?? NaN) / 1000, 'kbit/s')}.`.replace('NaN kbit/s', 'unknown'),
    );
  } else {
    lines.push('No stats samples (the call did not run long enough).');
  }
  lines.push('', 'Timeline:');
  for (const e of r.timeline) lines.push(`  ${clock(e.t).padStart(7)}  ${e.type.padEnd(11)} ${eventWords(e)}`);
  return lines.join('\n');
}

/** Terminal charts of receive bitrate (kbit/s) and round trip (ms). */
export function plotReport(r: CallReport): string {
  const out: string[] = [];
  const rateIn = series(r.samples, 'bitrateIn').map((b) => b / 1000);
  const rtt = series(r.samples, 'rttMs');
  if (rateIn.length >= 2) out.push('Receive bitrate (kbit/s):', plot(rateIn, { height: 8 }));
  if (rtt.length >= 2) out.push('Round trip (ms):', plot(rtt, { height: 6 }));
  return out.join('\n');
}

function polyline(
  points: [number, number][],
  maxX: number,
  maxY: number,
  box: { x: number; y: number; w: number; h: number },
): string {
  return points
    .map(
      ([x, y]) =>
        `${(box.x + (x / (maxX || 1)) * box.w).toFixed(1)},${(box.y + box.h - (y / (maxY || 1)) * box.h).toFixed(1)}`,
    )
    .join(' ');
}

/** The same two charts as an SVG document. */
export function svgReport(r: CallReport): string {
  const width = 720;
  const chart = (key: 'bitrateIn' | 'rttMs', title: string, scale: number, top: number, color: string): string => {
    const pts = r.samples.flatMap((s) => (s[key] === null ? [] : [[s.t / 1000, s[key] / scale] as [number, number]]));
    const maxX = Math.max(1, ...pts.map((p) => p[0]));
    const maxY = Math.max(1, ...pts.map((p) => p[1]));
    const box = { x: 60, y: top + 24, w: width - 80, h: 140 };
    return [
      `<text x="10" y="${top + 14}" font-size="14" font-weight="bold">${title}</text>`,
      `<rect x="${box.x}" y="${box.y}" width="${box.w}" height="${box.h}" fill="none" stroke="#ccc"/>`,
      `<text x="${box.x - 6}" y="${box.y + 10}" font-size="11" text-anchor="end">${Math.round(maxY)}</text>`,
      `<text x="${box.x - 6}" y="${box.y + box.h}" font-size="11" text-anchor="end">0</text>`,
      `<text x="${box.x + box.w}" y="${box.y + box.h + 14}" font-size="11" text-anchor="end">${Math.round(maxX)} s</text>`,
      pts.length > 1
        ? `<polyline fill="none" stroke="${color}" stroke-width="2" points="${polyline(pts, maxX, maxY, box)}"/>`
        : `<text x="${box.x + 10}" y="${box.y + 20}" font-size="12">not enough samples</text>`,
    ].join('\n');
  };
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="400" font-family="sans-serif">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    chart('bitrateIn', 'Receive bitrate (kbit/s)', 1000, 0, '#1f7a8c'),
    chart('rttMs', 'Round trip (ms)', 1, 200, '#b7791f'),
    '</svg>',
    '',
  ].join('\n');
}

/** Runs the subcommand with its own arguments; returns the exit code. */
export function runReport(args: readonly string[], out: (text: string) => void, err: (text: string) => void): number {
  let file: string | undefined;
  let svg: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--svg') {
      svg = args[++i];
      if (!svg) {
        err(`zerortc report: --svg needs a file name\n${USAGE}\n`);
        return 2;
      }
    } else if (a === '--help' || a === '-h') {
      out(`${USAGE}\n`);
      return 0;
    } else if (file === undefined && a !== undefined) {
      file = a;
    } else {
      err(`zerortc report: unexpected argument "${a}"\n${USAGE}\n`);
      return 2;
    }
  }
  if (file === undefined) {
    err(`zerortc report: which file?\n${USAGE}\n`);
    return 2;
  }
  let report: CallReport;
  try {
    report = parseReport(readFileSync(file, 'utf8'));
  } catch (e) {
    const why = e instanceof ReportFileError ? e.message : e instanceof Error ? e.message : String(e);
    err(`zerortc report: ${file}: ${why}\n`);
    return 1;
  }
  out(`${describeReport(report)}\n\n`);
  if (svg) {
    writeFileSync(svg, svgReport(report));
    out(`Charts written to ${svg}\n`);
  } else {
    const charts = plotReport(report);
    if (charts) out(`${charts}\n`);
  }
  return 0;
}
