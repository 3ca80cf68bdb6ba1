// Runs Firefox inside a network namespace of the lab for puppeteer-core, which reaches Firefox
// over WebDriver BiDi on the 127.0.0.1 port Firefox prints on stderr. That port is inside the
// namespace; this wrapper relays it to a port of the caller's namespace (through a Unix socket,
// which namespaces do not separate) and prints that one instead.
// usage: node lab-firefox-wrapper.mjs NAMESPACE_PID FIREFOX [firefox args...]
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

const [nsPid, firefox, ...args] = process.argv.slice(2);
const dir = mkdtempSync(join(tmpdir(), 'zerortc-ff-relay-'));
const unixPath = join(dir, 'bidi.sock');
const children = [];
const browser = spawn('nsenter', ['-t', nsPid, '-n', firefox, ...args], { stdio: ['inherit', 'inherit', 'pipe'] });
children.push(browser);

/** Inside the namespace: the Unix socket leads to Firefox's port. */
function relayInside(port) {
  const script = `require('net').createServer((c) => { const s = require('net').connect(${port}, '127.0.0.1'); c.pipe(s).pipe(c); s.on('error', () => c.destroy()); c.on('error', () => s.destroy()); }).listen(${JSON.stringify(unixPath)}, () => console.log('ready'));`;
  const child = spawn('nsenter', ['-t', nsPid, '-n', process.execPath, '-e', script], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(child);
  return new Promise((resolve) => createInterface({ input: child.stdout }).once('line', () => resolve()));
}

/**
 * Here: a TCP port that leads to the Unix socket, the same number as Firefox's where it is free
 * (Firefox refuses a WebSocket whose Host header names another port).
 */
function relayOutside(port) {
  const server = createServer((c) => {
    const s = createConnection(unixPath);
    c.pipe(s).pipe(c);
    s.on('error', () => c.destroy());
    c.on('error', () => s.destroy());
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server.address().port));
  });
}

const lines = createInterface({ input: browser.stderr });
lines.on('line', async (line) => {
  const m = /WebDriver BiDi listening on ws:\/\/127\.0\.0\.1:(\d+)/.exec(line);
  if (!m) {
    process.stderr.write(line + '\n');
    return;
  }
  await relayInside(Number(m[1]));
  const port = await relayOutside(Number(m[1]));
  process.stderr.write(line.replace(`127.0.0.1:${m[1]}`, `127.0.0.1:${port}`) + '\n');
});

const stop = () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
};
browser.on('exit', (code) => {
  stop();
  process.exit(code ?? 0);
});
for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP']) process.on(signal, () => browser.kill(signal));
