/**
 * The signaling benchmark: ZeroRTC beside a bare `ws` relay, measured in one run.
 *
 *   npm run bench                 # the full run (10,000 connections, two rounds each, ~2-3 min)
 *   npm run bench -- --quick      # a smoke check (1,000 connections, one short round)
 *   npm run bench -- --no-build   # skip `npm run build` (measure the dist/ already there)
 *   npm run bench -- --json out.json   # also write every figure as JSON
 *   npm run bench -- --zerortc-args="--heartbeat-seconds 60"   # extra ZeroRTC flags
 *   npm run bench -- --profile DIR     # both servers run with --cpu-prof, profiles go to DIR
 *
 * Each server runs alone on core 0 (`taskset -c 0`): ZeroRTC as its built dist/server/main.js
 * (--max-conns-per-ip 0 --rate-limit 0 --log-level warn), the baseline as bench/baseline-relay.ts
 * compiled to dist/bench/. The load generator (bench/load-generator.ts) runs on core 1 and
 * reports, beside each throughput figure, how busy both cores were, so that one can see the
 * server, not the load, was the limit. All traffic goes to 127.0.0.1; every child is stopped by
 * its PID at the end, on failure and on Ctrl-C, and a watchdog bounds the whole run.
 *
 * See bench/README.md and docs/benchmarks.md for the method.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { cpus, release } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';
import type {
  CloseResult,
  ConnectResult,
  JoinResult,
  LatencyResult,
  LoadReply,
  LoadRequest,
  ThroughputResult,
  VerifyResult,
} from './load-generator.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const HOOK = new URL('./server-hook.mjs', import.meta.url).href;
const FD_LIMIT = 65536;

const { values: flags } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    'no-build': { type: 'boolean', default: false },
    profile: { type: 'string' },
    'zerortc-args': { type: 'string' },
    rounds: { type: 'string' },
    json: { type: 'string' },
  },
});

interface Settings {
  connections: number;
  rounds: number;
  joinWindow: number;
  latencyRooms: number;
  latencyRate: number;
  latencyWarmupMs: number;
  latencyMeasureMs: number;
  throughputRooms: number;
  throughputWindow: number;
  throughputWarmupMs: number;
  throughputMeasureMs: number;
  watchdogMs: number;
}

const SETTINGS: Settings = flags.quick
  ? {
      connections: 1000,
      rounds: 1,
      joinWindow: 100,
      latencyRooms: 100,
      latencyRate: 5000,
      latencyWarmupMs: 300,
      latencyMeasureMs: 1000,
      throughputRooms: 50,
      throughputWindow: 8,
      throughputWarmupMs: 300,
      throughputMeasureMs: 1000,
      watchdogMs: 90_000,
    }
  : {
      connections: 10_000,
      rounds: 2,
      joinWindow: 100,
      latencyRooms: 250,
      latencyRate: 5000,
      latencyWarmupMs: 1000,
      latencyMeasureMs: 5000,
      throughputRooms: 100,
      throughputWindow: 8,
      throughputWarmupMs: 1000,
      throughputMeasureMs: 5000,
      watchdogMs: 300_000,
    };
if (flags.rounds !== undefined) SETTINGS.rounds = Math.max(1, Math.min(5, Number(flags.rounds) || 1));

// ---- children, always stopped ----------------------------------------------------------------

const children = new Set<ChildProcess>();

function track(child: ChildProcess): ChildProcess {
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

/** Stops a child by its PID: SIGTERM, then SIGKILL after `graceMs`. */
async function stop(child: ChildProcess, graceMs = 3000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const exited = once(child, 'exit');
  process.kill(child.pid, 'SIGTERM');
  const timer = setTimeout(() => {
    if (child.pid !== undefined && child.exitCode === null && child.signalCode === null)
      process.kill(child.pid, 'SIGKILL');
  }, graceMs);
  await exited;
  clearTimeout(timer);
}

function killAllNow(): void {
  for (const child of children) {
    if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) {
      try {
        process.kill(child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
}
process.on('exit', killAllNow);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    process.stderr.write(`\nbench: ${signal}, stopping children\n`);
    killAllNow();
    process.exit(130);
  });
}
const watchdog = setTimeout(() => {
  process.stderr.write(`bench: gave up after ${SETTINGS.watchdogMs / 1000} s\n`);
  killAllNow();
  process.exit(1);
}, SETTINGS.watchdogMs);
watchdog.unref();

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs `argv` pinned to `core`, with a raised open-files limit. */
function spawnPinned(core: number, argv: string[], ipc: boolean): ChildProcess {
  const script = `ulimit -n ${FD_LIMIT} 2>/dev/null || ulimit -n "$(ulimit -Hn)"; exec "$@"`;
  return track(
    spawn('taskset', ['-c', String(core), 'bash', '-c', script, 'bash', ...argv], {
      cwd: ROOT,
      stdio: ipc ? ['ignore', 'inherit', 'inherit', 'ipc'] : ['pipe', 'pipe', 'pipe'],
    }),
  );
}

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  if (address === null || typeof address === 'string') throw new Error('no free port');
  return address.port;
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

// ---- the servers under test ------------------------------------------------------------------

type Target = 'zerortc' | 'baseline';

interface Memory {
  rss: number;
  heapUsed: number;
}

class ServerUnderTest {
  readonly child: ChildProcess;
  readonly port: number;
  readonly #lines: string[] = [];
  #memoryWaiter: ((memory: Memory) => void) | undefined;

  constructor(child: ChildProcess, port: number) {
    this.child = child;
    this.port = port;
    const onLine = (line: string): void => {
      if (line.startsWith('BENCH-MEM ')) {
        const usage = JSON.parse(line.slice(10)) as Memory;
        this.#memoryWaiter?.({ rss: usage.rss, heapUsed: usage.heapUsed });
        this.#memoryWaiter = undefined;
        return;
      }
      this.#lines.push(line);
      if (this.#lines.length > 20) this.#lines.shift();
    };
    for (const stream of [child.stdout, child.stderr]) {
      let rest = '';
      stream?.setEncoding('utf8');
      stream?.on('data', (chunk: string) => {
        const parts = (rest + chunk).split('\n');
        rest = parts.pop() ?? '';
        for (const line of parts) onLine(line);
      });
    }
  }

  static async start(target: Target): Promise<ServerUnderTest> {
    const port = await freePort();
    const node = [process.execPath, '--expose-gc', '--import', HOOK];
    if (flags.profile !== undefined) {
      node.push('--cpu-prof', `--cpu-prof-dir=${flags.profile}`, `--cpu-prof-name=${target}-${Date.now()}.cpuprofile`);
    }
    const argv =
      target === 'zerortc'
        ? [
            ...node,
            'dist/server/main.js',
            '--host',
            '127.0.0.1',
            '--port',
            String(port),
            '--max-conns-per-ip',
            '0',
            '--rate-limit',
            '0',
            '--log-level',
            'warn',
            ...(flags['zerortc-args']?.split(' ').filter((a) => a !== '') ?? []),
          ]
        : [...node, 'dist/bench/baseline-relay.js', String(port)];
    const server = new ServerUnderTest(spawnPinned(0, argv, false), port);
    const deadline = Date.now() + 10_000;
    while (!(await canConnect(port))) {
      if (server.child.exitCode !== null || Date.now() > deadline) {
        await stop(server.child);
        throw new Error(`${target} did not start: ${server.output()}`);
      }
      await sleep(50);
    }
    return server;
  }

  get pid(): number {
    if (this.child.pid === undefined) throw new Error('server has no pid');
    return this.child.pid;
  }

  output(): string {
    return this.#lines.join('\n') || '(no output)';
  }

  /** Resident memory after a full GC in the server process. */
  async memory(): Promise<Memory> {
    const reply = new Promise<Memory>((resolve, reject) => {
      this.#memoryWaiter = resolve;
      setTimeout(() => reject(new Error('the server did not report its memory')), 5000).unref();
    });
    process.kill(this.pid, 'SIGUSR2');
    return reply;
  }

  stop(): Promise<void> {
    return stop(this.child);
  }
}

// ---- the load generator -----------------------------------------------------------------------

class LoadGenerator {
  readonly child: ChildProcess;
  #nextId = 1;
  readonly #waiting = new Map<number, (reply: LoadReply) => void>();

  private constructor(child: ChildProcess) {
    this.child = child;
    child.on('message', (reply: LoadReply) => {
      this.#waiting.get(reply.id)?.(reply);
      this.#waiting.delete(reply.id);
    });
  }

  static async start(): Promise<LoadGenerator> {
    const child = spawnPinned(1, [process.execPath, '--import', 'tsx', 'bench/load-generator.ts'], true);
    const load = new LoadGenerator(child);
    const ready = new Promise<void>((resolve) => load.#waiting.set(0, () => resolve()));
    const timeout = sleep(20_000).then(() => {
      throw new Error('the load generator did not start');
    });
    await Promise.race([ready, timeout]);
    return load;
  }

  /** Sends one scenario; rejects when it fails or takes longer than `timeoutMs`. */
  request<T>(request: LoadRequest, timeoutMs: number): Promise<T> {
    const id = this.#nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiting.delete(id);
        reject(new Error(`load generator: ${request.op} took over ${timeoutMs} ms`));
      }, timeoutMs);
      this.#waiting.set(id, (reply) => {
        clearTimeout(timer);
        if (reply.ok) resolve(reply.result as T);
        else reject(new Error(`load generator: ${request.op}: ${reply.error}`));
      });
      this.child.send({ id, request });
    });
  }

  stop(): Promise<void> {
    return stop(this.child);
  }
}

// ---- one round against one server --------------------------------------------------------------

interface RoundResult {
  target: Target;
  round: number;
  connections: ConnectResult;
  join: JoinResult;
  verify: VerifyResult;
  memoryBase: Memory;
  memoryOpen: Memory;
  memoryIdle: Memory;
  /** Bytes of RSS per open connection that has not joined a room. */
  bytesPerOpenConnection: number;
  /** Bytes of RSS per connection seated in a room with its peer, doing nothing. */
  bytesPerIdleConnection: number;
  latency: LatencyResult;
  throughput: ThroughputResult;
  close: CloseResult;
}

function log(text: string): void {
  process.stdout.write(`${text}\n`);
}

async function round(load: LoadGenerator, target: Target, index: number): Promise<RoundResult> {
  const s = SETTINGS;
  const server = await ServerUnderTest.start(target);
  try {
    await sleep(300);
    const memoryBase = await server.memory();
    const connections = await load.request<ConnectResult>(
      { op: 'connect', port: server.port, path: '/ws', count: s.connections, concurrency: 64, timeoutMs: 60_000 },
      70_000,
    );
    log(`  ${target}#${index}: ${connections.opened} connections in ${connections.seconds.toFixed(1)} s`);
    if (connections.failed > s.connections / 100) {
      throw new Error(`${connections.failed} connections failed: ${connections.firstError ?? ''}\n${server.output()}`);
    }
    await sleep(500);
    const memoryOpen = await server.memory();
    const join = await load.request<JoinResult>(
      { op: 'join', rooms: s.connections / 2, window: s.joinWindow, timeoutMs: 60_000 },
      70_000,
    );
    log(`  ${target}#${index}: ${join.joined} rooms joined, ${join.roomsPerSecond.toFixed(0)}/s`);
    if (join.failed > 0) throw new Error(`${join.failed} joins failed: ${join.firstError ?? 'no answer'}`);
    const verify = await load.request<VerifyResult>({ op: 'verify', timeoutMs: 3000 }, 5000);
    if (!verify.ok) throw new Error(`relay check failed: ${verify.detail}`);
    await sleep(500);
    const memoryIdle = await server.memory();
    const latency = await load.request<LatencyResult>(
      {
        op: 'latency',
        rooms: s.latencyRooms,
        rate: s.latencyRate,
        warmupMs: s.latencyWarmupMs,
        measureMs: s.latencyMeasureMs,
        serverPid: server.pid,
      },
      s.latencyWarmupMs + s.latencyMeasureMs + 15_000,
    );
    log(
      `  ${target}#${index}: latency at ${latency.achievedRate.toFixed(0)} msg/s: p50 ${latency.p50Ms.toFixed(2)} ms, ` +
        `p99 ${latency.p99Ms.toFixed(2)} ms (${latency.received}/${latency.sent} received)`,
    );
    const throughput = await load.request<ThroughputResult>(
      {
        op: 'throughput',
        rooms: s.throughputRooms,
        window: s.throughputWindow,
        warmupMs: s.throughputWarmupMs,
        measureMs: s.throughputMeasureMs,
        serverPid: server.pid,
      },
      s.throughputWarmupMs + s.throughputMeasureMs + 15_000,
    );
    log(
      `  ${target}#${index}: throughput ${throughput.messagesPerSecond.toFixed(0)} msg/s ` +
        `(server core ${pct(throughput.cpu.server)}, load core ${pct(throughput.cpu.load)})`,
    );
    const close = await load.request<CloseResult>({ op: 'close', timeoutMs: 15_000 }, 25_000);
    const opened = connections.opened;
    return {
      target,
      round: index,
      connections,
      join,
      verify,
      memoryBase,
      memoryOpen,
      memoryIdle,
      bytesPerOpenConnection: (memoryOpen.rss - memoryBase.rss) / opened,
      bytesPerIdleConnection: (memoryIdle.rss - memoryBase.rss) / opened,
      latency,
      throughput,
      close,
    };
  } catch (err) {
    await load.request<CloseResult>({ op: 'close', timeoutMs: 5000 }, 10_000).catch(() => undefined);
    throw err;
  } finally {
    await server.stop();
  }
}

// ---- the table -----------------------------------------------------------------------------------

function pct(share: number): string {
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
}

const ROWS: Row[] = [
  { name: 'rooms joined', unit: '/s', higherIsBetter: true, value: (r) => r.join.roomsPerSecond, digits: 0 },
  {
    name: 'relay throughput',
    unit: 'msg/s',
    higherIsBetter: true,
    value: (r) => r.throughput.messagesPerSecond,
    digits: 0,
    target: { ratio: 0.8, atLeast: true },
  },
  {
    name: 'relay throughput',
    unit: 'MB/s',
    higherIsBetter: true,
    value: (r) => r.throughput.megabytesPerSecond,
    digits: 1,
  },
  {
    name: '  per server core-second',
    unit: 'msg',
    higherIsBetter: true,
    value: (r) => r.throughput.messagesPerSecond / r.throughput.cpu.server,
    digits: 0,
    target: { ratio: 0.8, atLeast: true },
  },
  {
    name: '  server core: server',
    unit: '%',
    higherIsBetter: true,
    value: (r) => r.throughput.cpu.server * 100,
    digits: 0,
  },
  {
    name: '  server core: other',
    unit: '%',
    higherIsBetter: false,
    value: (r) => r.throughput.cpu.otherOnServerCore * 100,
    digits: 0,
  },
  { name: '  load core: load', unit: '%', higherIsBetter: false, value: (r) => r.throughput.cpu.load * 100, digits: 0 },
  { name: 'latency p50', unit: 'ms', higherIsBetter: false, value: (r) => r.latency.p50Ms, digits: 2 },
  {
    name: 'latency p99',
    unit: 'ms',
    higherIsBetter: false,
    value: (r) => r.latency.p99Ms,
    digits: 2,
    target: { ratio: 1.5, atLeast: false },
  },
  {
    name: '  server core: other',
    unit: '%',
    higherIsBetter: false,
    value: (r) => r.latency.cpu.otherOnServerCore * 100,
    digits: 0,
  },
  {
    name: 'memory per idle conn',
    unit: 'KB',
    higherIsBetter: false,
    value: (r) => r.bytesPerIdleConnection / 1024,
    digits: 2,
    target: { ratio: 1.5, atLeast: false },
  },
  {
    name: '  (open, not joined)',
    unit: 'KB',
    higherIsBetter: false,
    value: (r) => r.bytesPerOpenConnection / 1024,
    digits: 2,
  },
];

/** The best of the rounds: noise from other work on the machine only ever makes figures worse. */
function best(row: Row, results: RoundResult[]): number {
  const values = results.map(row.value);
  return row.higherIsBetter ? Math.max(...values) : Math.min(...values);
}

function table(results: RoundResult[]): string {
  const ours = results.filter((r) => r.target === 'zerortc');
  const base = results.filter((r) => r.target === 'baseline');
  const header = [
    '',
    'unit',
    ...ours.map((r) => `ZeroRTC #${r.round}`),
    ...base.map((r) => `bare ws #${r.round}`),
    'ratio',
    'target',
  ];
  const lines: string[][] = [header];
  for (const row of ROWS) {
    const ratio = best(row, ours) / best(row, base);
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

function loadVerdict(results: RoundResult[]): string {
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
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  log(
    `machine: ${cpus().length} x ${cpu}, Linux ${release()}, Node ${process.version}; ` +
      `${SETTINGS.connections} connections, ${SETTINGS.rounds} round(s)${flags.quick ? ' (quick)' : ''}`,
  );
  const load = await LoadGenerator.start();
  const results: RoundResult[] = [];
  try {
    for (let r = 1; r <= SETTINGS.rounds; r++) {
      for (const target of ['zerortc', 'baseline'] as const) {
        results.push(await round(load, target, r));
      }
    }
  } finally {
    await load.stop();
  }
  log('');
  log(
    `Signaling, ${SETTINGS.connections} connections open; latency at ${SETTINGS.latencyRate} msg/s over ` +
      `${SETTINGS.latencyRooms} rooms; ratio = best ZeroRTC round / best bare-ws round; ` +
      `"other" = CPU time on that core not used by the measured process (other work, interrupts)`,
  );
  log(table(results));
  log(loadVerdict(results));
  if (flags.json !== undefined) writeFileSync(flags.json, JSON.stringify({ settings: SETTINGS, results }, null, 2));
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
