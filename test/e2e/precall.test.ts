/**
 * The check before the call, on this machine, in Chromium and Firefox: camera preview, microphone
 * level, device lists, and the network test against a real coturn whose UDP is "blocked" (the
 * server hands out STUN and TURN-over-UDP URLs on a port where nothing listens, and TURN over TCP
 * on the real coturn). Its verdict is read from the `data-*` attributes and the words shown.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { buildPage, launchChromium, openPage, tempDir } from '../helpers/browser.ts';
import { startCoturn, freePort, type Coturn } from '../helpers/coturn.ts';
import { callState, fromPlaywright, fromPuppeteer, joinCall, waitInPage, type EnginePage } from '../helpers/engines.ts';
import { launchFirefox, openFirefoxPage, type FirefoxHandle } from '../helpers/firefox.ts';
import { startServer, type TestServer } from '../helpers/server.ts';

const SECRET = 'precall-turn-secret';

/** Waits until the network test has a verdict; returns the `data-*` of #netCheck and the words. */
async function networkResult(page: EnginePage): Promise<Record<string, string>> {
  await waitInPage(
    page,
    () => {
      const d = document.getElementById('netCheck')?.dataset;
      return d?.['verdict'] !== undefined && d['verdict'] !== 'netChecking';
    },
    undefined,
    'the network test to finish',
    40_000,
  );
  return page.evaluate(() => {
    const d = document.getElementById('netCheck')?.dataset ?? {};
    return {
      server: d['server'] ?? '',
      stun: d['stun'] ?? '',
      turnUdp: d['turnUdp'] ?? '',
      turnTcp: d['turnTcp'] ?? '',
      turnTls: d['turnTls'] ?? '',
      verdict: d['verdict'] ?? '',
      words: document.getElementById('netVerdict')?.textContent ?? '',
    };
  }, undefined);
}

/** Waits until the camera preview shows frames. */
function previewShown(page: EnginePage, what: string): Promise<void> {
  return waitInPage(
    page,
    () => (document.getElementById('previewVideo') as HTMLVideoElement).videoWidth > 0,
    undefined,
    what,
  );
}

describe('pre-call check', () => {
  const tmp = tempDir('zerortc-precall-');
  let blocked: TestServer;
  let bare: TestServer;
  let coturn: Coturn;
  let chromium: Browser;
  let firefox: FirefoxHandle;

  before(async () => {
    let webRoot: string;
    let dead: number;
    [webRoot, coturn, chromium, firefox, dead] = await Promise.all([
      buildPage(join(tmp.path, 'web')),
      startCoturn({ secret: SECRET }),
      launchChromium(),
      launchFirefox(),
      freePort(),
    ]);
    blocked = await startServer(
      {
        logLevel: 'warn',
        stunUrls: [`stun:127.0.0.1:${dead}`],
        turnUrls: [`turn:127.0.0.1:${dead}?transport=udp`, `turn:127.0.0.1:${coturn.port}?transport=tcp`],
        turnSecret: SECRET,
      },
      { webRoot },
    );
    bare = await startServer({ logLevel: 'warn', stunPort: 0 }, { webRoot });
  });

  after(async () => {
    await Promise.all([chromium?.close(), firefox?.close()]);
    await Promise.all([blocked?.close(), bare?.close()]);
    await coturn?.stop();
    tmp.dispose();
  });

  for (const engine of ['chromium', 'firefox'] as const) {
    it(`${engine}: shows the camera, the microphone level, the devices, and that UDP is blocked`, async () => {
      const page =
        engine === 'chromium'
          ? fromPlaywright(await openPage(chromium, blocked.httpUrl))
          : fromPuppeteer(await openFirefoxPage(firefox, blocked.httpUrl));
      await previewShown(page, 'the camera preview');
      // Both fake microphones play a tone. Firefox runs its AudioContext only because
      // launchFirefox gives it a sound server (PulseAudio with a null sink).
      await waitInPage(
        page,
        () => (document.getElementById('micLevel') as HTMLMeterElement).value > 0.01,
        undefined,
        'the microphone level to move',
      );
      const devices = await page.evaluate(
        () => ({
          mics: (document.getElementById('precallMic') as HTMLSelectElement).options.length,
          cams: (document.getElementById('precallCam') as HTMLSelectElement).options.length,
        }),
        undefined,
      );
      assert.ok(devices.mics >= 1 && devices.cams >= 1, JSON.stringify(devices));
      assert.deepEqual(await networkResult(page), {
        server: 'ok',
        stun: 'failed',
        turnUdp: 'failed',
        turnTcp: 'ok',
        turnTls: 'none',
        verdict: 'netUdpBlocked',
        words: 'Your network blocks UDP; the call will go through the relay over TCP.',
      });
      await page.close();
    });
  }

  it('says when the server has no STUN or relay, joining is one click that does not wait for the test, and the call takes the preview', async () => {
    const page = fromPlaywright(await openPage(chromium, bare.httpUrl));
    await previewShown(page, 'the camera preview');
    const previewTracks = await page.evaluate(
      () =>
        ((document.getElementById('previewVideo') as HTMLVideoElement).srcObject as MediaStream)
          .getTracks()
          .map((t) => t.id),
      undefined,
    );
    // The network test does not hold the join up (it may still be running).
    await joinCall(page, 'precall-join');
    await callState(page, 'waiting');
    // The call sends the camera and microphone the preview opened: they were not restarted.
    const callTracks = await page.evaluate(
      () => window.zerortc?.client.media?.stream?.getTracks().map((t) => t.id) ?? [],
      undefined,
    );
    assert.deepEqual([...callTracks].sort(), [...previewTracks].sort());
    assert.equal(await page.evaluate(() => document.getElementById('precallPanel')?.hidden, undefined), true);
    const result = await networkResult(page);
    assert.equal(result['verdict'], 'netNothing');
    assert.equal(result['server'], 'ok');
    assert.equal(result['turnUdp'], 'none');
    await page.click('#leaveBtn');
    await callState(page, 'left');
    // Back to the check: the preview runs again.
    await previewShown(page, 'the preview after leaving');
    await page.close();
  });
});
