/**
 * The signaling benchmark: ZeroRTC beside a bare `ws` relay, measured in one run, in two modes
 * (batched and browser-like: see bench/README.md).
 *
 *   npm run bench                 # both modes (batched, then browser-like), ~5-7 min
 *   npm run bench -- --browser-like    # browser-like only (2,000 connections, 3 rounds each)
 *   npm run bench -- --batched    # batched only (10,000 connections, two rounds each)
 *   npm run bench -- --connections N --rounds R   # another size (scaling rows) or round count
 *   npm run bench -- --quick      # a smoke check (1,000 connections, one short round)
 *   npm run bench -- --node-flags="..." --baseline-node-flags="..."   # V8 flags of each server
 *   npm run bench -- --nice=-10   # servers and load generator at a higher priority (shared machine)
 *   npm run bench -- --no-build   # skip `npm run build` (measure the dist/ already there)
 *   npm run bench -- --json out.json   # also write every figure as JSON
 *   npm run bench -- --zerortc-args="--heartbeat-seconds 60"   # extra ZeroRTC flags
 *   npm run bench -- --profile DIR     # both servers run with --cpu-prof, profiles go to DIR
 *   npm run bench -- --windows 5       # alternated windows per scenario, server and round
 *
 * Both servers run on core 0 (`taskset -c 0`), up at the same time, and take turns: ZeroRTC as
 * its built dist/server/main.js with the node flags of src/server/node-flags.ts, as `npm start`
 * runs it (--max-conns-per-ip 0 --rate-limit 0 --log-level warn), the baseline as
 * bench/baseline-relay.ts compiled to dist/bench/. Each has its own load generator
 * (bench/load-generator.ts) on core 1, which reports, beside each throughput figure, how busy both
 * cores were, so that one can see the server, not the load, was the limit. All traffic goes to
 * 127.0.0.1; every child is stopped by its PID at the end, on failure and on Ctrl-C, and a
 * watchdog bounds the whole run.
 *
 * See bench/README.md and docs/benchmarks.md for the method.
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { cpus, release } from 'node:os';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import type {
  CloseResult,
  ConnectResult,
  JoinResult,
  LatencyResult,
  ThroughputResult,
  VerifyResult,
} from './load-protocol.ts';
import { flags, PLAN, type Settings } from './signaling-settings.ts';
import { killAllNow, LoadGenerator, ServerUnderTest, sleep, type ServerOptions } from './signaling-processes.ts';
import {
  loadVerdict,
  pct,
  table,
  type Memory,
  type RoundResult,
  type ServerWindow,
  type Target,
} from './signaling-table.ts';
import { nodeFlags } from '../src/server/node-flags.ts';

/** ZeroRTC's flags as the `zerortc` command picks them on the one core the server is pinned to. */
const NODE_FLAGS = nodeFlags(1);
const ROOT = fileURLToPath(new URL('..', import.meta.url));

/**
 * Per round and server: about 10 s a window on a quiet machine plus the time to open, join and
 * close the connections; on a busy one several times that.
 */
const WATCHDOG_MS =
  60_000 +
  PLAN.reduce(
    (sum, s) => sum + s.rounds * 2 * (s.windows * 30_000 + 30_000 + Math.ceil(s.connections / 1000) * 16_000),
    0,
  );

const watchdog = setTimeout(() => {
  process.stderr.write(`bench: gave up after ${WATCHDOG_MS / 1000} s\n`);
  killAllNow();
  process.exit(1);
}, WATCHDOG_MS);
watchdog.unref();

// ---- one round: both servers up, their scenarios alternated ---------------------------------------

function log(text: string): void {
  process.stdout.write(`${text}\n`);
}

const SERVER_OPTIONS: ServerOptions = {
  zerortcFlags: flags['node-flags']?.split(' ') ?? NODE_FLAGS,
  baselineFlags: flags['baseline-node-flags']?.split(' ') ?? [],
  zerortcArgs: flags['zerortc-args']?.split(' ').filter((a) => a !== '') ?? [],
  profileDir: flags.profile,
  logDir: flags['server-log'],
  nice: Number(flags.nice ?? 0),
};

/** What was read while a side's connections opened and joined. */
interface Opening {
  readonly connections: ConnectResult;
  readonly join: JoinResult;
  readonly verify: VerifyResult;
  /** RSS as the process was just before the connections (no collection forced). */
  readonly rawBase: number;
  /** After a forced collection, before the connections: batched mode only (why not in the browser-like mode: see `open`). */
  readonly memoryBase: Memory | undefined;
  /** After a forced collection, connections open and not joined: batched mode only. */
  readonly memoryOpen: Memory | undefined;
  /** RSS as the process was with every connection joined and idle (no collection forced). */
  readonly rawIdle: number;
  /** The same moment, after a forced collection. */
  readonly memoryIdle: Memory;
}

/** One server of a round with its own load generator, its connections open and joined. */
interface Side {
  readonly target: Target;
  readonly tag: string;
  readonly server: ServerUnderTest;
  readonly load: LoadGenerator;
  readonly opening: Opening;
  readonly throughputs: ThroughputResult[];
  readonly latencies: { latency: LatencyResult; window: ServerWindow }[];
}

/** Starts a server and opens, joins and checks its connections; memory is read before and after. */
async function openSide(load: LoadGenerator, s: Settings, target: Target, index: number, net: number): Promise<Side> {
  const tag = `${s.mode} ${target}#${index}`;
  const server = await ServerUnderTest.start(target, `${s.mode}-${target}-${index}`, SERVER_OPTIONS);
  try {
    return {
      target,
      tag,
      server,
      load,
      opening: await open(server, load, s, tag, net),
      throughputs: [],
      latencies: [],
    };
  } catch (err) {
    await server.stop();
    throw err;
  }
}

async function open(
  server: ServerUnderTest,
  load: LoadGenerator,
  s: Settings,
  tag: string,
  net: number,
): Promise<Opening> {
  await sleep(300);
  const rawBase = server.rawRss();
  // No collection is forced before the browser-like mode's raw reading, not even here: a forced
  // one promotes the start-up's young objects, and V8 counts them towards growing its young
  // generation, which then doubles earlier while the connections come in (scratch runs of the
  // same flow: ZeroRTC 12.0-13.6 KB a connection without it, 14.7-16.8 KB with it; the bare relay
  // 12.9-13.6 and 12.5-14.9). The batched mode reads memory after forced collections only.
  const memoryBase = s.forcedGcOnly ? await server.memory() : undefined;
  const connections = await load.request<ConnectResult>(
    {
      op: 'connect',
      port: server.port,
      path: '/ws',
      count: s.connections,
      concurrency: 64,
      // 10 ms a connection on top: a busy machine opened only ~120 a second at 19,800.
      timeoutMs: 60_000 + s.connections * 10,
      perSourceAddress: 20_000,
      sourceNet: net,
    },
    70_000 + s.connections * 10,
  );
  log(`  ${tag}: ${connections.opened} connections in ${connections.seconds.toFixed(1)} s`);
  if (connections.failed > s.connections / 100) {
    throw new Error(`${connections.failed} connections failed: ${connections.firstError ?? ''}\n${server.output()}`);
  }
  await sleep(500);
  const memoryOpen = s.forcedGcOnly ? await server.memory() : undefined;
  const join = await load.request<JoinResult>(
    { op: 'join', rooms: s.connections / 2, window: s.joinWindow, timeoutMs: 60_000 + s.connections },
    70_000 + s.connections,
  );
  log(`  ${tag}: ${join.joined} rooms joined, ${join.roomsPerSecond.toFixed(0)}/s`);
  if (join.failed > 0) throw new Error(`${join.failed} joins failed: ${join.firstError ?? 'no answer'}`);
  const verify = await load.request<VerifyResult>({ op: 'verify', timeoutMs: 3000 }, 5000);
  if (!verify.ok) throw new Error(`relay check failed: ${verify.detail}`);
  await sleep(1000);
  const rawIdle = server.rawRss();
  const memoryIdle = await server.memory();
  return { connections, join, verify, rawBase, memoryBase, memoryOpen, rawIdle, memoryIdle };
}

async function measureLatency(side: Side, s: Settings): Promise<void> {
  side.server.windowStart();
  const latency = await side.load.request<LatencyResult>(
    {
      op: 'latency',
      rooms: s.latencyRooms,
      rate: s.latencyRate,
      warmupMs: s.latencyWarmupMs,
      measureMs: s.latencyMeasureMs,
      serverPid: side.server.pid,
    },
    s.latencyWarmupMs + s.latencyMeasureMs + 15_000,
  );
  const window = await side.server.windowStop();
  side.latencies.push({ latency, window });
  log(
    `  ${side.tag}: latency at ${latency.achievedRate.toFixed(0)} msg/s: p50 ${latency.p50Ms.toFixed(2)} ms, ` +
      `p99 ${latency.p99Ms.toFixed(2)} ms (${latency.received}/${latency.sent} received); ` +
      `load send lag p99 ${latency.sendLagP99Ms.toFixed(2)} ms, load loop max ${latency.loopMaxMs.toFixed(1)} ms; ` +
      `server loop p99 ${window.loopP99Ms.toFixed(1)} max ${window.loopMaxMs.toFixed(1)} ms, ` +
      `CPU main ${window.mainThreadCpuMs} ms, other threads ${window.otherThreadsCpuMs} ms, GC ` +
      Object.entries(window.gc)
        .map(([kind, k]) => `${kind} ${k.count}x max ${k.maxMs.toFixed(1)} ms`)
        .join(', '),
  );
}

async function measureThroughput(side: Side, s: Settings): Promise<void> {
  const throughput = await side.load.request<ThroughputResult>(
    {
      op: 'throughput',
      rooms: s.throughputRooms,
      window: s.throughputWindow,
      warmupMs: s.throughputWarmupMs,
      measureMs: s.throughputMeasureMs,
      serverPid: side.server.pid,
    },
    s.throughputWarmupMs + s.throughputMeasureMs + 15_000,
  );
  side.throughputs.push(throughput);
  log(
    `  ${side.tag}: throughput ${throughput.messagesPerSecond.toFixed(0)} msg/s ` +
      `(server core ${pct(throughput.cpu.server)}, load core ${pct(throughput.cpu.load)})`,
  );
}

/** The middle one of `items` by `key` (the lower middle of an even count). */
function median<T>(items: readonly T[], key: (item: T) => number): T {
  const sorted = [...items].sort((a, b) => key(a) - key(b));
  return sorted[Math.floor((sorted.length - 1) / 2)]!;
}

function resultOf(side: Side, s: Settings, index: number, close: CloseResult): RoundResult {
  const { connections, join, verify, rawBase, memoryBase, memoryOpen, rawIdle, memoryIdle } = side.opening;
  const opened = connections.opened;
  // The forced readings' base: the forced one before the connections where there is one (batched),
  // else the raw one.
  const forcedBase = memoryBase?.rss ?? rawBase;
  const latency = median(side.latencies, (l) => l.latency.p99Ms);
  return {
    mode: s.mode,
    target: side.target,
    round: index,
    connections,
    join,
    verify,
    rawBase,
    memoryBase,
    memoryIdle,
    bytesPerOpenConnection: memoryOpen ? (memoryOpen.rss - forcedBase) / opened : Number.NaN,
    bytesPerIdleConnection: (memoryIdle.rss - forcedBase) / opened,
    rawBytesPerIdleConnection: (rawIdle - rawBase) / opened,
    latency: latency.latency,
    latencyWindow: latency.window,
    throughput: median(side.throughputs, (t) => t.messagesPerSecond),
    throughputs: side.throughputs,
    latencies: side.latencies.map((l) => l.latency),
    close,
  };
}

/**
 * One round: a fresh process of each server, each with all its connections open and joined at
 * once (each has its own load generator, on the same core), then the throughput and the latency
 * scenarios alternate between the two servers `s.windows` times each, in the order ABBA..., so
 * that each ZeroRTC window has a bare-relay window right beside it: whatever else the machine does
 * over a round (other work, a drifting clock) falls on both sides of a pair alike.
 */
async function round(
  loads: readonly [LoadGenerator, LoadGenerator],
  s: Settings,
  index: number,
): Promise<RoundResult[]> {
  const sides: Side[] = [];
  try {
    sides.push(await openSide(loads[0], s, 'zerortc', index, 0));
    sides.push(await openSide(loads[1], s, 'baseline', index, 1));
    for (const scenario of [measureThroughput, measureLatency]) {
      for (let w = 0; w < s.windows; w++) {
        const order = (w + index) % 2 === 0 ? sides : [...sides].reverse();
        for (const side of order) await scenario(side, s);
      }
    }
    const results: RoundResult[] = [];
    for (const side of sides) {
      const close = await side.load.request<CloseResult>({ op: 'close', timeoutMs: 15_000 }, 25_000);
      results.push(resultOf(side, s, index, close));
    }
    return results;
  } finally {
    for (const side of sides) await side.server.stop();
  }
}

// ---- main ---------------------------------------------------------------------------------------

function buildAll(): void {
  if (!flags['no-build']) {
    log('building (npm run build)...');
    const result = spawnSync('npm', ['run', '--silent', 'build'], { cwd: ROOT, stdio: 'inherit', timeout: 180_000 });
    if (result.status !== 0) throw new Error('npm run build failed');
  }
}

async function main(): Promise<void> {
  buildAll();
  await build({
    entryPoints: [`${ROOT}/bench/baseline-relay.ts`],
    outfile: `${ROOT}/dist/bench/baseline-relay.js`,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    logLevel: 'warning',
  });
  const hardLimit = Number(spawnSync('bash', ['-c', 'ulimit -Hn'], { encoding: 'utf8' }).stdout.trim());
  const needed = Math.max(...PLAN.map((p) => p.connections)) + 200;
  if (Number.isFinite(hardLimit) && hardLimit < needed) {
    throw new Error(
      `the open-files hard limit is ${hardLimit}; ${needed - 200} connections need about ${needed} descriptors ` +
        'in the server and as many in the load generator (raise it with `ulimit -Hn` as a privileged user)',
    );
  }
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  log(`machine: ${cpus().length} x ${cpu}, Linux ${release()}, Node ${process.version}`);
  log(
    `node flags: ZeroRTC ${flags['node-flags'] ?? NODE_FLAGS.join(' ')}, ` +
      `bare relay ${flags['baseline-node-flags'] ?? '(none)'}; nice ${flags.nice ?? 0} for servers and load`,
  );
  const loads = [
    await LoadGenerator.start(SERVER_OPTIONS.nice),
    await LoadGenerator.start(SERVER_OPTIONS.nice),
  ] as const;
  const report: { settings: Settings; results: RoundResult[] }[] = [];
  try {
    for (const s of PLAN) {
      log(
        `${s.mode}: ${s.connections} connections, ${s.rounds} round(s), ${s.windows} window(s) per scenario ` +
          `per server and round${flags.quick ? ' (quick)' : ''}`,
      );
      const results: RoundResult[] = [];
      for (let r = 1; r <= s.rounds; r++) results.push(...(await round(loads, s, r)));
      report.push({ settings: s, results });
    }
  } finally {
    for (const load of loads) await load.stop();
  }
  for (const { settings: s, results } of report) {
    log('');
    log(
      `Signaling, ${s.mode}: ${s.connections} connections open; throughput over ${s.throughputRooms} rooms, ` +
        `${s.throughputWindow} message(s) in flight per member; latency at ${s.latencyRate} msg/s over ` +
        `${s.latencyRooms} rooms; ${s.windows} window(s) of each scenario per server and round, alternated; ` +
        `each round's column holds its median window; ratio = median of the pairs; pairs = each ZeroRTC ` +
        `window (or round) / the bare-ws one beside it; "other" = CPU time on that core not used by the ` +
        `measured process (other work, interrupts)`,
    );
    log(table(results, s.mode));
    log(loadVerdict(results));
  }
  if (flags.json !== undefined) writeFileSync(flags.json, JSON.stringify(report, null, 2));
}

main().then(
  () => {
    clearTimeout(watchdog);
    killAllNow();
    process.exit(0);
  },
  (err: unknown) => {
    process.stderr.write(`bench: ${err instanceof Error ? err.message : String(err)}\n`);
    killAllNow();
    process.exit(1);
  },
);
