/**
 * The safety code on the call page: equal on both sides of an honest call (Chromium with
 * Chromium, Chromium with Firefox), "It matches" marks only that side verified, and when the
 * signaling path rewrites one `a=fingerprint` line in transit (a man-in-the-middle proxy in front
 * of the real server) the two pages show different codes.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
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
import { launchFirefox, openFirefoxPage, type FirefoxHandle } from '../helpers/firefox.ts';
import { startMitmProxy, swapFingerprint, type MitmProxy } from '../helpers/mitm-proxy.ts';
import { startServer, type TestServer } from '../helpers/server.ts';

/** Waits until the page shows a safety code; returns it. */
async function shownCode(page: EnginePage): Promise<string> {
  await waitInPage(
    page,
    () => (document.getElementById('safetyCode')?.dataset['code'] ?? '') !== '',
    undefined,
    'a safety code on the page',
    30_000,
  );
  return page
    .evaluate(() => {
      const el = document.getElementById('safetyCode');
      return { data: el?.dataset['code'] ?? '', text: el?.textContent ?? '' };
    }, undefined)
    .then(({ data, text }) => {
      assert.equal(text, data, 'the code shown is the code in data-code');
      return data;
    });
}

function verifiedMark(page: EnginePage): Promise<{ code: string; badge: string; matchHidden: boolean }> {
  return page.evaluate(
    () => ({
      code: document.getElementById('safetyCode')?.dataset['verified'] ?? '',
      badge: document.getElementById('privacyBadge')?.dataset['verified'] ?? '',
      matchHidden: (document.getElementById('safetyMatchBtn') as HTMLButtonElement).hidden === true,
    }),
    undefined,
  );
}

describe('safety code', () => {
  const tmp = tempDir('zerortc-sas-');
  let server: TestServer;
  let proxy: MitmProxy;
  let chromium: Browser;
  let firefox: FirefoxHandle;
  let roomCounter = 0;

  before(async () => {
    const webRoot = await buildPage(join(tmp.path, 'web'));
    server = await startServer({ logLevel: 'warn' }, { webRoot });
    // Rewrites the fingerprint of offers only: the answering page then holds a forged one.
    proxy = await startMitmProxy(server.httpUrl, (cmd, sdp) => (cmd === 'offer' ? swapFingerprint(sdp) : sdp));
    [chromium, firefox] = await Promise.all([launchChromium(), launchFirefox()]);
  });

  after(async () => {
    await Promise.all([chromium?.close(), firefox?.close()]);
    await proxy?.close();
    await server?.close();
    tmp.dispose();
  });

  async function pair(
    base: string,
    engines: readonly ['chromium' | 'firefox', 'chromium' | 'firefox'],
  ): Promise<[EnginePage, EnginePage]> {
    const open = async (engine: 'chromium' | 'firefox'): Promise<EnginePage> =>
      engine === 'chromium'
        ? fromPlaywright(await openPage(chromium, base))
        : fromPuppeteer(await openFirefoxPage(firefox, base));
    const room = `sas-${++roomCounter}`;
    const a = await open(engines[0]);
    const b = await open(engines[1]);
    await joinInTurn(a, b, room);
    return [a, b];
  }

  it('shows equal codes on both sides of an honest call, and "It matches" marks only that side', async () => {
    const [a, b] = await pair(server.httpUrl, ['chromium', 'chromium']);
    await Promise.all([callState(a, 'connected'), callState(b, 'connected')]);
    await callMediaFlowing(b);
    const [codeA, codeB] = await Promise.all([shownCode(a), shownCode(b)]);
    assert.match(codeA, /^\d{3} \d{3} \d{3} \d{3}$/);
    assert.equal(codeA, codeB);

    assert.deepEqual(await verifiedMark(a), { code: 'false', badge: 'false', matchHidden: false });
    await a.click('#safetyMatchBtn');
    await waitInPage(
      a,
      () => document.getElementById('privacyBadge')?.dataset['verified'] === 'true',
      undefined,
      'the badge saying verified',
    );
    assert.deepEqual(await verifiedMark(a), { code: 'true', badge: 'true', matchHidden: true });
    // The other person has not confirmed yet.
    assert.deepEqual(await verifiedMark(b), { code: 'false', badge: 'false', matchHidden: false });
    await Promise.all([a.close(), b.close()]);
  });

  it('shows equal codes between Chromium and Firefox', async () => {
    // One seating: each side derives from both engines' SDPs (its own and the other's).
    for (const engines of [['firefox', 'chromium']] as const) {
      const [a, b] = await pair(server.httpUrl, engines);
      await Promise.all([callState(a, 'connected'), callState(b, 'connected')]);
      const [codeA, codeB] = await Promise.all([shownCode(a), shownCode(b)]);
      assert.equal(codeA, codeB, `${engines.join(' -> ')}: the same code on both sides`);
      await Promise.all([a.close(), b.close()]);
    }
  });

  it('shows different codes when the signaling path swaps a fingerprint', async () => {
    const before = proxy.rewritten;
    const [a, b] = await pair(proxy.httpUrl, ['chromium', 'chromium']);
    const [codeA, codeB] = await Promise.all([shownCode(a), shownCode(b)]);
    assert.ok(proxy.rewritten > before, 'the proxy rewrote an offer');
    assert.match(codeA, /^\d{3} \d{3} \d{3} \d{3}$/);
    assert.match(codeB, /^\d{3} \d{3} \d{3} \d{3}$/);
    assert.notEqual(codeA, codeB, 'a man in the middle gives two different codes');
    await Promise.all([a.close(), b.close()]);
  });
});
