/**
 * The honest status and the call report, from real calls: a direct Chromium-Firefox call says
 * peer-to-peer on both pages, a relay-only call through the real coturn says relayed; the report
 * each page gives (`client.report()` and the "Download report" button) holds none of the
 * addresses, ufrags, ICE passwords, fingerprints, TURN credentials, room name or chat text the
 * call used, and `zerortc report` reads it.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import type { CallReport } from '../../src/client/index.ts';
import { buildPage, launchChromium, openPage, tempDir } from '../helpers/browser.ts';
import {
  callMediaFlowing,
  callState,
  fromPlaywright,
  fromPuppeteer,
  joinInTurn,
  waitInPage,
  type EnginePage,
} from '../helpers/engines.ts';
import { startCoturn, type Coturn } from '../helpers/coturn.ts';
import { launchFirefox, openFirefoxPage, type FirefoxHandle } from '../helpers/firefox.ts';
import { startServer, type TestServer } from '../helpers/server.ts';

const run = promisify(execFile);
const SECRET = 'status-report-turn-secret';
const CHAT = 'my private chat line 7f3a';

/** Waits until the header badge has a known path; returns its data attributes and text. */
async function badge(page: EnginePage): Promise<{ path: string; protocol: string; quality: string; text: string }> {
  await waitInPage(
    page,
    () => (document.getElementById('privacyBadge')?.dataset['path'] ?? 'unknown') !== 'unknown',
    undefined,
    'the badge to know the path',
  );
  return page.evaluate(() => {
    const el = document.getElementById('privacyBadge') as HTMLElement;
    return {
      path: el.dataset['path'] ?? '',
      protocol: el.dataset['protocol'] ?? '',
      quality: el.dataset['quality'] ?? '',
      text: el.textContent ?? '',
    };
  }, undefined);
}

/** Everything secret the page's call used, read from its SDPs, stats and ICE configuration. */
function callSecrets(page: EnginePage): Promise<string[]> {
  return page.evaluate(async () => {
    const client = window.zerortc.client;
    const pc = client.peerConnection;
    if (!pc) throw new Error('no peer connection');
    const found: string[] = [];
    for (const sdp of [pc.localDescription?.sdp ?? '', pc.remoteDescription?.sdp ?? '']) {
      for (const m of sdp.matchAll(/^a=(ice-ufrag|ice-pwd):(\S+)/gm)) found.push(m[2] ?? '');
      for (const m of sdp.matchAll(/^a=fingerprint:\S+ (\S+)/gm)) found.push(m[1] ?? '');
      for (const m of sdp.matchAll(/^a=candidate:\S+ \d+ \S+ \d+ (\S+) (\d+)/gm))
        found.push(m[1] ?? '', `${m[1]}:${m[2]}`);
      found.push(sdp.split('\n')[1] ?? ''); // o= line
    }
    (await pc.getStats()).forEach((s: Record<string, unknown>) => {
      if (s['type'] !== 'local-candidate' && s['type'] !== 'remote-candidate') return;
      const address = s['address'] ?? s['ip'];
      if (typeof address === 'string') found.push(address, `${address}:${String(s['port'])}`);
      if (typeof s['relatedAddress'] === 'string') found.push(s['relatedAddress']);
      if (typeof s['usernameFragment'] === 'string') found.push(s['usernameFragment']);
    });
    for (const server of pc.getConfiguration().iceServers ?? []) {
      if (typeof server.username === 'string') found.push(server.username);
      if (typeof server.credential === 'string') found.push(server.credential);
    }
    if (client.roomId) found.push(client.roomId);
    if (client.safetyCode) found.push(client.safetyCode.code);
    return found.filter((s) => s.length >= 4);
  }, undefined);
}

function assertRedacted(text: string, secrets: readonly string[], who: string): void {
  // Chromium's version (e.g. 156.0.0.0) looks like an address: look for addresses elsewhere.
  const parsed = JSON.parse(text) as CallReport;
  const report = JSON.stringify({ ...parsed, browser: { ...parsed.browser, version: '' } });
  assert.ok(!secrets.includes(parsed.browser.version), `${who}: the version field holds an address`);
  assert.ok(secrets.length >= 8, `${who}: the call used secrets to look for (${secrets.length})`);
  for (const secret of secrets) assert.ok(!report.includes(secret), `${who}: the report contains "${secret}"`);
  assert.ok(!report.includes(CHAT), `${who}: the report contains the chat text`);
  assert.doesNotMatch(report, /\b\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}\b/, `${who}: an IPv4 address`);
  assert.doesNotMatch(report, /"(address|ip|port|sdp|ufrag|username|credential|fingerprint)"/i, `${who}: a raw field`);
}

function takeReport(page: EnginePage): Promise<CallReport> {
  return page.evaluate(() => window.zerortc.client.report(), undefined);
}

describe('honest status and call report', () => {
  const tmp = tempDir('zerortc-status-');
  let direct: TestServer;
  let relayed: TestServer;
  let coturn: Coturn;
  let chromium: Browser;
  let firefox: FirefoxHandle;

  before(async () => {
    let webRoot: string;
    [webRoot, coturn, chromium, firefox] = await Promise.all([
      buildPage(join(tmp.path, 'web')),
      startCoturn({ secret: SECRET }),
      launchChromium(),
      launchFirefox(),
    ]);
    direct = await startServer({ logLevel: 'warn' }, { webRoot });
    relayed = await startServer(
      { logLevel: 'warn', turnUrls: coturn.urls, turnSecret: SECRET, iceTransportPolicy: 'relay' },
      { webRoot },
    );
  });

  after(async () => {
    await Promise.all([chromium?.close(), firefox?.close()]);
    await Promise.all([direct?.close(), relayed?.close()]);
    await coturn?.stop();
    tmp.dispose();
  });

  it("says peer-to-peer on a direct Chromium-Firefox call; the reports hold no secret; zerortc report reads Firefox's", async () => {
    const a = fromPlaywright(await openPage(chromium, direct.httpUrl));
    const b = fromPuppeteer(await openFirefoxPage(firefox, direct.httpUrl));
    await joinInTurn(a, b, 'status-direct-room');
    await Promise.all([callState(a, 'connected'), callState(b, 'connected')]);
    await callMediaFlowing(a);
    await a.fill('#chatInput', CHAT);
    await a.click('#chatSend');
    await waitInPage(b, (t) => document.getElementById('chatLog')?.textContent?.includes(t) === true, CHAT, 'chat');

    for (const page of [a, b]) {
      const shown = await badge(page);
      assert.equal(shown.path, 'direct', `${page.engine}: ${shown.text}`);
      assert.equal(shown.protocol, 'udp', `${page.engine}: ${shown.text}`);
      assert.match(shown.text, /^Peer-to-peer \(UDP\) · encrypted · not verified/);
      assert.ok(['', 'good', 'fair', 'poor'].includes(shown.quality));
    }

    for (const page of [a, b]) {
      const report = await takeReport(page);
      const text = JSON.stringify(report);
      assertRedacted(text, await callSecrets(page), page.engine);
      assert.equal(report.browser.name, page.engine === 'chromium' ? 'Chrome' : 'Firefox');
      assert.ok(report.samples.length >= 1, 'at least one stats sample');
      const last = report.samples.at(-1);
      assert.equal(last?.path, 'direct');
      assert.equal(last?.localCandidateType, 'host');
      assert.ok(report.timeline.some((e) => e.type === 'state' && e.state === 'connected'));
      const file = join(tmp.path, `${page.engine}.json`);
      writeFileSync(file, JSON.stringify(report, null, 2));
      if (page.engine !== 'firefox') continue;
      // The operator's command, as installed: a summary in words, and the charts as SVG.
      const svg = join(tmp.path, `${page.engine}.svg`);
      const { stdout } = await run(process.execPath, [
        '--import',
        'tsx',
        'src/server/main.ts',
        'report',
        file,
        '--svg',
        svg,
      ]);
      assert.match(stdout, new RegExp(`Browser: ${report.browser.name} `));
      assert.match(stdout, /Connected \d+:\d\d\.\d after joining\./);
      assert.match(stdout, /Path: direct over UDP from/);
      assert.match(stdout, /0 ICE restart\(s\), 0 reconnect\(s\), no error\./);
      assert.match(stdout, /Charts written to/);
      assert.match(readFileSync(svg, 'utf8'), /^<svg [^]*Round trip \(ms\)[^]*<\/svg>\n$/);
    }
    await a.click('#leaveBtn');
    await callState(a, 'left');
    const after = await takeReport(a);
    assert.equal(after.summary.finalState, 'left');
    await Promise.all([a.close(), b.close()]);
  });

  it('says relayed on a relay-only call through coturn, and the downloaded report holds no TURN credential', async () => {
    const pa = await openPage(chromium, relayed.httpUrl);
    const a = fromPlaywright(pa);
    const b = fromPlaywright(await openPage(chromium, relayed.httpUrl));
    await joinInTurn(a, b, 'status-relay-room');
    await Promise.all([callState(a, 'connected'), callState(b, 'connected')]);
    for (const page of [a, b]) {
      const shown = await badge(page);
      assert.equal(shown.path, 'relay', shown.text);
      assert.match(shown.text, /^Relayed via TURN \((UDP|TCP)\) · encrypted/);
    }
    const secrets = await callSecrets(a);
    const [download] = await Promise.all([pa.waitForEvent('download'), a.click('#reportBtn')]);
    const path = join(tmp.path, 'downloaded.json');
    await download.saveAs(path);
    const text = readFileSync(path, 'utf8');
    assertRedacted(text, secrets, 'downloaded report');
    const report = JSON.parse(text) as CallReport;
    assert.equal(report.samples.at(-1)?.path, 'relay');
    assert.equal(report.samples.at(-1)?.localCandidateType, 'relay');
    await Promise.all([a.close(), b.close()]);
  });
});
