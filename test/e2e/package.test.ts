/**
 * ZeroRTC as people take it from npm: the packed tarball installed in a fresh folder outside the
 * repository, its command, its types from two module resolutions, its browser library, and the
 * two examples (Express, Vite) calling with real Chromium pages.
 */
import assert from 'node:assert/strict';
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import type { Browser, Page } from 'playwright-core';
import sirv from 'sirv';
import { launchChromium, openPage, tempDir, waitForState } from '../helpers/browser.ts';
import { withTimeout } from '../helpers/client.ts';
import { installPacked, pack, type Packed } from '../helpers/package-install.ts';

const REPO = resolve(import.meta.dirname, '../..');
const TSC = join(REPO, 'node_modules/typescript/bin/tsc');
const execFileAsync = promisify(execFile);

/** Starts `command` in its own process group; resolves with the first stdout line matching `ready`. */
function start(
  command: string,
  args: readonly string[],
  cwd: string,
  ready: RegExp,
  env: Record<string, string> = {},
): Promise<{ child: ChildProcess; match: RegExpExecArray }> {
  // detached: npx runs the command in a child of its own; the test stops the whole group it started.
  const child = spawn(command, args, {
    cwd,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
    detached: true,
  });
  const lines = createInterface({ input: child.stdout });
  const found = new Promise<{ child: ChildProcess; match: RegExpExecArray }>((resolveFound, reject) => {
    lines.on('line', (line) => {
      const match = ready.exec(line);
      if (match) resolveFound({ child, match });
    });
    child.once('exit', (code) =>
      reject(new Error(`${command} ${args.join(' ')} exited with ${code} before it was ready`)),
    );
  });
  return withTimeout(found, 30_000, `${command} ${args.join(' ')}`);
}

function stop(child: ChildProcess | undefined): Promise<void> {
  if (!child?.pid || child.exitCode !== null) return Promise.resolve();
  const exited = new Promise<void>((resolveExit) => child.once('exit', () => resolveExit()));
  process.kill(-child.pid, 'SIGTERM');
  return exited;
}

/** Waits until the example page's #status says `state`. */
function waitForStatus(page: Page, state: string): Promise<unknown> {
  return page.waitForFunction((s) => document.getElementById('status')?.dataset['state'] === s, state, {
    timeout: 30_000,
    polling: 100,
  });
}

/** Waits until the `<video>` matched by `selector` shows moving pictures from the other side. */
async function waitForVideo(page: Page, selector: string): Promise<void> {
  const t0 = await page.waitForFunction(
    (sel) => {
      const v = document.querySelector<HTMLVideoElement>(sel);
      return v !== null && v.videoWidth > 0 && v.currentTime > 0 ? v.currentTime : false;
    },
    selector,
    { timeout: 30_000, polling: 100 },
  );
  const first = (await t0.jsonValue()) as number;
  await page.waitForFunction(
    ([sel, since]) => (document.querySelector<HTMLVideoElement>(sel)?.currentTime ?? 0) > since,
    [selector, first] as const,
    { timeout: 30_000, polling: 100 },
  );
}

/** Every import specifier in the ES modules reachable from `entry`, following relative ones. */
function importsFrom(entry: string): { files: string[]; specifiers: string[] } {
  const seen = new Set<string>();
  const specifiers: string[] = [];
  const queue = [entry];
  for (let file = queue.shift(); file; file = queue.shift()) {
    if (seen.has(file)) continue;
    seen.add(file);
    const code = readFileSync(file, 'utf8');
    for (const m of code.matchAll(/(?:\bfrom\s*|\bimport\s*\(?\s*)['"]([^'"]+)['"]/g)) {
      const spec = m[1]!;
      specifiers.push(spec);
      if (spec.startsWith('.')) queue.push(resolve(dirname(file), spec));
    }
  }
  return { files: [...seen], specifiers };
}

describe('the zerortc package', () => {
  const dir = tempDir('zerortc-pkg-');
  let packed: Packed;
  let zerortc: ChildProcess | undefined;
  let zerortcUrl = '';
  let browser: Browser | undefined;

  before(async () => {
    assert.ok(existsSync(join(REPO, 'dist/server/bin.js')), 'dist/ is missing: run npm run build first');
    packed = pack(REPO, dir.path);
    installPacked(REPO, dir.path, packed, ['express', 'vite', '@types/node']);
    const started = await start(
      'npx',
      ['zerortc', '--port', '0', '--host', '127.0.0.1'],
      dir.path,
      /"port":(\d+)[^}]*"msg":"zerortc listening"/,
      // npx would take flags before `zerortc` as its own: offline is said through the environment.
      { npm_config_offline: 'true' },
    );
    zerortc = started.child;
    zerortcUrl = `http://127.0.0.1:${started.match[1]}`;
  });

  after(async () => {
    await browser?.close();
    await stop(zerortc);
    dir.dispose();
  });

  it('holds the build, licence and changelog, and no test, benchmark or fixture', () => {
    for (const file of [
      'package/LICENSE',
      'package/README.md',
      'package/CHANGELOG.md',
      'package/dist/server/bin.js',
      'package/dist/client/index.d.ts',
      'package/dist/web/index.html',
      'package/deploy/systemd/zerortc.service',
    ]) {
      assert.ok(packed.files.includes(file), `${file} is missing from the tarball`);
    }
    const unwanted = packed.files.filter((f) =>
      /(^|\/)(tests?|bench|benchmarks?|fixtures?|__tests__|examples|scripts|src)\/|\.test\.[cm]?[jt]s$/.test(
        f.slice('package/'.length),
      ),
    );
    assert.deepEqual(unwanted, []);
  });

  it('is the size docs/package.md states, within a quarter', () => {
    const stated = /tarball is about \*\*(\d+) kB\*\*/.exec(readFileSync(join(REPO, 'docs/package.md'), 'utf8'));
    assert.ok(stated, 'docs/package.md states no tarball size');
    const kB = packed.bytes / 1000;
    assert.ok(
      Math.abs(kB - Number(stated[1])) / kB < 0.25,
      `the tarball is ${kB.toFixed(0)} kB; docs/package.md says ${stated[1]} kB`,
    );
  });

  it('runs with npx zerortc --port 0: /healthz answers and / is the call page', async () => {
    const health = await fetch(`${zerortcUrl}/healthz`);
    assert.equal(health.status, 200);
    assert.deepEqual(await health.json(), { status: 'ok' });
    const page = await fetch(`${zerortcUrl}/`);
    assert.equal(page.status, 200);
    const html = await page.text();
    assert.match(html, /id="joinBtn"/);
    const script = /<script type="module" src="([^"]+)"/.exec(html)?.[1];
    assert.ok(script);
    assert.equal((await fetch(`${zerortcUrl}/${script}`)).status, 200);
  });

  it('type-checks a file importing zerortc/client, /protocol and /server with bundler and node16 resolution', async () => {
    writeFileSync(
      join(dir.path, 'check.ts'),
      `import { CallClient, type CallState } from 'zerortc/client';
import { decodeClientMessage, type ClientMessage } from 'zerortc/protocol';
import { createZeroRtc, type ZeroRtc, type ZeroRtcOptions } from 'zerortc/server';
import { createServer } from 'node:http';

const options: ZeroRtcOptions = { prefix: '/calls', turnTtl: 600, page: false };
const zerortc: ZeroRtc = createZeroRtc(options);
zerortc.attach(createServer(zerortc.handler));
// @ts-expect-error turnTtl is a number of seconds (proves the types are not any)
createZeroRtc({ turnTtl: 'an hour' });
const client = new CallClient({ server: 'https://calls.example.org' });
client.on('state', ({ state }: { state: CallState }) => state);
const decoded = decodeClientMessage('{"cmd":"join","roomId":"r","uid":"u"}', 65536);
const message: ClientMessage | undefined = decoded.ok ? decoded.message : undefined;
export { message };
`,
    );
    const common = ['--strict', '--noEmit', '--target', 'es2022', '--lib', 'es2023,dom', '--types', 'node'];
    // The package's .d.ts files are checked once (skipLibCheck false is 4x slower: it checks
    // @types/node and the DOM too); node16 then checks the exports map and extensions.
    // Both at once: they are independent, and each mostly waits on one core.
    const checks = (
      [
        ['esnext', 'bundler', 'false'],
        ['node16', 'node16', 'true'],
      ] as const
    ).map(async ([module, resolution, skipLibCheck]) => {
      const args = [...common, '--skipLibCheck', skipLibCheck, '--module', module, '--moduleResolution', resolution];
      try {
        await execFileAsync(process.execPath, [TSC, ...args, 'check.ts'], { cwd: dir.path, encoding: 'utf8' });
      } catch (err) {
        assert.fail(`moduleResolution ${resolution}: ${(err as { stdout?: string }).stdout ?? String(err)}`);
      }
    });
    await Promise.all(checks);
  });

  it('ships zerortc/client as browser ES modules: no node: import, no bare import', () => {
    const entry = join(dir.path, 'node_modules/zerortc/dist/client/index.js');
    const { files, specifiers } = importsFrom(entry);
    assert.ok(files.length > 5, `only ${files.length} files reached from ${entry}`);
    assert.deepEqual(
      specifiers.filter((s) => !s.startsWith('./') && !s.startsWith('../')),
      [],
      'a browser loads relative imports only',
    );
    for (const file of files) assert.doesNotMatch(readFileSync(file, 'utf8'), /['"]node:/, file);
    assert.ok(existsSync(`${entry}.map`) && existsSync(entry.replace(/\.js$/, '.d.ts')));
  });

  it('Express example: two pages of the app call each other through ZeroRTC mounted under /calls', async () => {
    const example = join(dir.path, 'examples/express');
    cpSync(join(REPO, 'examples/express'), example, { recursive: true });
    const { child, match } = await start(process.execPath, ['server.js'], example, /on (http:\/\/\S+)\/$/, {
      PORT: '0',
      HOST: '127.0.0.1',
    });
    try {
      const base = match[1]!;
      // ZeroRTC's endpoints under the prefix, the app's own route beside them.
      assert.equal((await fetch(`${base}/calls/healthz`)).status, 200);
      assert.equal((await fetch(`${base}/healthz`)).status, 404);
      browser ??= await launchChromium();
      const alice = await openPage(browser, `${base}/`);
      await alice.click('#newRoom');
      await alice.waitForFunction(() =>
        /^support-[0-9a-f]{8}$/.test((document.getElementById('room') as HTMLInputElement).value),
      );
      const room = await alice.inputValue('#room');
      await alice.click('#join');
      await waitForStatus(alice, 'waiting');
      const bob = await openPage(browser, `${base}/?room=${room}`);
      assert.equal(await bob.inputValue('#room'), room);
      await bob.click('#join');
      await Promise.all([waitForStatus(alice, 'connected'), waitForStatus(bob, 'connected')]);
      await Promise.all([waitForVideo(alice, '#remote'), waitForVideo(bob, '#remote')]);
      await Promise.all([alice.context().close(), bob.context().close()]);
    } finally {
      await stop(child);
    }
  });

  it('Vite example: builds, and its page calls the stock call page', async () => {
    const example = join(dir.path, 'examples/vite');
    cpSync(join(REPO, 'examples/vite'), example, { recursive: true });
    execFileSync(process.execPath, [join(dir.path, 'node_modules/vite/bin/vite.js'), 'build', '--logLevel', 'warn'], {
      cwd: example,
      stdio: 'inherit',
    });
    const assets = readdirSync(join(example, 'dist/assets')).filter((f) => f.endsWith('.js'));
    assert.equal(assets.length, 1);
    assert.match(readFileSync(join(example, 'dist/assets', assets[0]!), 'utf8'), /api\/ice-servers/);

    const serve = sirv(join(example, 'dist'));
    const site: Server = createServer((req, res) => serve(req, res));
    await new Promise<void>((ok) => site.listen(0, '127.0.0.1', ok));
    try {
      const siteUrl = `http://127.0.0.1:${(site.address() as AddressInfo).port}`;
      browser ??= await launchChromium();
      const mine = await openPage(browser, `${siteUrl}/?server=${encodeURIComponent(zerortcUrl)}&room=vite-call`);
      await mine.click('#join');
      await waitForStatus(mine, 'waiting');
      const stock = await openPage(browser, `${zerortcUrl}/?room=vite-call`);
      await stock.click('#joinBtn');
      await Promise.all([waitForStatus(mine, 'connected'), waitForState(stock, 'connected', 30_000)]);
      await Promise.all([waitForVideo(mine, '#remote'), waitForVideo(stock, '#remoteVideo')]);
      await Promise.all([mine.context().close(), stock.context().close()]);
    } finally {
      site.close();
    }
  });
});
