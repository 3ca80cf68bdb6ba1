/**
 * Screenshots of the phone features to docs/screenshots/: a call on a phone-sized page of a
 * two-camera Chromium with the Switch camera button (no Share screen: the phone init script
 * removes getDisplayMedia), and the "Tap to start audio and video" button shown when the browser
 * refuses to play the other person's video (iOS autoplay rules, played by the same init script as
 * the browser test). Run: npm run screenshots:phone
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { buildPage, joinRoom, launchChromium, openPage, tempDir, waitForState } from '../test/helpers/browser.ts';
import { launchPhone, phoneContext } from '../test/helpers/phone.ts';
import { startServer } from '../test/helpers/server.ts';

const tmp = tempDir('zerortc-phone-shots-');
const webRoot = await buildPage(join(tmp.path, 'web'));
const server = await startServer({ logLevel: 'warn' }, { webRoot });
const [desk, phone] = await Promise.all([launchChromium(), launchPhone()]);

async function phonePage(refuseAutoplay: boolean, room: string): Promise<Page> {
  const other = await openPage(desk, server.httpUrl);
  const context = await phoneContext(phone, refuseAutoplay);
  const page = await context.newPage();
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto(server.httpUrl, { timeout: 60_000 });
  await joinRoom(other, room);
  await waitForState(other, 'waiting');
  await joinRoom(page, room);
  await Promise.all([waitForState(other, 'connected'), waitForState(page, 'connected')]);
  return page;
}

try {
  mkdirSync('docs/screenshots', { recursive: true });
  const p = await phonePage(false, 'phone-switch');
  await p.locator('#switchCamBtn').waitFor({ state: 'visible' });
  await p.waitForTimeout(2500);
  await p.screenshot({ path: 'docs/screenshots/phone-switch-camera.png' });
  console.log('docs/screenshots/phone-switch-camera.png');
  await p.context().close();
  const q = await phonePage(true, 'phone-tap');
  await q.locator('#tapToPlay').waitFor({ state: 'visible' });
  await q.screenshot({ path: 'docs/screenshots/phone-tap-to-play.png' });
  console.log('docs/screenshots/phone-tap-to-play.png');
} finally {
  await Promise.all([desk.close(), phone.close()]);
  await server.close();
  tmp.dispose();
}
