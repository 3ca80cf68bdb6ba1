/**
 * The call page in Chromium and in Debian's Firefox ESR, calling each other: each side once the
 * member already in the room (the one that makes the offer), media checked through getStats on
 * both, and what the page does differently per engine (stats of the selected pair, the data
 * channel, replacing a track) used from both sides.
 */
import assert from 'node:assert/strict';
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { buildPage, launchChromium, openPage, tempDir, writeColorVideo } from '../helpers/browser.ts';
import {
  callMediaFlowing,
  callState,
  callStats,
  fromPlaywright,
  fromPuppeteer,
  joinCall,
  joinInTurn,
  remoteVideoColor,
  waitInPage,
  type EnginePage,
} from '../helpers/engines.ts';
import { launchFirefox, openFirefoxPage, type FirefoxHandle } from '../helpers/firefox.ts';
import { startServer, type TestServer } from '../helpers/server.ts';
import { tutorialMediaFlowing, tutorialNegotiation } from '../helpers/tutorial-client.ts';

const RED = 0;

describe('Chromium and Firefox calling each other', () => {
  const tmp = tempDir('zerortc-ff-');
  let server: TestServer;
  let chromium: Browser;
  let firefox: FirefoxHandle;
  let roomCounter = 0;

  before(async () => {
    const webRoot = await buildPage(join(tmp.path, 'web'));
    copyFileSync('test/fixtures/tutorial-client.html', join(webRoot, 'tutorial-client.html'));
    server = await startServer({ logLevel: 'warn' }, { webRoot });
    [chromium, firefox] = await Promise.all([
      launchChromium(writeColorVideo(join(tmp.path, 'red.y4m'), [220, 30, 30])),
      launchFirefox(),
    ]);
  });

  after(async () => {
    await Promise.all([chromium?.close(), firefox?.close()]);
    await server?.close();
    tmp.dispose();
  });

  const openChromium = async (): Promise<EnginePage> => fromPlaywright(await openPage(chromium, server.httpUrl));
  const openFirefox = async (): Promise<EnginePage> => fromPuppeteer(await openFirefoxPage(firefox, server.httpUrl));

  /** `first` joins and waits alone; `second` joins; both end up connected. */
  async function call(first: EnginePage, second: EnginePage): Promise<string> {
    const room = `ff-${++roomCounter}`;
    await joinInTurn(first, second, room);
    await Promise.all([callState(first, 'connected'), callState(second, 'connected')]);
    // The one already in the room made the offer, the joiner answered.
    const localType = (page: EnginePage): Promise<string | undefined> =>
      page.evaluate(() => window.zerortc.client.peerConnection?.currentLocalDescription?.type, undefined);
    assert.equal(await localType(first), 'offer', `${first.engine} offered`);
    assert.equal(await localType(second), 'answer', `${second.engine} answered`);
    return room;
  }

  async function expectTwoWayMedia(chromiumPage: EnginePage, firefoxPage: EnginePage): Promise<void> {
    await Promise.all([callMediaFlowing(chromiumPage), callMediaFlowing(firefoxPage)]);
    // Firefox shows Chromium's red camera.
    await remoteVideoColor(firefoxPage, RED);
    for (const page of [chromiumPage, firefoxPage]) {
      const stats = await callStats(page);
      // Chromium names the selected pair on the transport, Firefox marks the pair itself: the
      // page reads both.
      assert.equal(stats?.path, 'direct', `${page.engine} path`);
      assert.ok((stats?.width ?? 0) > 0, `${page.engine} knows the remote video size`);
    }
  }

  it('Chromium in the room first makes the offer; Firefox answers: video and audio both ways', async () => {
    const c = await openChromium();
    const f = await openFirefox();
    try {
      await call(c, f);
      await expectTwoWayMedia(c, f);
    } finally {
      await Promise.all([c.close(), f.close()]);
    }
  });

  it('Firefox in the room first makes the offer; Chromium answers: video and audio both ways', async () => {
    const f = await openFirefox();
    const c = await openChromium();
    try {
      await call(f, c);
      await expectTwoWayMedia(c, f);
    } finally {
      await Promise.all([c.close(), f.close()]);
    }
  });

  it('carries chat and camera state across engines, and the camera comes back after it was off', async () => {
    const c = await openChromium();
    const f = await openFirefox();
    try {
      await call(c, f);
      await f.fill('#chatInput', 'Hello from Firefox');
      await f.click('#chatSend');
      await waitInPage(
        c,
        (t) => [...document.querySelectorAll('#chatLog li.from-remote')].some((li) => li.textContent === t),
        'Hello from Firefox',
        'chat from Firefox',
      );
      await c.fill('#chatInput', '你好 from Chromium');
      await c.click('#chatSend');
      await waitInPage(
        f,
        (t) => [...document.querySelectorAll('#chatLog li.from-remote')].some((li) => li.textContent === t),
        '你好 from Chromium',
        'chat from Chromium',
      );
      // Firefox turns its camera off (its sender's track is replaced by none) and on again.
      await f.click('#camBtn');
      await waitInPage(c, () => document.getElementById('peerStatus')?.dataset['camera'] === 'off', 0, 'camera off');
      await f.click('#camBtn');
      await waitInPage(c, () => document.getElementById('peerStatus')?.dataset['camera'] === 'on', 0, 'camera on');
      await callMediaFlowing(c);
      // And Chromium mutes: Firefox shows it.
      await c.click('#micBtn');
      await waitInPage(f, () => document.getElementById('peerStatus')?.dataset['mic'] === 'off', 0, 'mic off');
    } finally {
      await Promise.all([c.close(), f.close()]);
    }
  });

  it("answers the tutorial's client from Firefox, then adds its data channel without glare", async () => {
    const room = `ff-${++roomCounter}`;
    const tutorial = fromPlaywright(await openPage(chromium, `${server.httpUrl}/tutorial-client.html?room=${room}`));
    const f = await openFirefox();
    try {
      await tutorial.click('#joinBtn');
      await waitInPage(tutorial, () => window.seen.includes('joined'), 0, 'tutorial client seated');
      await joinCall(f, room);
      await callState(f, 'connected');
      await Promise.all([callMediaFlowing(f), tutorialMediaFlowing(tutorial)]);
      const { trace, glare, errors } = await tutorialNegotiation(tutorial);
      assert.deepEqual(trace, ['sent offer', 'got answer', 'got offer', 'sent answer']);
      assert.equal(glare, 0, trace.join(', '));
      assert.deepEqual(errors, []);
    } finally {
      await Promise.all([tutorial.close(), f.close()]);
    }
  });
});
