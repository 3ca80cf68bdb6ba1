import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createInterface } from 'node:readline';
import { describe, it } from 'node:test';
import { joinRoom, withTimeout } from '../helpers/client.ts';

const MAIN = ['--import', 'tsx', 'src/server/main.ts'];

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
      const lines = createInterface({ input: child.stdout });
      const port = await withTimeout(
        new Promise<number>((resolve) => {
          lines.on('line', (line) => {
            const entry = JSON.parse(line) as { msg?: string; port?: number };
            if (entry.msg === 'zerortc listening' && entry.port !== undefined) resolve(entry.port);
          });
        }),
        15_000,
        'the listening line',
      );
      assert.ok(port > 0);
      const { client } = await joinRoom(`ws://127.0.0.1:${port}`, 'main', 'a');
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      child.kill('SIGTERM');
      assert.equal((await client.closed).code, 1012);
      assert.equal(await withTimeout(exited, 10_000, 'exit'), 0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});
