/**
 * Saves screenshots of a connected call, desktop (1280x800) and phone (390x844), to
 * docs/screenshots/. Run: npm run screenshots
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
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

const tmp = tempDir('zerortc-shots-');
const webRoot = await buildPage(join(tmp.path, 'web'));
const server = await startServer({ logLevel: 'warn' }, { webRoot });
// Chromium's own fake camera (a moving test pattern) on both sides.
const [red, blue] = await Promise.all([launchChromium(), launchChromium()]);
try {
  mkdirSync('docs/screenshots', { recursive: true });
  for (const [name, viewport] of [
    ['call-desktop', { width: 1280, height: 800 }],
    ['call-phone', { width: 390, height: 844 }],
  ] as const) {
    const room = `consult-${name}`;
    const a = await openPage(red, server.httpUrl, viewport);
    const b = await openPage(blue, server.httpUrl, viewport);
    await a.fill('#displayName', 'Dr. Lin');
    await b.fill('#displayName', 'Sam');
    await joinRoom(a, room);
    await waitForState(a, 'waiting');
    await joinRoom(b, room);
    await Promise.all([waitForState(a, 'connected'), waitForState(b, 'connected')]);
    await expectMediaFlowing(a);
    await b.fill('#chatInput', 'Hi, can you hear me?');
    await b.press('#chatInput', 'Enter');
    await a.locator('#chatLog li.from-remote').waitFor();
    await a.fill('#chatInput', 'Yes, loud and clear.');
    await a.press('#chatInput', 'Enter');
    await a.evaluate(() => ((document.getElementById('statsPanel') as HTMLDetailsElement).open = true));
    await a.waitForFunction(() => (document.getElementById('stats')?.children.length ?? 0) > 0);
    await a.waitForTimeout(8000); // A few seconds of the bitrate graph.
    await a.evaluate(() => {
      (document.activeElement as HTMLElement | null)?.blur();
      window.scrollTo(0, 0);
    });
    await a.screenshot({ path: `docs/screenshots/${name}.png` });
    await Promise.all([a.context().close(), b.context().close()]);
    console.log(`docs/screenshots/${name}.png`);
  }
} finally {
  await Promise.all([red.close(), blue.close()]);
  await server.close();
  tmp.dispose();
}
