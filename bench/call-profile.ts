/**
 * Where call setup time goes: the call page against the baseline page (bench/baseline/baseline.html),
 * Chromium to Chromium, calls alternating. The same init script runs in every page and marks, in
 * ms after the joiner's click, the first time each step happens: getUserMedia asked and answered,
 * the ICE-server fetch, the WebSocket open and the server's messages, the RTCPeerConnection made,
 * offer and answer set, the first candidate, ICE and DTLS connected, the remote track, the first
 * remote frame. It changes nothing in the pages (it wraps the browser APIs they call).
 *
 *   npm run bench:call-profile            # 20 calls of each page
 *   CALLS=5 npm run bench:call-profile
 */
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { buildPage, launchChromium, tempDir } from '../test/helpers/browser.ts';
import { startServer } from '../test/helpers/server.ts';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';

const CALLS = Number(process.env['CALLS'] ?? 20);
/** `--hd`: also the baseline page asking the camera for 1280x720, as the call page does. */
const HD = process.argv.includes('--hd');

/** Runs in every page before its own scripts: wraps the APIs a call uses and marks their first use. */
const INIT = `(() => {
  const marks = (window.__marks = {});
  const mark = (name) => {
    const m = window.__marks;
    if (m[name] === undefined) m[name] = Date.now();
  };
  window.__mark = mark;
  const md = navigator.mediaDevices;
  const gum = md.getUserMedia.bind(md);
  md.getUserMedia = (c) => {
    mark('gum asked');
    return gum(c).then((s) => { mark('gum answered'); return s; });
  };
  const f = window.fetch.bind(window);
  window.fetch = (url, init) => {
    if (String(url).includes('ice-servers')) {
      mark('ice fetch asked');
      return f(url, init).then((r) => { mark('ice fetch answered'); return r; });
    }
    return f(url, init);
  };
  const WS = window.WebSocket;
  window.WebSocket = class extends WS {
    constructor(...a) {
      super(...a);
      mark('ws made');
      this.addEventListener('open', () => mark('ws open'));
      this.addEventListener('message', (e) => {
        try { mark('got ' + JSON.parse(e.data).cmd); } catch {}
      });
    }
    send(d) {
      try { mark('sent ' + JSON.parse(d).cmd); } catch {}
      return super.send(d);
    }
  };
  const PC = window.RTCPeerConnection;
  window.RTCPeerConnection = class extends PC {
    constructor(...a) {
      super(...a);
      mark('pc made');
      this.addEventListener('icecandidate', (e) => e.candidate && mark('first local candidate'));
      this.addEventListener('iceconnectionstatechange', () =>
        this.iceConnectionState === 'connected' && mark('ice connected'));
      this.addEventListener('connectionstatechange', () =>
        this.connectionState === 'connected' && mark('dtls connected'));
      this.addEventListener('track', () => mark('remote track'));
    }
    async setLocalDescription(d) {
      mark('setLocal asked');
      const r = await super.setLocalDescription(d);
      mark('setLocal ' + this.localDescription.type);
      return r;
    }
    async setRemoteDescription(d) {
      const r = await super.setRemoteDescription(d);
      mark('setRemote ' + this.remoteDescription.type);
      return r;
    }
  };
})();`;

type Marks = Record<string, number>;

async function arm(page: Page): Promise<void> {
  await page.evaluate(() => {
    const video = document.getElementById('remoteVideo') as HTMLVideoElement;
    const w = window as unknown as { firstFrame: Promise<number> };
    w.firstFrame = new Promise((resolve) => video.requestVideoFrameCallback(() => resolve(Date.now())));
  });
}

async function call(base: string, path: string, a: Page, b: Page, room: string): Promise<[Marks, Marks]> {
  await b.goto(`${base}${path}`);
  await arm(b);
  await a.goto(`${base}${path}`);
  await arm(a);
  await a.fill('#roomId', room);
  await a.click('#joinBtn');
  await a.waitForFunction(
    () => (document.getElementById('callStatus') ?? document.body).dataset['state'] === 'waiting',
    undefined,
    { timeout: 20_000 },
  );
  await b.fill('#roomId', room);
  // The first member's marks from before the click are its own join: drop them.
  await a.evaluate(() => {
    const w = window as unknown as { __marks: Record<string, number> };
    for (const k of Object.keys(w.__marks)) delete w.__marks[k];
  });
  const clicked = await b.evaluate(() => {
    const w = window as unknown as { __marks: Record<string, number> };
    for (const k of Object.keys(w.__marks)) delete w.__marks[k];
    const at = Date.now();
    document.getElementById('joinBtn')?.click();
    return at;
  });
  const [fa, fb] = await Promise.all([
    a.evaluate(() => (window as unknown as { firstFrame: Promise<number> }).firstFrame),
    b.evaluate(() => (window as unknown as { firstFrame: Promise<number> }).firstFrame),
  ]);
  const read = (p: Page): Promise<Marks> =>
    p.evaluate(() => ({ ...(window as unknown as { __marks: Marks }).__marks }));
  const [ma, mb] = await Promise.all([read(a), read(b)]);
  ma['first remote frame'] = fa;
  mb['first remote frame'] = fb;
  for (const m of [ma, mb]) for (const k of Object.keys(m)) m[k] = m[k]! - clicked;
  for (const p of [a, b]) await p.evaluate(() => document.getElementById('leaveBtn')?.click());
  // Nothing of this call works beside the next one (a call page restarts its preview after leaving).
  for (const p of [a, b]) await p.goto('about:blank');
  return [ma, mb];
}

function median(values: number[]): number {
  const s = [...values].sort((x, y) => x - y);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

function report(name: string, runs: [Marks, Marks][]): void {
  console.log(`\n${name}: median ms after the joiner's click (${runs.length} calls)`);
  for (const [side, index] of [
    ['first member', 0],
    ['joiner', 1],
  ] as const) {
    const keys = new Map<string, number[]>();
    for (const run of runs) for (const [k, v] of Object.entries(run[index])) keys.set(k, [...(keys.get(k) ?? []), v]);
    const rows = [...keys].map(([k, v]) => [k, median(v), v.length] as const).sort((x, y) => x[1] - y[1]);
    console.log(`  ${side}:`);
    for (const [k, v, n] of rows)
      console.log(`    ${String(v.toFixed(1)).padStart(7)}  ${k}${n < runs.length ? ` (${n} calls)` : ''}`);
  }
}

async function run(): Promise<void> {
  const tmp = tempDir('zerortc-profile-');
  const webRoot = await buildPage(join(tmp.path, 'web'));
  cpSync('bench/baseline/baseline.html', join(webRoot, 'baseline.html'));
  // The baseline asking the camera for what the call page asks (1280x720): how much is resolution?
  writeFileSync(
    join(webRoot, 'baseline-hd.html'),
    readFileSync('bench/baseline/baseline.html', 'utf8').replace(
      'getUserMedia({ audio: true, video: true })',
      'getUserMedia({ audio: true, video: { width: { ideal: 1280 }, height: { ideal: 720 } } })',
    ),
  );
  // The same, sending at half the size until connected (is it capture or encoding?).
  writeFileSync(
    join(webRoot, 'baseline-hd-half.html'),
    readFileSync(join(webRoot, 'baseline-hd.html'), 'utf8').replace(
      'for (const t of (await media()).getTracks()) pc.addTrack(t, stream);',
      `for (const t of (await media()).getTracks()) {
          const sender = pc.addTrack(t, stream);
          if (t.kind === 'video') {
            const p = sender.getParameters();
            p.encodings = [{ scaleResolutionDownBy: 2 }];
            sender.setParameters(p).catch(() => {});
          }
        }`,
    ),
  );
  const server = await startServer({ logLevel: 'warn' }, { webRoot });
  const browsers: Browser[] = await Promise.all([launchChromium(), launchChromium()]);
  const pages: Page[] = [];
  for (const browser of browsers) {
    const context = await browser.newContext();
    await context.addInitScript(INIT);
    pages.push(await context.newPage());
  }
  const [a, b] = pages as [Page, Page];
  const app: [Marks, Marks][] = [];
  const base: [Marks, Marks][] = [];
  const hd: [Marks, Marks][] = [];
  const half: [Marks, Marks][] = [];
  try {
    await call(server.httpUrl, '/', a, b, 'warm-1');
    await call(server.httpUrl, '/baseline.html', a, b, 'warm-2');
    for (let i = 0; i < CALLS; i++) {
      app.push(await call(server.httpUrl, '/', a, b, `app-${i}`));
      base.push(await call(server.httpUrl, '/baseline.html', a, b, `base-${i}`));
      if (HD) hd.push(await call(server.httpUrl, '/baseline-hd.html', a, b, `hd-${i}`));
      if (HD) half.push(await call(server.httpUrl, '/baseline-hd-half.html', a, b, `half-${i}`));
    }
  } finally {
    await Promise.all(browsers.map((x) => x.close()));
    await server.close();
    tmp.dispose();
  }
  report('call page', app);
  report('baseline page', base);
  if (HD) report('baseline page asking for 1280x720', hd);
  if (HD) report('baseline page asking for 1280x720, sending half size at first', half);
}

await run();
