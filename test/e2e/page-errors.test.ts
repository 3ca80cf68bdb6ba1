/**
 * The errors a person meets before a call starts, shown on the page in words with the code of
 * SPEC §4 in `#callStatus[data-error]`: camera refused, server unreachable, room full, origin refused.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { buildPage, CHROMIUM, CHROMIUM_ARGS, joinRoom, launchChromium, openPage, tempDir } from '../helpers/browser.ts';
import { joinRoom as joinWs } from '../helpers/client.ts';
import { startServer, type TestServer } from '../helpers/server.ts';

async function shownError(page: Page, code: string): Promise<string> {
  await page.waitForSelector(`#callStatus[data-state="error"][data-error="${code}"]`, { timeout: 20_000 });
  return (await page.textContent('#callStatus')) ?? '';
}

describe('errors on the call page', () => {
  const tmp = tempDir('zerortc-e2e-errors-');
  let server: TestServer;
  let browser: Browser;
  let refusing: Browser;

  before(async () => {
    const webRoot = await buildPage(join(tmp.path, 'web'));
    server = await startServer({ logLevel: 'warn' }, { webRoot });
    browser = await launchChromium();
    // Without the flag that accepts the permission prompt, headless Chromium refuses the camera,
    // as a person who clicks "Block" does.
    refusing = await chromium.launch({
      executablePath: CHROMIUM,
      args: CHROMIUM_ARGS.filter((arg) => arg !== '--use-fake-ui-for-media-stream'),
      headless: true,
    });
  });
  after(async () => {
    await Promise.all([browser?.close(), refusing?.close()]);
    await server?.close();
    tmp.dispose();
  });

  it('says that the camera and microphone were blocked (media-denied)', async () => {
    const page = await openPage(refusing, server.httpUrl);
    await joinRoom(page, 'blocked');
    assert.match(await shownError(page, 'media-denied'), /blocked/i);
    assert.equal(await page.isEnabled('#joinBtn'), true, 'the person can try again');
    await page.context().close();
  });

  it('says that the room is full (room-full)', async () => {
    const { client: a } = await joinWs(server.wsUrl, 'full-room', 'a');
    const { client: b } = await joinWs(server.wsUrl, 'full-room', 'b');
    const page = await openPage(browser, `${server.httpUrl}/?room=full-room`);
    assert.equal(await page.inputValue('#roomId'), 'full-room', '/?room= fills in the room');
    await page.click('#joinBtn');
    assert.match(await shownError(page, 'room-full'), /full/i);
    await page.context().close();
    await Promise.all([a.close(), b.close()]);
  });

  it('says that the server cannot be reached (server-unreachable)', async () => {
    const lonely = await startServer({ logLevel: 'warn' }, { webRoot: join(tmp.path, 'web') });
    const page = await openPage(browser, lonely.httpUrl);
    await lonely.close();
    await joinRoom(page, 'nobody-home');
    assert.match(await shownError(page, 'server-unreachable'), /cannot be reached/i);
    await page.context().close();
  });

  it('says that this page may not use the server (unauthorized)', async () => {
    const strict = await startServer(
      { logLevel: 'warn', allowedOrigins: ['https://calls.example'] },
      { webRoot: join(tmp.path, 'web') },
    );
    const page = await openPage(browser, strict.httpUrl);
    await joinRoom(page, 'elsewhere');
    assert.match(await shownError(page, 'unauthorized'), /not allowed/i);
    await page.context().close();
    await strict.close();
  });
});
