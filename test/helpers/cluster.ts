/**
 * Real servers for the cluster tests, all on 127.0.0.1 and free ports found at run time:
 * redis-server (Debian's), ZeroRTC nodes (in this process, or child processes that a test may
 * kill -9), and nginx in front of them with the repository's deploy/nginx/zerortc.conf.
 * Everything is stopped by PID.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { createApp, type App } from '../../src/server/app.ts';
import { createCluster, type Cluster } from '../../src/server/cluster/index.ts';
import { DEFAULTS, type Config } from '../../src/server/config.ts';
import { createLogger } from '../../src/server/logger.ts';
import { withTimeout } from './client.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const REDIS_SERVER = '/usr/bin/redis-server';
export const NGINX = '/usr/sbin/nginx';

/** A port nobody listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Resolves once something accepts TCP connections on the port. */
export async function waitForPort(port: number, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`nothing listens on port ${port}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Polls `check` until it holds (an event with no push notification, such as /readyz). */
export async function eventually(check: () => Promise<boolean>, what: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

async function stopChild(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  process.kill(child.pid, signal);
  await withTimeout(exited(child), 5000, `process ${child.pid} to exit`).catch(() => {
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined)
      process.kill(child.pid, 'SIGKILL');
  });
}

// ---- redis ------------------------------------------------------------------------------

export interface TestRedis {
  readonly port: number;
  readonly url: string;
  /** Stops the server (its data is gone: no persistence). */
  stop(): Promise<void>;
  /** Starts it again on the same port. */
  start(): Promise<void>;
  /** Stops it for good and removes its directory. */
  close(): Promise<void>;
}

export async function startRedis(): Promise<TestRedis> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'zerortc-redis-'));
  let child: ChildProcess | undefined;
  const start = async (): Promise<void> => {
    child = spawn(
      REDIS_SERVER,
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
        '--dir',
        dir,
        '--daemonize',
        'no',
      ],
      { stdio: 'ignore' },
    );
    await waitForPort(port);
  };
  await start();
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    start,
    async stop() {
      if (child) await stopChild(child);
      child = undefined;
    },
    async close() {
      if (child) await stopChild(child);
      child = undefined;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

// ---- nodes in this process --------------------------------------------------------------

export interface TestNode {
  readonly app: App;
  readonly cluster: Cluster;
  readonly port: number;
  readonly httpUrl: string;
  readonly wsUrl: string;
  close(): Promise<void>;
}

export async function startNode(redisUrl: string, overrides: Partial<Config> = {}): Promise<TestNode> {
  const config: Config = {
    ...DEFAULTS,
    host: '127.0.0.1',
    port: 0,
    logLevel: 'warn',
    redisUrl,
    rateLimit: 0,
    maxConnsPerIp: 0,
    ...overrides,
  };
  // ZERORTC_TEST_LOGS=1 shows the nodes' log lines on stderr when a test needs explaining.
  const sink = new Writable({
    write: (chunk: Buffer, _encoding, done) => {
      if (process.env['ZERORTC_TEST_LOGS']) process.stderr.write(chunk);
      done();
    },
  });
  const log = createLogger(config.logLevel, sink);
  const cluster = createCluster({ redisUrl, graceSeconds: config.graceSeconds, log });
  const app = createApp(config, { log, store: cluster.store, nodeId: cluster.connPrefix });
  await cluster.attach(app);
  const { port } = await app.listen();
  return {
    app,
    cluster,
    port,
    httpUrl: `http://127.0.0.1:${port}`,
    wsUrl: `ws://127.0.0.1:${port}/ws`,
    close: () => app.close(),
  };
}

// ---- nodes as child processes -----------------------------------------------------------

export interface ChildNode {
  readonly pid: number;
  readonly port: number;
  readonly httpUrl: string;
  readonly wsUrl: string;
  /** kill -9: no goodbye to Redis, no close frames to clients. */
  kill(): Promise<void>;
  stop(): Promise<void>;
}

/** Runs `node --import tsx src/server/main.ts` with the given flags on a port it picks. */
export async function spawnNode(args: readonly string[]): Promise<ChildNode> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'src/server/main.ts', '--host', '127.0.0.1', '--port', '0', ...args],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const lines = createInterface({ input: child.stdout });
  const port = await withTimeout(
    new Promise<number>((resolve, reject) => {
      lines.on('line', (line) => {
        try {
          const entry = JSON.parse(line) as { msg?: unknown; port?: unknown };
          if (entry.msg === 'zerortc listening' && typeof entry.port === 'number') resolve(entry.port);
        } catch {
          // not a log line
        }
      });
      child.once('exit', (code) => reject(new Error(`node exited with ${code} before listening`)));
    }),
    20_000,
    'a node to listen',
  );
  return {
    pid: child.pid!,
    port,
    httpUrl: `http://127.0.0.1:${port}`,
    wsUrl: `ws://127.0.0.1:${port}/ws`,
    kill: () => stopChild(child, 'SIGKILL'),
    stop: () => stopChild(child),
  };
}

// ---- nginx ------------------------------------------------------------------------------

export interface TestNginx {
  readonly port: number;
  readonly httpUrl: string;
  readonly wsUrl: string;
  stop(): Promise<void>;
}

/**
 * Starts nginx in front of the given node ports with deploy/nginx/zerortc.conf, its upstream and
 * listen lines replaced by the test's, in a prefix directory of its own.
 */
export async function startNginx(upstreamPorts: readonly number[]): Promise<TestNginx> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'zerortc-nginx-'));
  const site = readFileSync(join(ROOT, 'deploy/nginx/zerortc.conf'), 'utf8')
    .replace(/^(\s*)server\s+[\w.:-]+:8099\b[^;]*;\n/gm, '')
    .replace(
      /(upstream zerortc \{\n)/,
      `$1${upstreamPorts.map((p) => `    server 127.0.0.1:${p} max_fails=1 fail_timeout=5s;\n`).join('')}`,
    )
    .replace(/^(\s*)listen\s+80;/m, `$1listen 127.0.0.1:${port};`)
    .replace(/^(\s*)listen\s+\[::\]:80;\n/m, '');
  writeFileSync(join(dir, 'zerortc.conf'), site);
  writeFileSync(
    join(dir, 'nginx.conf'),
    [
      'daemon off;',
      'worker_processes 1;',
      `pid ${join(dir, 'nginx.pid')};`,
      `error_log ${join(dir, 'error.log')} warn;`,
      'events { worker_connections 1024; }',
      'http {',
      '  access_log off;',
      `  client_body_temp_path ${join(dir, 'body')};`,
      `  proxy_temp_path ${join(dir, 'proxy')};`,
      `  fastcgi_temp_path ${join(dir, 'fastcgi')};`,
      `  uwsgi_temp_path ${join(dir, 'uwsgi')};`,
      `  scgi_temp_path ${join(dir, 'scgi')};`,
      `  include ${join(dir, 'zerortc.conf')};`,
      '}',
      '',
    ].join('\n'),
  );
  const child = spawn(NGINX, ['-p', dir, '-c', join(dir, 'nginx.conf'), '-e', join(dir, 'error.log')], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  await waitForPort(port);
  return {
    port,
    httpUrl: `http://127.0.0.1:${port}`,
    wsUrl: `ws://127.0.0.1:${port}/ws`,
    async stop() {
      await stopChild(child, 'SIGQUIT');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
