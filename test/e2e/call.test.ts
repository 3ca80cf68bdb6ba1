/**
 * The call page in real Chromium: two browser processes with different fake cameras (red and
 * blue), so that each side's remote video can be told apart; driven as a person would.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import {
  buildPage,
  expectMediaFlowing,
  joinRoom,
  launchChromium,
  mediaStats,
  openPage,
  tempDir,
  waitForRemoteColor,
  waitForState,
  writeColorVideo,
} from '../helpers/browser.ts';
import { launchPhone, phoneContext } from '../helpers/phone.ts';
import { startServer, type TestServer } from '../helpers/server.ts';

const RED = 0;
const BLUE = 2;

describe('call page', () => {
  const tmp = tempDir('zerortc-e2e-');
  let webRoot: string;
  let server: TestServer;
  let red: Browser;
  let blue: Browser;
  let phone: Browser;
  let roomCounter = 0;
  const pages: Page[] = [];

  before(async () => {
    webRoot = await buildPage(join(tmp.path, 'web'));
    server = await startServer({ logLevel: 'warn' }, { webRoot });
    [red, blue, phone] = await Promise.all([
      launchChromium(writeColorVideo(join(tmp.path, 'red.y4m'), [220, 30, 30])),
      launchChromium(writeColorVideo(join(tmp.path, 'blue.y4m'), [30, 30, 220])),
      launchPhone(),
    ]);
  });

  after(async () => {
    await Promise.all([red?.close(), blue?.close(), phone?.close()]);
    await server?.close();
    tmp.dispose();
  });

  async function open(browser: Browser, url = server.httpUrl): Promise<Page> {
    const page = await openPage(browser, url);
    pages.push(page);
    return page;
  }

  /** Two people in a fresh room, connected. */
  async function call(): Promise<{ a: Page; b: Page; room: string }> {
    const room = `room-${++roomCounter}`;
    const a = await open(red);
    const b = await open(blue);
    await joinRoom(a, room);
    await waitForState(a, 'waiting');
    await joinRoom(b, room);
    await Promise.all([waitForState(a, 'connected'), waitForState(b, 'connected')]);
    return { a, b, room };
  }

  /** A desktop page (red) and a phone page in a fresh room, connected; `beforeJoin` looks first. */
  async function phoneCall(
    refuseAutoplay: boolean,
    beforeJoin?: (a: Page, p: Page) => Promise<void>,
  ): Promise<{ a: Page; p: Page }> {
    const room = `room-${++roomCounter}`;
    const a = await open(red);
    const p = await (await phoneContext(phone, refuseAutoplay)).newPage();
    pages.push(p);
    await p.goto(server.httpUrl);
    await beforeJoin?.(a, p);
    await joinRoom(a, room);
    await waitForState(a, 'waiting');
    await joinRoom(p, room);
    await Promise.all([waitForState(a, 'connected'), waitForState(p, 'connected')]);
    return { a, p };
  }

  async function hangUp(...ps: Page[]): Promise<void> {
    await Promise.all(ps.map((p) => p.context().close()));
  }

  it('connects two people: each sees and hears the other', async () => {
    const { a, b } = await call();
    await Promise.all([expectMediaFlowing(a), expectMediaFlowing(b)]);
    // Each side shows the other's camera: red's page shows blue, blue's page shows red.
    await Promise.all([waitForRemoteColor(a, BLUE), waitForRemoteColor(b, RED)]);
    const stats = await mediaStats(a);
    assert.equal(stats?.path, 'direct');
    await hangUp(a, b);
  });

  it('shows the other side when it mutes the microphone and turns the camera off', async () => {
    const { a, b } = await call();
    const peerStatus = b.locator('#peerStatus');
    await a.click('#micBtn');
    await b.waitForFunction(() => document.getElementById('peerStatus')?.dataset['mic'] === 'off');
    assert.equal(await b.locator('#peerMutedBadge').isVisible(), true);
    await a.click('#camBtn');
    await b.waitForFunction(() => document.getElementById('peerStatus')?.dataset['camera'] === 'off');
    assert.equal(await b.locator('#peerCameraBadge').isVisible(), true);
    await a.click('#micBtn');
    await a.click('#camBtn');
    await b.waitForFunction(() => {
      const s = document.getElementById('peerStatus')?.dataset;
      return s?.['mic'] === 'on' && s['camera'] === 'on';
    });
    assert.equal(await peerStatus.getAttribute('data-mic'), 'on');
    // The camera came back: red again on the other side.
    await waitForRemoteColor(b, RED);
    await hangUp(a, b);
  });

  it('carries chat both ways', async () => {
    const { a, b } = await call();
    await a.fill('#chatInput', 'Hello from red');
    await a.press('#chatInput', 'Enter');
    await b.locator('#chatLog li.from-remote', { hasText: 'Hello from red' }).waitFor();
    await b.fill('#chatInput', '你好 from blue');
    await b.click('#chatSend');
    await a.locator('#chatLog li.from-remote', { hasText: '你好 from blue' }).waitFor();
    assert.equal(await a.locator('#chatLog li.from-local').textContent(), 'Hello from red');
    await hangUp(a, b);
  });

  it('shares the screen in place of the camera and gives the camera back', async () => {
    const { a, b } = await call();
    const aspect = (): Promise<number> =>
      b.evaluate(() => {
        const v = document.getElementById('remoteVideo') as HTMLVideoElement;
        return v.videoWidth / v.videoHeight;
      });
    await a.click('#screenBtn');
    await b.waitForFunction(() => document.getElementById('peerStatus')?.dataset['screen'] === 'on');
    // The fake screen is 16:9; the fake camera 4:3.
    await b.waitForFunction(() => {
      const v = document.getElementById('remoteVideo') as HTMLVideoElement;
      return v.videoHeight > 0 && Math.abs(v.videoWidth / v.videoHeight - 16 / 9) < 0.05;
    });
    assert.equal(await a.getAttribute('#screenBtn', 'aria-pressed'), 'true');
    await a.click('#screenBtn');
    await b.waitForFunction(() => document.getElementById('peerStatus')?.dataset['screen'] === 'off');
    await waitForRemoteColor(b, RED);
    assert.ok(Math.abs((await aspect()) - 4 / 3) < 0.05);
    // No renegotiation was needed: the same connection carried both.
    await expectMediaFlowing(b);
    await hangUp(a, b);
  });

  it('on a phone: keeps the screen awake, switches cameras, hides screen share', async () => {
    const { a, p } = await phoneCall(false, async (a, p) => {
      // Screen share: offered where getDisplayMedia exists, hidden where it does not.
      assert.equal(await p.locator('#screenBtn').isHidden(), true);
      assert.equal(await a.locator('#screenBtn').isVisible(), true);
      assert.equal(await p.getAttribute('body', 'data-wake-lock'), 'released');
    });

    // Wake lock: held in the call (the real API: headless Chromium grants it).
    await p.waitForFunction(() => document.body.dataset['wakeLock'] === 'held');
    assert.equal(await p.evaluate(() => window.wakeLockLog.requests), 1);

    // Two cameras: the switch button, and the sent track really comes from the other camera.
    assert.equal(await a.locator('#switchCamBtn').isHidden(), true); // one camera there
    const sentCamera = (): Promise<string | undefined> =>
      p.evaluate(
        () =>
          window.zerortc.client.peerConnection
            ?.getSenders()
            .find((s) => s.track?.kind === 'video')
            ?.track?.getSettings().deviceId,
      );
    const cameras = await p.evaluate(async () =>
      (await navigator.mediaDevices.enumerateDevices()).filter((d) => d.kind === 'videoinput').map((d) => d.deviceId),
    );
    assert.equal(cameras.length, 2);
    const first = await sentCamera();
    assert.ok(first && cameras.includes(first));
    await expectMediaFlowing(a);
    await p.click('#switchCamBtn');
    await p.waitForFunction(
      (before) =>
        window.zerortc.client.peerConnection
          ?.getSenders()
          .find((s) => s.track?.kind === 'video')
          ?.track?.getSettings().deviceId !== before,
      first,
    );
    const second = await sentCamera();
    assert.ok(second && cameras.includes(second) && second !== first);
    // The other side keeps receiving frames, now from the other camera.
    await expectMediaFlowing(a);

    // The browser drops the lock when the page goes to the background; back in front, it is taken again.
    await p.evaluate(() => window.wakeLockLog.sentinels.at(-1)?.release());
    await p.waitForFunction(() => document.body.dataset['wakeLock'] === 'released');
    await p.evaluate(() => document.dispatchEvent(new Event('visibilitychange')));
    await p.waitForFunction(() => document.body.dataset['wakeLock'] === 'held');
    assert.equal(await p.evaluate(() => window.wakeLockLog.requests), 2);

    // Leaving releases it.
    await p.click('#leaveBtn');
    await p.waitForFunction(() => document.body.dataset['wakeLock'] === 'released');
    assert.deepEqual(await p.evaluate(() => window.wakeLockLog.sentinels.map((s) => s.released)), [true, true]);
    await hangUp(a, p);
  });

  it('on iOS-like autoplay rules: the remote video plays after a tap on "Tap to start"', async () => {
    const { a, p } = await phoneCall(true);
    const tap = p.locator('#tapToPlay');
    await tap.waitFor({ state: 'visible' });
    assert.equal(await p.evaluate(() => (document.getElementById('remoteVideo') as HTMLVideoElement).paused), true);
    await tap.click();
    await p.waitForFunction(() => {
      const v = document.getElementById('remoteVideo') as HTMLVideoElement;
      return !v.paused && v.currentTime > 0.2;
    });
    assert.equal(await tap.isHidden(), true);
    await hangUp(a, p);
  });

  it('ends the call for both when one leaves', async () => {
    const { a, b } = await call();
    await a.click('#leaveBtn');
    await waitForState(a, 'left');
    await waitForState(b, 'waiting');
    assert.equal(await b.locator('#peerTag').isVisible(), false);
    assert.equal(await b.locator('#shareHint').isVisible(), true);
    await hangUp(a, b);
  });

  it('refuses a third person with a visible "room full"', async () => {
    const { a, b, room } = await call();
    const c = await open(red);
    await joinRoom(c, room);
    await waitForState(c, 'error');
    const status = c.locator('#callStatus');
    assert.equal(await status.getAttribute('data-error'), 'room-full');
    assert.match((await status.textContent()) ?? '', /room is full/i);
    assert.equal(await status.isVisible(), true);
    // The two in the call are undisturbed.
    await expectMediaFlowing(a);
    await hangUp(a, b, c);
  });

  it('takes the seat back after a page reload', async () => {
    const { a, b } = await call();
    const uidBefore = await b.evaluate(() => window.zerortc.client.uid);
    await b.reload();
    await Promise.all([waitForState(a, 'connected'), waitForState(b, 'connected')]);
    assert.equal(await b.evaluate(() => window.zerortc.client.uid), uidBefore);
    assert.equal(await a.evaluate(() => window.zerortc.client.peer?.uid), uidBefore);
    await Promise.all([expectMediaFlowing(a), expectMediaFlowing(b)]);
    await waitForRemoteColor(b, RED);
    await hangUp(a, b);
  });

  it('keeps the call through a signaling server restart', async () => {
    const { a, b } = await call();
    const pcBefore = await a.evaluate(() => window.zerortc.client.uid);
    const port = server.port;
    await server.close();
    // Both pages notice the restart (close 1012) and try to reconnect.
    await Promise.all([waitForState(a, 'reconnecting'), waitForState(b, 'reconnecting')]);
    // Media does not go through the server: it keeps flowing while the server is away.
    await Promise.all([expectMediaFlowing(a), expectMediaFlowing(b)]);
    server = await startServer({ logLevel: 'warn', port }, { webRoot });
    await Promise.all([waitForState(a, 'connected', 30_000), waitForState(b, 'connected', 30_000)]);
    assert.equal(await a.evaluate(() => window.zerortc.client.uid), pcBefore);
    await Promise.all([expectMediaFlowing(a), expectMediaFlowing(b)]);
    // The new server seated both again: the two can still leave and be told.
    await b.click('#leaveBtn');
    await waitForState(a, 'waiting');
    await hangUp(a, b);
  });

  it('connects when both join at the same moment', async () => {
    const room = `room-${++roomCounter}`;
    const a = await open(red);
    const b = await open(blue);
    await Promise.all([a.fill('#roomId', room), b.fill('#roomId', room)]);
    await Promise.all([a.click('#joinBtn'), b.click('#joinBtn')]);
    await Promise.all([waitForState(a, 'connected'), waitForState(b, 'connected')]);
    await Promise.all([expectMediaFlowing(a), expectMediaFlowing(b)]);
    await Promise.all([waitForRemoteColor(a, BLUE), waitForRemoteColor(b, RED)]);
    await hangUp(a, b);
  });
});
