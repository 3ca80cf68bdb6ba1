/**
 * The processes of the signaling benchmark (bench/signaling.ts): the servers under test, each
 * pinned to core 0, and the load generators, pinned to core 1. Every child is tracked and stopped
 * by its PID: at the end, on failure and on Ctrl-C.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream, mkdirSync, readFileSync, type WriteStream } from 'node:fs';
import { connect, createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { LoadReply, LoadRequest } from './load-protocol.ts';
import type { Memory, ServerWindow, Target } from './signaling-table.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const HOOK = new URL('./server-hook.mjs', import.meta.url).href;
const FD_LIMIT = 131072;

/** How the servers run: V8 flags of each, profiling, extra ZeroRTC flags, logs, priority. */
export interface ServerOptions {
  /** ZeroRTC's node flags (default: those `zerortc` picks on one core). */
  readonly zerortcFlags: readonly string[];
  readonly baselineFlags: readonly string[];
  readonly zerortcArgs: readonly string[];
  /** --profile DIR: node --cpu-prof into DIR. */
  readonly profileDir?: string | undefined;
  /** --server-log DIR: everything each server prints, one file per round. */
  readonly logDir?: string | undefined;
  /** Autogroup nice value for servers and load generators (0: unchanged). */
  readonly nice: number;
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

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

/** Kills every child at once (the process is ending). */
export function killAllNow(): void {
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

/** Runs `argv` pinned to `core`, with a raised open-files limit. */
function spawnPinned(core: number, argv: string[], ipc: boolean, nice: number): ChildProcess {
  // --nice=N (negative needs root): on a shared machine, the servers and the load generator get a
  // larger share of their cores than the other work there, the same for both servers. Linux with
  // autogroups (kernel.sched_autogroup_enabled) shares CPU between sessions before nice counts,
  // so each child gets a session of its own (detached) and that session's autogroup the nice value.
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

export class ServerUnderTest {
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

  static async start(target: Target, logName: string, options: ServerOptions): Promise<ServerUnderTest> {
    const port = await freePort();
    // ZeroRTC runs with the flags `npm start` gives it (src/server/node-flags.ts) unless told otherwise.
    const v8Flags = target === 'zerortc' ? options.zerortcFlags : options.baselineFlags;
    const node = [process.execPath, ...v8Flags.filter((f) => f !== ''), '--expose-gc', '--import', HOOK];
    if (options.profileDir !== undefined) {
      node.push(
        '--cpu-prof',
        `--cpu-prof-dir=${options.profileDir}`,
        `--cpu-prof-name=${target}-${Date.now()}.cpuprofile`,
      );
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
            ...options.zerortcArgs,
          ]
        : [...node, 'dist/bench/baseline-relay.js', String(port)];
    const logDir = options.logDir;
    if (logDir !== undefined) mkdirSync(logDir, { recursive: true });
    const logFile = logDir === undefined ? undefined : `${logDir}/${logName}.log`;
    const server = new ServerUnderTest(spawnPinned(0, argv, false, options.nice), port, logFile);
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

export class LoadGenerator {
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

  static async start(nice: number): Promise<LoadGenerator> {
    const child = spawnPinned(1, [process.execPath, '--import', 'tsx', 'bench/load-generator.ts'], true, nice);
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
