/**
 * The signaling benchmark's table: one column per round of each server (its median window), the
 * median of the paired ratios (each ZeroRTC window against the bare relay's beside it), their
 * range and count, and the targets for the mode.
 */
import type {
  CloseResult,
  ConnectResult,
  JoinResult,
  LatencyResult,
  ThroughputResult,
  VerifyResult,
} from './load-protocol.ts';

export type Mode = 'batched' | 'browser-like';
export type Target = 'zerortc' | 'baseline';

export interface Memory {
  rss: number;
  heapUsed: number;
}

/** What a server saw of itself during the latency scenario (bench/server-hook.mjs). */
export interface ServerWindow {
  loopP50Ms: number;
  loopP99Ms: number;
  loopMaxMs: number;
  /** CPU time of the main thread and of every other thread (GC helpers, compiler, libuv pool). */
  mainThreadCpuMs: number;
  otherThreadsCpuMs: number;
  /** Garbage collections by kind (minor, major, incremental, weakcb): count, total and longest pause. */
  gc: Record<string, { count: number; totalMs: number; maxMs: number }>;
}

export interface RoundResult {
  mode: Mode;
  target: Target;
  round: number;
  connections: ConnectResult;
  join: JoinResult;
  verify: VerifyResult;
  /** RSS just before the connections, as the process was. */
  rawBase: number;
  /** The same after a forced collection (batched mode; the browser-like mode forces none before its raw reading). */
  memoryBase: Memory | undefined;
  memoryIdle: Memory;
  /** Bytes of RSS per open connection that has not joined a room (after a forced collection; batched mode). */
  bytesPerOpenConnection: number;
  /**
   * Bytes of RSS per connection seated in a room with its peer, doing nothing, after a forced
   * collection (from `memoryBase`, or in the browser-like mode from `rawBase`).
   */
  bytesPerIdleConnection: number;
  /** The same, read as the server is, with no collection forced in the round before the reading. */
  rawBytesPerIdleConnection: number;
  /** The round's median latency window (by p99) and what the server saw during it. */
  latency: LatencyResult;
  latencyWindow: ServerWindow;
  /** The round's median throughput window. */
  throughput: ThroughputResult;
  /** Every window of the round, in the order they ran (alternated with the other server's). */
  throughputs: ThroughputResult[];
  latencies: LatencyResult[];
  close: CloseResult;
}

export function pct(share: number): string {
  return `${(share * 100).toFixed(0)}%`;
}

interface Row {
  name: string;
  unit: string;
  higherIsBetter: boolean;
  value: (r: RoundResult) => number;
  digits: number;
  /** The ratio to the baseline that the issue asks for. */
  target?: { ratio: number; atLeast: boolean };
  /** The scenario the row reads: its pairs are then window beside window, not round beside round. */
  scenario?: 'throughput' | 'latency';
}

/** Server CPU time per relayed message in the latency scenario (a fixed 5,000 msg/s). */
export function cpuPerMessageMicros(r: RoundResult): number {
  return (r.latency.cpu.server * r.latency.seconds * 1e6) / Math.max(1, r.latency.sent);
}

function rows(mode: Mode): Row[] {
  const browser = mode === 'browser-like';
  const throughputTarget = { ratio: browser ? 0.85 : 0.8, atLeast: true };
  const all: (Row | false)[] = [
    { name: 'rooms joined', unit: '/s', higherIsBetter: true, value: (r) => r.join.roomsPerSecond, digits: 0 },
    {
      name: 'relay throughput',
      unit: 'msg/s',
      higherIsBetter: true,
      value: (r) => r.throughput.messagesPerSecond,
      scenario: 'throughput',
      digits: 0,
      target: throughputTarget,
    },
    {
      name: 'relay throughput',
      unit: 'MB/s',
      higherIsBetter: true,
      value: (r) => r.throughput.megabytesPerSecond,
      scenario: 'throughput',
      digits: 1,
    },
    {
      name: '  per server core-second',
      unit: 'msg',
      higherIsBetter: true,
      value: (r) => r.throughput.messagesPerSecond / r.throughput.cpu.server,
      scenario: 'throughput',
      digits: 0,
      target: throughputTarget,
    },
    {
      name: '  server core: server',
      unit: '%',
      higherIsBetter: true,
      value: (r) => r.throughput.cpu.server * 100,
      scenario: 'throughput',
      digits: 0,
    },
    {
      name: '  server core: other',
      unit: '%',
      higherIsBetter: false,
      value: (r) => r.throughput.cpu.otherOnServerCore * 100,
      scenario: 'throughput',
      digits: 0,
    },
    {
      name: '  load core: load',
      unit: '%',
      higherIsBetter: false,
      value: (r) => r.throughput.cpu.load * 100,
      scenario: 'throughput',
      digits: 0,
    },
    {
      name: 'latency p50',
      unit: 'ms',
      higherIsBetter: false,
      value: (r) => r.latency.p50Ms,
      scenario: 'latency',
      digits: 2,
    },
    {
      name: 'latency p99',
      unit: 'ms',
      higherIsBetter: false,
      value: (r) => r.latency.p99Ms,
      scenario: 'latency',
      digits: 2,
      target: { ratio: 1.5, atLeast: false },
    },
    {
      name: '  server CPU per message',
      unit: 'µs',
      higherIsBetter: false,
      value: cpuPerMessageMicros,
      scenario: 'latency',
      digits: 1,
    },
    {
      name: '  server core: other',
      unit: '%',
      higherIsBetter: false,
      value: (r) => r.latency.cpu.otherOnServerCore * 100,
      scenario: 'latency',
      digits: 0,
    },
    {
      name: browser ? 'memory per idle conn' : 'memory per idle conn, no GC',
      unit: 'KB',
      higherIsBetter: false,
      value: (r) => r.rawBytesPerIdleConnection / 1024,
      digits: 2,
      ...(browser && { target: { ratio: 1.3, atLeast: false } }),
    },
    {
      name: browser ? '  after a forced GC' : 'memory per idle conn',
      unit: 'KB',
      higherIsBetter: false,
      value: (r) => r.bytesPerIdleConnection / 1024,
      digits: 2,
      ...(!browser && { target: { ratio: 1.5, atLeast: false } }),
    },
    !browser && {
      name: '  (open, not joined)',
      unit: 'KB',
      higherIsBetter: false,
      value: (r) => r.bytesPerOpenConnection / 1024,
      digits: 2,
    },
  ];
  return all.filter((row): row is Row => row !== false);
}

/** A row's value in each window of a round (one value when the row reads no scenario). */
function windowValues(row: Row, r: RoundResult): number[] {
  if (row.scenario === 'throughput') return r.throughputs.map((throughput) => row.value({ ...r, throughput }));
  if (row.scenario === 'latency') return r.latencies.map((latency) => row.value({ ...r, latency }));
  return [row.value(r)];
}

/**
 * Each ZeroRTC window against the bare relay's window that ran beside it in the same round (or
 * round against round for what is read once a round: joins, memory).
 */
function pairRatios(row: Row, ours: RoundResult[], base: RoundResult[]): number[] {
  return ours.flatMap((r, i) => {
    const b = base[i];
    if (!b) return [];
    const theirs = windowValues(row, b);
    return windowValues(row, r).flatMap((v, w) => (theirs[w] === undefined ? [] : [v / theirs[w]]));
  });
}

function medianOf(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export function table(results: RoundResult[], mode: Mode): string {
  const ours = results.filter((r) => r.target === 'zerortc');
  const base = results.filter((r) => r.target === 'baseline');
  const header = [
    '',
    'unit',
    ...ours.map((r) => `ZeroRTC #${r.round}`),
    ...base.map((r) => `bare ws #${r.round}`),
    'ratio',
    'pairs',
    'target',
  ];
  const lines: string[][] = [header];
  for (const row of rows(mode)) {
    const pairs = pairRatios(row, ours, base);
    const ratio = medianOf(pairs);
    const isCpu = row.name.includes(' core: ');
    let verdict = '';
    if (row.target) {
      const pass = row.target.atLeast ? ratio >= row.target.ratio : ratio <= row.target.ratio;
      verdict = `${row.target.atLeast ? '>=' : '<='} ${row.target.ratio}x ${pass ? 'ok' : 'MISSED'}`;
    }
    lines.push([
      row.name,
      row.unit,
      ...[...ours, ...base].map((r) => row.value(r).toFixed(row.digits)),
      isCpu ? '' : `${ratio.toFixed(2)}x`,
      isCpu || pairs.length < 2
        ? ''
        : `${Math.min(...pairs).toFixed(2)}-${Math.max(...pairs).toFixed(2)}x (${pairs.length})`,
      verdict,
    ]);
  }
  const widths = header.map((_, i) => Math.max(...lines.map((l) => (l[i] ?? '').length)));
  const fmt = (cells: string[]): string =>
    `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ')} |`;
  const out = [
    fmt(lines[0]!),
    `|${widths.map((w, i) => (i === 0 ? ':' : '-') + '-'.repeat(w) + (i === 0 ? '-' : ':')).join('|')}|`,
  ];
  for (const line of lines.slice(1)) out.push(fmt(line));
  return out.join('\n');
}

export function loadVerdict(results: RoundResult[]): string {
  const notes: string[] = [];
  for (const r of results) {
    const { server, load } = r.throughput.cpu;
    const other = r.throughput.cpu.otherOnServerCore;
    if (load > 0.9 || server < 0.9) {
      notes.push(
        `${r.target} #${r.round}: server ${pct(server)} of its core (other work there: ${pct(other)}), ` +
          `load generator ${pct(load)} of its core: ${
            load > 0.9 ? 'the load generator may be the limit' : 'the server did not have its core to itself'
          }`,
      );
    }
  }
  return notes.length === 0
    ? 'Load check: in every throughput run the server core was saturated and the load core was not.'
    : notes.join('\n');
}
