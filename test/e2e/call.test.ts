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
import { startServer, type TestServer } from '../helpers/server.ts';

const RED = 0;
const BLUE = 2;

describe('call page', () => {
  const tmp = tempDir('zerortc-e2e-');
  let webRoot: string;
  let server: TestServer;
  let red: Browser;
  let blue: Browser;
  let roomCounter = 0;
  const pages: Page[] = [];

  before(async () => {
    webRoot = await buildPage(join(tmp.path, 'web'));
    server = await startServer({ logLevel: 'warn' }, { webRoot });
    [red, blue] = await Promise.all([
      launchChromium(writeColorVideo(join(tmp.path, 'red.y4m'), [220, 30, 30])),
      launchChromium(writeColorVideo(join(tmp.path, 'blue.y4m'), [30, 30, 220])),
    ]);
  });

  after(async () => {
    await Promise.all([red?.close(), blue?.close()]);
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
});
