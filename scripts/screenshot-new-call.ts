/**
 * Saves a screenshot of the call page after "New call": the link of an unguessable room with its
 * QR code, to docs/screenshots/new-call.png. Run: npm run screenshots:new-call
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { buildPage, launchChromium, openPage, tempDir } from '../test/helpers/browser.ts';
import { startServer } from '../test/helpers/server.ts';

const tmp = tempDir('zerortc-shots-');
const webRoot = await buildPage(join(tmp.path, 'web'));
const server = await startServer({ logLevel: 'warn' }, { webRoot });
const browser = await launchChromium();
try {
  mkdirSync('docs/screenshots', { recursive: true });
  const page = await openPage(browser, server.httpUrl);
  await page.click('#newCallBtn');
  await page.locator('#newCallQr[data-ready="true"]').waitFor();
  await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
  await page.screenshot({ path: 'docs/screenshots/new-call.png' });
  console.log('docs/screenshots/new-call.png');
} finally {
  await browser.close();
  await server.close();
  tmp.dispose();
}
