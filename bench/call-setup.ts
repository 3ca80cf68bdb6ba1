/**
 * Call setup time: from the second person's click on join to the first remote video frame shown
 * on both sides, in headless Chromium on loopback, over N calls; the same for a baseline page that
 * does nothing but the call (getUserMedia + RTCPeerConnection over the same server); the call page
 * with the relay-only policy through a real coturn on 127.0.0.1; Chromium and
 * Firefox ESR calling each other with the call page (each one first in the room); and zerortc-probe
 * (the Node peer) joining a call page that waits in Chromium.
 *
 *   npm run bench:call            # 20 calls each, prints a table
 *   npm run bench:call -- --write # also writes the "Call setup" section of docs/benchmarks.md
 *   CALLS=40 PROBE_CALLS=20 npm run bench:call
 */
import { randomBytes } from 'node:crypto';
import { cpSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { runProbe } from '../src/cli/probe-run.ts';
import { buildPage, launchChromium, tempDir } from '../test/helpers/browser.ts';
import { startCoturn } from '../test/helpers/coturn.ts';
import { fromPlaywright, fromPuppeteer, waitInPage, type EnginePage } from '../test/helpers/engines.ts';
import { launchFirefox } from '../test/helpers/firefox.ts';
import { startServer } from '../test/helpers/server.ts';

const CALLS = Number(process.env['CALLS'] ?? 20);
/** The probe waits for its default STUN server where none answers: fewer calls by default. */
const PROBE_CALLS = Number(process.env['PROBE_CALLS'] ?? 10);
const WRITE = process.argv.includes('--write');

interface Sample {
  /** First remote frame on the second person's side (the joiner), ms after its click. */
  joiner: number;
  /** First remote frame on the first person's side, ms after the joiner's click. */
  first: number;
  /** Both sides see video. */
  both: number;
}

/** Arms a promise in the page that resolves (epoch ms) when the remote video shows a frame. */
async function armFirstFrame(page: EnginePage): Promise<void> {
  await page.evaluate(() => {
    const video = document.getElementById('remoteVideo') as HTMLVideoElement;
    const w = window as unknown as { firstFrame: Promise<number> };
    w.firstFrame = new Promise((resolve) => {
      video.requestVideoFrameCallback(() => resolve(Date.now()));
    });
  }, undefined);
}

const firstFrame = (p: EnginePage): Promise<number> =>
  p.evaluate(() => (window as unknown as { firstFrame: Promise<number> }).firstFrame, undefined);

/** Opens `url` in `a`, joins `room` and waits until it is alone in the room. */
async function waitAlone(a: EnginePage, url: string, room: string): Promise<void> {
  await a.goto(url);
  await armFirstFrame(a);
  await a.fill('#roomId', room);
  await a.click('#joinBtn');
  await waitInPage(
    a,
    () => (document.getElementById('callStatus') ?? document.body).dataset['state'] === 'waiting',
    undefined,
    'waiting',
  );
}

async function leave(...pages: EnginePage[]): Promise<void> {
  // Leave so that the next call starts from an empty room (and the app's session is forgotten),
  // then close the page: a call page left open restarts its camera preview after leaving, and
  // would burn CPU beside the next rows' calls (Firefox's page stayed open through three rows).
  for (const p of pages) await p.evaluate(() => document.getElementById('leaveBtn')?.click(), undefined);
  for (const p of pages) await p.goto('about:blank');
}

async function oneCall(base: string, path: string, a: EnginePage, b: EnginePage, room: string): Promise<Sample> {
  await b.goto(`${base}${path}`);
  await armFirstFrame(b);
  await waitAlone(a, `${base}${path}`, room);
  await b.fill('#roomId', room);
  const clicked = await b.evaluate(() => {
    const at = Date.now();
    document.getElementById('joinBtn')?.click();
    return at;
  }, undefined);
  const [fa, fb] = await Promise.all([firstFrame(a), firstFrame(b)]);
  await leave(a, b);
  return { joiner: fb - clicked, first: fa - clicked, both: Math.max(fa, fb) - clicked };
}

/**
 * The call page waits in `a`; zerortc-probe joins. `joiner` is the probe's own join to connected
 * (ICE + DTLS up), `first` and `both` the page's first remote frame, from the probe's start.
 */
async function probeCall(base: string, a: EnginePage, room: string): Promise<Sample> {
  await waitAlone(a, `${base}/`, room);
  const started = Date.now();
  const wsUrl = `${base.replace(/^http/, 'ws')}/ws`;
  const [report, fa] = await Promise.all([
    runProbe({ wsUrl, roomId: room, uid: `probe-${room}`, timeoutMs: 20_000, mediaMs: 500, loopback: true }),
    firstFrame(a),
  ]);
  if (!report.ok || !report.connection) throw new Error(`probe: ${report.failure?.code}: ${report.failure?.message}`);
  await leave(a);
  return { joiner: report.connection.joinToConnectedMs, first: fa - started, both: fa - started };
}

function summary(values: number[]): { min: number; median: number; max: number } {
  const s = [...values].sort((x, y) => x - y);
  const mid = Math.floor(s.length / 2);
  const median = s.length % 2 ? (s[mid] ?? 0) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
  return { min: s[0] ?? 0, median, max: s.at(-1) ?? 0 };
}

const APP = 'call page, Chromium to Chromium';
const RELAY = 'call page, relay only (coturn), Chromium to Chromium';
const BASELINE = 'baseline page, Chromium to Chromium';
const C2F = 'call page, Chromium first, Firefox joins';
const F2C = 'call page, Firefox first, Chromium joins';
const PROBE = 'call page in Chromium, zerortc-probe joins';

async function run(): Promise<void> {
  const tmp = tempDir('zerortc-bench-');
  const webRoot = await buildPage(join(tmp.path, 'web'));
  cpSync('bench/baseline/baseline.html', join(webRoot, 'baseline.html'));
  const server = await startServer({ logLevel: 'warn' }, { webRoot });
  const secret = randomBytes(16).toString('hex');
  const coturn = await startCoturn({ secret });
  const relayServer = await startServer(
    { logLevel: 'warn', turnUrls: coturn.urls, turnSecret: secret, iceTransportPolicy: 'relay' },
    { webRoot },
  );
  const browsers: Browser[] = await Promise.all([launchChromium(), launchChromium()]);
  const firefox = await launchFirefox();
  const results: Record<string, Sample[]> = {
    [APP]: [],
    [RELAY]: [],
    [BASELINE]: [],
    [C2F]: [],
    [F2C]: [],
    [PROBE]: [],
  };
  const base = server.httpUrl;
  try {
    const [ba, bb] = browsers as [Browser, Browser];
    const a = fromPlaywright(await (await ba.newContext()).newPage());
    const b = fromPlaywright(await (await bb.newContext()).newPage());
    const f = fromPuppeteer(await (await firefox.browser.createBrowserContext()).newPage());
    // One warm-up call each (first getUserMedia, codec start-up), not counted.
    await oneCall(base, '/', a, b, 'warm-1');
    await oneCall(base, '/baseline.html', a, b, 'warm-2');
    await oneCall(relayServer.httpUrl, '/', a, b, 'warm-relay');
    await oneCall(base, '/', a, f, 'warm-3');
    await probeCall(base, a, 'warm-4');
    for (let i = 0; i < CALLS; i++) {
      // Interleaved, so that all see the same machine load.
      results[APP]?.push(await oneCall(base, '/', a, b, `app-${i}`));
      results[RELAY]?.push(await oneCall(relayServer.httpUrl, '/', a, b, `relay-${i}`));
      results[BASELINE]?.push(await oneCall(base, '/baseline.html', a, b, `base-${i}`));
      results[C2F]?.push(await oneCall(base, '/', a, f, `c2f-${i}`));
      results[F2C]?.push(await oneCall(base, '/', f, a, `f2c-${i}`));
      if (i < PROBE_CALLS) results[PROBE]?.push(await probeCall(base, a, `probe-${i}`));
    }
  } finally {
    await Promise.all(browsers.map((x) => x.close()));
    await firefox.close();
    await server.close();
    await relayServer.close();
    await coturn.stop();
    tmp.dispose();
  }

  const rows = Object.entries(results).map(([name, samples]) => {
    const both = summary(samples.map((s) => s.both));
    const joiner = summary(samples.map((s) => s.joiner));
    const first = summary(samples.map((s) => s.first));
    return `| ${name} | ${samples.length} | ${both.min} | ${both.median} | ${both.max} | ${joiner.median} | ${first.median} |`;
  });
  const section = [
    '## Call setup',
    '',
    'Time from the second person\'s click on "join" to the first remote video frame shown on both',
    'sides (`requestVideoFrameCallback` on `#remoteVideo`), two headless Chromium processes with fake',
    'camera and microphone, on loopback, one ZeroRTC server. The baseline is a page that does only',
    'the call, tutorial style (`bench/baseline/baseline.html`: getUserMedia + RTCPeerConnection over',
    'the same server). The relay-only row is the call page on a second server started with',
    '`--ice-transport-policy relay` and a coturn on 127.0.0.1 (the test configuration of',
    '`test/helpers/coturn.ts`): both browsers allocate a relay, check it at join, and send all media',
    'through coturn. Calls alternate between the rows; one warm-up call each is not counted; after',
    'each call both pages go to about:blank, so that no page works beside the next call. The baseline',
    "page is given the same ICE servers as the call page (the server's `/api/ice-servers`, fetched when",
    'it loads: the built-in STUN server), as a tutorial writes its STUN server into the page.',
    'Run: `npm run bench:call` (`CALLS=N` for more, `-- --write` to update this section).',
    'Where the time goes, step by step, is measured with `npm run bench:call-profile` (see',
    '"Profile of call setup" below): the call page sends its video at half size until the call has',
    'been connected for 2 s (`src/client/fast-start.ts`), so that the encoder does not drop its first',
    '1280x720 frames at the low start bitrate. Since 2026-12-01 the call also takes the pre-call',
    "preview's running camera and microphone instead of restarting them, the network test's probes",
    'stop at join, the click does no forced layout or storage round trip before the socket opens,',
    'and the safety code is derived after the connection is up ("Profile of call setup", "After the merge").',
    'The relay-only row stays within a few tens of ms of the direct one here: coturn is on the same',
    "machine, so a relayed packet takes two loopback hops, and the joiner's relay check (two",
    'throwaway connections through coturn) runs beside its call setup. On real networks each side',
    'adds its round trip to the TURN server.',
    '',
    `Machine: ${cpus().length} × ${cpus()[0]?.model.trim() ?? 'unknown CPU'}, Node ${process.version}, ${new Date().toISOString().slice(0, 10)}.`,
    '',
    "Firefox ESR rows: Debian's `firefox-esr` (puppeteer-core over WebDriver BiDi, fake media) and one",
    'Chromium process. The zerortc-probe row times the probe (werift, in this process, `runProbe` as',
    'the command does, including its ICE-server fetch) from its start to the first remote frame on the',
    'page; its "joiner" column is the probe\'s own join to connected (ICE + DTLS), not a video frame.',
    'With no STUN URL from the server, werift looks up its built-in default (stun.l.google.com) before',
    "it answers. The figures below were taken in the machine's own network namespace, where that lookup",
    "fails at once; inside the tests' namespace (`unshare --net`, no DNS) it times out after 5 s, and",
    'the same row measured there has a median of 5,172 ms. Operators should hand out a STUN URL',
    '(`--stun-urls`).',
    '',
    '| page | calls | min ms | median ms | max ms | median, joiner sees video | median, first sees video |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...rows,
    '',
  ].join('\n');
  console.log(section);
  if (WRITE) {
    const file = 'docs/benchmarks.md';
    const text = existsSync(file) ? readFileSync(file, 'utf8') : '# Benchmarks\n\n';
    const start = text.indexOf('## Call setup');
    let next: string;
    if (start === -1) {
      next = `${text.trimEnd()}\n\n${section}`;
    } else {
      const after = text.indexOf('\n## ', start + 1);
      next = text.slice(0, start) + section + (after === -1 ? '' : `\n${text.slice(after + 1)}`);
    }
    writeFileSync(file, next.endsWith('\n') ? next : `${next}\n`);
    console.log(`wrote ${file}`);
  }
}

await run();
// werift keeps UDP sockets and timers after close(): end here.
process.exit(0);
