import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { describe, it } from 'node:test';
import { availableCpus, nodeFlags } from '../../src/server/node-flags.ts';
import { joinRoom, withTimeout } from '../helpers/client.ts';

const MAIN = ['--import', 'tsx', 'src/server/main.ts'];
/** The installed command's entry (bin.ts), which picks the node flags and starts main with them. */
const BIN = ['--import', 'tsx', 'src/server/bin.ts'];

interface ListeningLine {
  msg?: string;
  port?: number;
  nodeFlags?: string[];
}

/** The server's `zerortc listening` log line. */
function listening(child: ChildProcess): Promise<ListeningLine> {
  if (!child.stdout) throw new Error('stdout is not piped');
  const lines = createInterface({ input: child.stdout });
  return withTimeout(
    new Promise<ListeningLine>((resolve) => {
      lines.on('line', (line) => {
        const entry = JSON.parse(line) as ListeningLine;
        if (entry.msg === 'zerortc listening' && entry.port !== undefined) resolve(entry);
      });
    }),
    15_000,
    'the listening line',
  );
}

/** Starts the zerortc command (bin.ts) with `prefix` (e.g. taskset) and returns the flags its server runs with. */
async function flagsOfCommand(prefix: string[]): Promise<string[]> {
  const argv = [process.execPath, ...BIN, '--port', '0', '--host', '127.0.0.1', '--stun-port', '0'];
  const all = [...prefix, ...argv];
  const child = spawn(all[0]!, all.slice(1), { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env } });
  try {
    const line = await listening(child);
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    assert.equal(await withTimeout(exited, 10_000, 'exit'), 0, 'the command passes SIGTERM on and exits as the server');
    return line.nodeFlags ?? [];
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
}

describe('the zerortc command', () => {
  it('stops at start with a message naming a bad option, from a flag or the environment', () => {
    const flag = spawnSync(process.execPath, [...MAIN, '--port', 'eighty'], { encoding: 'utf8' });
    assert.equal(flag.status, 2);
    assert.match(flag.stderr, /--port/);
    const env = spawnSync(process.execPath, MAIN, {
      encoding: 'utf8',
      env: { ...process.env, ZERORTC_GRACE_SECONDS: '120' },
    });
    assert.equal(env.status, 2);
    assert.match(env.stderr, /--grace-seconds.*60/);
  });

  it('logs the port it chose for --port 0, serves calls, and on SIGTERM tells clients 1012 and exits 0', async () => {
    const child = spawn(process.execPath, [...MAIN, '--port', '0', '--host', '127.0.0.1'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    try {
      const { port } = await listening(child);
      assert.ok(port !== undefined && port > 0);
      const { client } = await joinRoom(`ws://127.0.0.1:${port}`, 'main', 'a');
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      child.kill('SIGTERM');
      assert.equal((await client.closed).code, 1012);
      assert.equal(await withTimeout(exited, 10_000, 'exit'), 0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });

  it('exits on SIGTERM when the reader of its stdout has gone away (zerortc | head -1)', async () => {
    const child = spawn(process.execPath, [...MAIN, '--port', '0', '--host', '127.0.0.1', '--stun-port', '0'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    try {
      await listening(child);
      // The pipe's reader leaves: every later log line meets EPIPE.
      child.stdout?.destroy();
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      child.kill('SIGTERM');
      assert.equal(await withTimeout(exited, 15_000, 'the exit after SIGTERM'), 0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });

  it('runs the server with --single-threaded-gc when it may use one CPU (taskset -c 0), and without it on more', async () => {
    // On one CPU, V8's GC helper threads take turns with the event loop instead of running beside it.
    const pinned = await flagsOfCommand(['taskset', '-c', '0']);
    assert.ok(pinned.includes('--single-threaded-gc'), `flags on one CPU: ${pinned.join(' ')}`);
    assert.ok(pinned.includes('--max-semi-space-size=32'), `flags on one CPU: ${pinned.join(' ')}`);
    const free = await flagsOfCommand([]);
    const expected = nodeFlags(availableCpus());
    assert.deepEqual(
      free.filter((flag) => flag !== '--import'),
      expected,
      `on ${availableCpus()} CPU(s) the flags are those of nodeFlags()`,
    );
    if (availableCpus() > 1) assert.ok(!free.includes('--single-threaded-gc'));
  });
});
