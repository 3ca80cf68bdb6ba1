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
 *
 * Each server runs alone on core 0 (`taskset -c 0`): ZeroRTC as its built dist/server/main.js
 * with the node flags of src/server/node-flags.ts, as `npm start` runs it
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
import { createWriteStream, mkdirSync, readFileSync, writeFileSync, type WriteStream } from 'node:fs';
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
import { nodeFlags } from '../src/server/node-flags.ts';

/** ZeroRTC's flags as the `zerortc` command picks them on the one core the server is pinned to. */
const NODE_FLAGS = nodeFlags(1);
import {
  loadVerdict,
  pct,
  table,
  type Memory,
  type Mode,
  type RoundResult,
  type ServerWindow,
  type Target,
} from './signaling-table.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const HOOK = new URL('./server-hook.mjs', import.meta.url).href;
const FD_LIMIT = 131072;

const { values: flags } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    'browser-like': { type: 'boolean', default: false },
    batched: { type: 'boolean', default: false },
    connections: { type: 'string' },
    'no-build': { type: 'boolean', default: false },
    profile: { type: 'string' },
    'zerortc-args': { type: 'string' },
    'node-flags': { type: 'string' },
    'baseline-node-flags': { type: 'string' },
    nice: { type: 'string' },
    rounds: { type: 'string' },
    json: { type: 'string' },
    'server-log': { type: 'string' },
  },
});

/**
 * `batched`: the original scenario (10,000 connections, 100 rooms relaying, 8 messages in flight
 * per member, so the server reads about 15 frames per read). `browser-like`: every connection
 * active (2,000 in 1,000 rooms by default), one message in flight per member, so every write of
 * the load generator is one frame and every read of the server holds one frame, as with browsers.
 */

interface Settings {
  mode: Mode;
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
  /** Memory per connection read without a forced collection (browser-like) or after one. */
  forcedGcOnly: boolean;
}

function settingsFor(mode: Mode): Settings {
  const quick = flags.quick;
  const base =
    mode === 'batched'
      ? {
          connections: quick ? 1000 : 10_000,
          rounds: quick ? 1 : 2,
          latencyRooms: quick ? 100 : 250,
          throughputRooms: quick ? 50 : 100,
          throughputWindow: 8,
          forcedGcOnly: true,
        }
      : {
          connections: quick ? 1000 : 2000,
          rounds: quick ? 1 : 3,
          latencyRooms: 0,
          throughputRooms: 0,
          throughputWindow: 1,
          forcedGcOnly: false,
        };
  const settings: Settings = {
    mode,
    ...base,
    joinWindow: 100,
    latencyRate: 5000,
    latencyWarmupMs: quick ? 300 : 1000,
    latencyMeasureMs: quick ? 1000 : 5000,
    throughputWarmupMs: quick ? 300 : 1000,
    throughputMeasureMs: quick ? 1000 : 5000,
  };
  if (flags.connections !== undefined) {
    const n = Number(flags.connections);
    if (!Number.isInteger(n) || n < 2 || n % 2 !== 0) throw new Error('--connections must be an even number >= 2');
    settings.connections = n;
  }
  if (flags.rounds !== undefined) settings.rounds = Math.max(1, Math.min(5, Number(flags.rounds) || 1));
  // Browser-like: every room relays, in both scenarios.
  if (mode === 'browser-like') {
    settings.latencyRooms = settings.connections / 2;
    settings.throughputRooms = settings.connections / 2;
  }
  return settings;
}

const MODES: Mode[] =
  flags['browser-like'] && !flags.batched
    ? ['browser-like']
    : flags.batched && !flags['browser-like']
      ? ['batched']
      : ['batched', 'browser-like'];
const PLAN = MODES.map(settingsFor);
/**
 * Per round: about 20 s on a quiet machine plus the time to open, join and close the
 * connections; on a busy one several times that.
 */
const WATCHDOG_MS =
  60_000 + PLAN.reduce((sum, s) => sum + s.rounds * 2 * (60_000 + Math.ceil(s.connections / 1000) * 16_000), 0);

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
  process.stderr.write(`bench: gave up after ${WATCHDOG_MS / 1000} s\n`);
  killAllNow();
  process.exit(1);
}, WATCHDOG_MS);
watchdog.unref();

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs `argv` pinned to `core`, with a raised open-files limit. */
function spawnPinned(core: number, argv: string[], ipc: boolean): ChildProcess {
  // --nice=N (negative needs root): on a shared machine, the servers and the load generator get a
  // larger share of their cores than the other work there, the same for both servers. Linux with
  // autogroups (kernel.sched_autogroup_enabled) shares CPU between sessions before nice counts,
  // so each child gets a session of its own (detached) and that session's autogroup the nice value.
  const nice = Number(flags.nice ?? 0);
  const renice =
    nice !== 0
      ? `{ [ ! -w /proc/self/autogroup ] || echo ${nice} > /proc/self/autogroup; } 2>/dev/null; ` +
        `renice -n ${nice} -p $$ >/dev/null || exit 1; `
      : '';
  const script = `${renice}ulimit -n ${FD_LIMIT} 2>/dev/null || ulimit -n "$(ulimit -Hn)"; exec "$@"`;
  return track(
    spawn('taskset', ['-c', String(core), 'bash', '-c', script, 'bash', ...argv], {
      detached: nice !== 0,
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

class ServerUnderTest {
  readonly child: ChildProcess;
  readonly port: number;
  readonly #lines: string[] = [];
  #memoryWaiter: ((memory: Memory) => void) | undefined;
  #windowWaiter: ((window: ServerWindow) => void) | undefined;

  constructor(child: ChildProcess, port: number, logFile?: string) {
    this.child = child;
    this.port = port;
    // --server-log DIR: everything the server prints (with --node-flags=--trace-gc, its GC trace).
    const logStream: WriteStream | undefined = logFile === undefined ? undefined : createWriteStream(logFile);
    if (logStream) child.once('exit', () => logStream.end());
    const onLine = (line: string): void => {
      logStream?.write(`${line}\n`);
      if (line.startsWith('BENCH-WINDOW ')) {
        this.#windowWaiter?.(JSON.parse(line.slice(13)) as ServerWindow);
        this.#windowWaiter = undefined;
        return;
      }
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

  static async start(target: Target, logName: string): Promise<ServerUnderTest> {
    const port = await freePort();
    // ZeroRTC runs with the flags `npm start` gives it (src/server/node-flags.ts) unless told otherwise.
    const v8Flags =
      target === 'zerortc'
        ? (flags['node-flags']?.split(' ') ?? [...NODE_FLAGS])
        : (flags['baseline-node-flags']?.split(' ') ?? []);
    const node = [process.execPath, ...v8Flags.filter((f) => f !== ''), '--expose-gc', '--import', HOOK];
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
    const logDir = flags['server-log'];
    if (logDir !== undefined) mkdirSync(logDir, { recursive: true });
    const logFile = logDir === undefined ? undefined : `${logDir}/${logName}.log`;
    const server = new ServerUnderTest(spawnPinned(0, argv, false), port, logFile);
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

  /** Resident memory as it is, with no collection forced (from /proc). */
  rawRss(): number {
    const status = readFileSync(`/proc/${this.pid}/status`, 'latin1');
    const kb = /^VmRSS:\s+(\d+) kB/m.exec(status);
    if (!kb) throw new Error('no VmRSS in /proc status');
    return Number(kb[1]) * 1024;
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

  /** Opens the server's measurement window (event-loop delay and GC pauses, bench/server-hook.mjs). */
  windowStart(): void {
    this.child.stdin?.write('window-start\n');
  }

  /** Closes the window and returns what the server saw in it. */
  async windowStop(): Promise<ServerWindow> {
    const reply = new Promise<ServerWindow>((resolve, reject) => {
      this.#windowWaiter = resolve;
      setTimeout(() => reject(new Error('the server did not report its window')), 5000).unref();
    });
    this.child.stdin?.write('window-stop\n');
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

function log(text: string): void {
  process.stdout.write(`${text}\n`);
}

async function round(load: LoadGenerator, s: Settings, target: Target, index: number): Promise<RoundResult> {
  const tag = `${s.mode} ${target}#${index}`;
  const server = await ServerUnderTest.start(target, `${s.mode}-${target}-${index}`);
  try {
    await sleep(300);
    const rawBase = server.rawRss();
    const memoryBase = await server.memory();
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
      },
      70_000 + s.connections * 10,
    );
    log(`  ${tag}: ${connections.opened} connections in ${connections.seconds.toFixed(1)} s`);
    if (connections.failed > s.connections / 100) {
      throw new Error(`${connections.failed} connections failed: ${connections.firstError ?? ''}\n${server.output()}`);
    }
    await sleep(500);
    // A forced collection here would also shape the raw reading below: browser-like rounds skip it.
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
    server.windowStart();
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
    const latencyWindow = await server.windowStop();
    const gc = latencyWindow.gc;
    log(
      `  ${tag}: latency at ${latency.achievedRate.toFixed(0)} msg/s: p50 ${latency.p50Ms.toFixed(2)} ms, ` +
        `p99 ${latency.p99Ms.toFixed(2)} ms (${latency.received}/${latency.sent} received); ` +
        `load send lag p99 ${latency.sendLagP99Ms.toFixed(2)} ms, load loop max ${latency.loopMaxMs.toFixed(1)} ms; ` +
        `server loop p99 ${latencyWindow.loopP99Ms.toFixed(1)} max ${latencyWindow.loopMaxMs.toFixed(1)} ms, ` +
        `CPU main ${latencyWindow.mainThreadCpuMs} ms, other threads ${latencyWindow.otherThreadsCpuMs} ms, GC ` +
        Object.entries(gc)
          .map(([kind, k]) => `${kind} ${k.count}x max ${k.maxMs.toFixed(1)} ms`)
          .join(', '),
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
      `  ${tag}: throughput ${throughput.messagesPerSecond.toFixed(0)} msg/s ` +
        `(server core ${pct(throughput.cpu.server)}, load core ${pct(throughput.cpu.load)})`,
    );
    const close = await load.request<CloseResult>({ op: 'close', timeoutMs: 15_000 }, 25_000);
    const opened = connections.opened;
    return {
      mode: s.mode,
      target,
      round: index,
      connections,
      join,
      verify,
      memoryBase,
      memoryIdle,
      bytesPerOpenConnection: memoryOpen ? (memoryOpen.rss - memoryBase.rss) / opened : Number.NaN,
      bytesPerIdleConnection: (memoryIdle.rss - memoryBase.rss) / opened,
      rawBytesPerIdleConnection: (rawIdle - rawBase) / opened,
      latency,
      latencyWindow,
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
  const load = await LoadGenerator.start();
  const report: { settings: Settings; results: RoundResult[] }[] = [];
  try {
    for (const s of PLAN) {
      log(`${s.mode}: ${s.connections} connections, ${s.rounds} round(s) per server${flags.quick ? ' (quick)' : ''}`);
      const results: RoundResult[] = [];
      for (let r = 1; r <= s.rounds; r++) {
        for (const target of ['zerortc', 'baseline'] as const) results.push(await round(load, s, target, r));
      }
      report.push({ settings: s, results });
    }
  } finally {
    await load.stop();
  }
  for (const { settings: s, results } of report) {
    log('');
    log(
      `Signaling, ${s.mode}: ${s.connections} connections open; throughput over ${s.throughputRooms} rooms, ` +
        `${s.throughputWindow} message(s) in flight per member; latency at ${s.latencyRate} msg/s over ` +
        `${s.latencyRooms} rooms; ratio = best ZeroRTC round / best bare-ws round; per pair = each repetition's ` +
        `ZeroRTC round / the bare-ws round after it; "other" = CPU time on that core not used by the measured ` +
        `process (other work, interrupts)`,
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
