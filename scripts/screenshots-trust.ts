/**
 * Screenshots of the trust features to docs/screenshots/: the pre-call check, a connected call
 * with the safety code and the status badge (one side verified), and the same in Chinese
 * (zh-CN, with Debian's fonts-noto-cjk). Uses a real coturn so the network test has a relay to
 * find. Run: npm run screenshots:trust
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { buildPage, joinRoom, launchChromium, tempDir, waitForState } from '../test/helpers/browser.ts';
import { startCoturn } from '../test/helpers/coturn.ts';
import { startServer } from '../test/helpers/server.ts';

const SECRET = 'screenshots-secret';
const tmp = tempDir('zerortc-trust-shots-');
const coturn = await startCoturn({ secret: SECRET });
const webRoot = await buildPage(join(tmp.path, 'web'));
const server = await startServer(
  { logLevel: 'warn', turnUrls: coturn.urls, turnSecret: SECRET, stunUrls: [`stun:127.0.0.1:${coturn.port}`] },
  { webRoot },
);
const [one, two] = await Promise.all([launchChromium(), launchChromium()]);

async function open(browser: Browser, locale: string): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale });
  const page = await context.newPage();
  await page.goto(server.httpUrl);
  return page;
}

async function shot(page: Page, name: string): Promise<void> {
  await page.evaluate(() => {
    (document.activeElement as HTMLElement | null)?.blur();
    window.scrollTo(0, 0);
  });
  await page.screenshot({ path: `docs/screenshots/${name}.png` });
  console.log(`docs/screenshots/${name}.png`);
}

try {
  mkdirSync('docs/screenshots', { recursive: true });
  for (const locale of ['en-US', 'zh-CN']) {
    const suffix = locale === 'zh-CN' ? '-zh' : '';
    const a = await open(one, locale);
    await a.fill('#displayName', 'Dr. Lin');
    await a.fill('#roomId', `consult${suffix}`);
    await a.click('#roomId');
    await a.locator('#netCheck[data-verdict]:not([data-verdict="netChecking"])').waitFor({ timeout: 30_000 });
    // Tall enough for the whole check; a moment when the fake microphone beeps shows the meter.
    await a.setViewportSize({ width: 1280, height: 1180 });
    await a.waitForFunction(() => (document.getElementById('micLevel') as HTMLMeterElement).value > 0.1, null, {
      polling: 20,
    });
    await shot(a, `precall${suffix}`);
    await a.setViewportSize({ width: 1280, height: 900 });
    const b = await open(two, locale);
    await b.fill('#displayName', 'Sam');
    await a.click('#joinBtn');
    await waitForState(a, 'waiting');
    await joinRoom(b, `consult${suffix}`);
    await Promise.all([waitForState(a, 'connected'), waitForState(b, 'connected')]);
    await a.locator('#safetyCode[data-code]:not([data-code=""])').waitFor();
    await a.click('#safetyMatchBtn');
    await a.locator('#privacyBadge[data-verified="true"]').waitFor();
    await a.evaluate(() => ((document.getElementById('statsPanel') as HTMLDetailsElement).open = true));
    await a.waitForTimeout(4000);
    await shot(a, `safety-status${suffix}`);
    if (!suffix) {
      await a.locator('.topbar').screenshot({ path: 'docs/screenshots/status-badge.png' });
      console.log('docs/screenshots/status-badge.png');
    }
    await Promise.all([a.context().close(), b.context().close()]);
  }
} finally {
  await Promise.all([one.close(), two.close()]);
  await server.close();
  await coturn.stop();
  tmp.dispose();
}
