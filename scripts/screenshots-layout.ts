/**
 * Screenshots of every state of the call page at phone, tablet and desktop sizes, for looking at
 * the layout: lobby, pre-call check done, new-call panel, waiting, connected (and with the
 * connection and devices panels open), reconnecting (the
 * server gone), call ended with the report button, room full. Each state is saved as it first
 * shows (`-top`) and scrolled to the end of the page (`-end`), where the control bar (sticky on phones) sits
 * over the last things of the page. Run: npm run screenshots:layout [-- OUT_DIR] (default
 * /tmp/zerortc-layout-shots; the pictures are for looking at, not for the repository).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import {
  buildPage,
  expectMediaFlowing,
  joinRoom,
  launchChromium,
  openPage,
  tempDir,
  waitForState,
} from '../test/helpers/browser.ts';
import { startServer } from '../test/helpers/server.ts';

const out = process.argv[2] ?? '/tmp/zerortc-layout-shots';
const VIEWPORTS = [
  ['phone', { width: 390, height: 844 }],
  ['phone-landscape', { width: 844, height: 390 }],
  ['tablet', { width: 768, height: 1024 }],
  ['laptop', { width: 1280, height: 800 }],
  ['desktop', { width: 1920, height: 1080 }],
] as const;

async function shot(page: Page, name: string): Promise<void> {
  await page.evaluate(() => {
    (document.activeElement as HTMLElement | null)?.blur();
    window.scrollTo(0, 0);
  });
  await page.screenshot({ path: join(out, `${name}-top.png`) });
  await page.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight));
  await page.screenshot({ path: join(out, `${name}-end.png`) });
  console.log(join(out, `${name}-{top,end}.png`));
}

const tmp = tempDir('zerortc-layout-shots-');
const webRoot = await buildPage(join(tmp.path, 'web'));
const [red, blue] = await Promise.all([launchChromium(), launchChromium()]);
mkdirSync(out, { recursive: true });
try {
  for (const [size, viewport] of VIEWPORTS) {
    const server = await startServer({ logLevel: 'warn' }, { webRoot });
    try {
      const room = `layout-${size}`;
      const a = await openPage(red, server.httpUrl, viewport);
      await a.fill('#displayName', 'Dr. Lin');
      await shot(a, `${size}-1-lobby`);
      await a.locator('#netCheck[data-verdict]:not([data-verdict="netChecking"])').waitFor({ timeout: 30_000 });
      await shot(a, `${size}-2-precall`);
      await a.click('#newCallBtn');
      await a.locator('#newCallPanel:not([hidden])').waitFor();
      await shot(a, `${size}-3-new-call`);
      await a.reload();
      await joinRoom(a, room);
      await waitForState(a, 'waiting');
      await shot(a, `${size}-4-waiting`);
      const b = await openPage(blue, server.httpUrl, viewport);
      await b.fill('#displayName', 'Sam');
      await joinRoom(b, room);
      await Promise.all([waitForState(a, 'connected'), waitForState(b, 'connected')]);
      await expectMediaFlowing(a);
      await a.locator('#safetyCode[data-code]:not([data-code=""])').waitFor();
      await b.fill('#chatInput', 'Hi, can you hear me?');
      await b.press('#chatInput', 'Enter');
      await a.locator('#chatLog li.from-remote').waitFor();
      await shot(a, `${size}-5-connected`);
      await a.click('#statsPanel summary');
      await a.click('#devicesPanel summary');
      await a.locator('#stats dt').first().waitFor();
      await shot(a, `${size}-5b-connected-panels-open`);
      const c = await openPage(red, server.httpUrl, viewport);
      await joinRoom(c, room);
      await waitForState(c, 'error');
      await shot(c, `${size}-6-room-full`);
      await c.context().close();
      await b.click('#leaveBtn');
      await waitForState(b, 'left');
      await shot(b, `${size}-7-left-report`);
      await joinRoom(b, room);
      await Promise.all([waitForState(a, 'connected'), waitForState(b, 'connected')]);
      await server.close();
      await waitForState(a, 'reconnecting');
      await shot(a, `${size}-8-reconnecting`);
      await Promise.all([a.context().close(), b.context().close()]);
    } finally {
      await server.close();
    }
  }
} finally {
  await Promise.all([red.close(), blue.close()]);
  tmp.dispose();
}
