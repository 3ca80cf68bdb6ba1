/**
 * Invited calls in the browser, under the page's Content-Security-Policy: the two links of
 * `zerortc invite` make a call; a third browser with one of those links, or with no token, is
 * refused in words; "New call" shows a link and a QR code that decodes to that link.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import jsqr from 'jsqr';
import type { Browser, Page } from 'playwright-core';
import { runInvite } from '../../src/server/invite.ts';
import { pickStrings } from '../../src/web/i18n.ts';
import { buildPage, expectMediaFlowing, launchChromium, tempDir, waitForState } from '../helpers/browser.ts';
import { startServer, type TestServer } from '../helpers/server.ts';

const SECRET = randomBytes(32).toString('hex');
/** jsqr is CommonJS: its function is the module and, for bundlers, its `default` too. */
const jsQR = jsqr.default;
const en = pickStrings(['en']).strings;
const zh = pickStrings(['zh-CN']).strings;

/** The links `zerortc invite` prints for `room`. */
async function inviteLinks(server: TestServer, room: string): Promise<string[]> {
  let out = '';
  const code = await runInvite(
    ['--room', room, '--ttl', '1h', '--base-url', server.httpUrl, '--auth-secret', SECRET],
    {},
    (text) => (out += text),
    (text) => assert.fail(text),
  );
  assert.equal(code, 0);
  return out.match(/http:\/\/\S+/g) ?? [];
}

describe('invited calls in the browser', () => {
  const tmp = tempDir('zerortc-e2e-auth-');
  let server: TestServer;
  let browser: Browser;
  /** Content-Security-Policy violations seen on any page. */
  const violations: string[] = [];

  before(async () => {
    const webRoot = await buildPage(join(tmp.path, 'web'));
    server = await startServer({ logLevel: 'warn', authSecret: SECRET }, { webRoot });
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await server?.close();
    tmp.dispose();
  });

  async function open(url: string, locale = 'en-US'): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale });
    const page = await context.newPage();
    page.on('console', (m) => {
      if (/Content Security Policy/i.test(m.text())) violations.push(m.text());
    });
    const response = await page.goto(url);
    assert.match(response?.headers()['content-security-policy'] ?? '', /script-src 'self'; style-src 'self'/);
    return page;
  }

  async function expectRefused(page: Page, code: string, reason: string | undefined, words: string): Promise<void> {
    await page.click('#joinBtn');
    await waitForState(page, 'error');
    const status = page.locator('#callStatus');
    assert.equal(await status.getAttribute('data-error'), code);
    assert.equal((await status.getAttribute('data-reason')) ?? undefined, reason);
    assert.equal(await status.textContent(), words);
    assert.equal(await status.isVisible(), true);
  }

  it('connects a call from the two invite links; a third with one of them or with none is refused in words', async () => {
    const room = 'consult-7';
    const [first, second] = await inviteLinks(server, room);
    assert.ok(first && second);
    const a = await open(first);
    const b = await open(second);
    assert.equal(await a.inputValue('#roomId'), room, 'the link fills in the room');
    await a.click('#joinBtn');
    await waitForState(a, 'waiting');
    await b.click('#joinBtn');
    await Promise.all([waitForState(a, 'connected'), waitForState(b, 'connected')]);
    await Promise.all([expectMediaFlowing(a), expectMediaFlowing(b)]);
    // Each joined as its link's own seat.
    const uids = await Promise.all([a, b].map((p) => p.evaluate(() => window.zerortc.client.uid)));
    assert.ok(uids.every((uid) => uid?.startsWith('guest-')) && uids[0] !== uids[1]);

    const thief = await open(first);
    await expectRefused(thief, 'unauthorized', 'seat-taken', en.authReasons['seat-taken']);
    // No token, and a person whose browser speaks Chinese: the words are Chinese.
    const stranger = await open(`${server.httpUrl}/?room=${room}`, 'zh-CN');
    await expectRefused(stranger, 'unauthorized', 'no-token', zh.authReasons['no-token']);
    // The call itself went on.
    assert.equal(await a.getAttribute('#callStatus', 'data-state'), 'connected');
    await Promise.all([a, b, thief, stranger].map((p) => p.context().close()));
    assert.deepEqual(violations, []);
  });

  it('"New call" makes an unguessable room and shows its link with a QR code that scans to it', async () => {
    const page = await open(server.httpUrl);
    await page.click('#newCallBtn');
    await page.locator('#newCallQr[data-ready="true"]').waitFor();
    const link = await page.inputValue('#newCallLink');
    const room = new URL(link).searchParams.get('room') ?? '';
    assert.match(room, /^[\w-]{22}$/, '128 random bits, base64url');
    assert.equal(await page.inputValue('#roomId'), room);
    const image = await page.evaluate(() => {
      const canvas = document.getElementById('newCallQr') as HTMLCanvasElement;
      const data = canvas.getContext('2d')?.getImageData(0, 0, canvas.width, canvas.height);
      return { width: canvas.width, height: canvas.height, pixels: Array.from(data?.data ?? []) };
    });
    const decoded = jsQR(Uint8ClampedArray.from(image.pixels), image.width, image.height);
    assert.equal(decoded?.data, link);
    // A second click makes another room; typing a name of one's own hides the generated link.
    await page.click('#newCallBtn');
    assert.notEqual(await page.inputValue('#roomId'), room);
    await page.fill('#roomId', 'my-own-room');
    assert.equal(await page.isVisible('#newCallPanel'), false);
    await page.context().close();
    assert.deepEqual(violations, []);
  });
});
