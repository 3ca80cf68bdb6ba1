/**
 * The call page's layout as a person sees it, on a phone (390x844, and 844x390 in the lobby) and a
 * laptop (1280x800): the buttons of the control bar, the Download report button and the state line
 * are inside the window and nothing lies over them (`document.elementFromPoint` at each one's
 * centre and four points around it hits it), also after scrolling each one into view the way a
 * browser does when the focus moves there (`block: 'nearest'`); in a call with the connection and
 * devices panels open, the self view is in view and off the control bar and no card of the side
 * column is squeezed; on the laptop the state line stays in view with the side column scrolled
 * down; a screen the other person shares shows whole on the phone; after hanging up on the phone,
 * the state line and the report button show without scrolling, wherever the person had scrolled to.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { joinRoom, openPage, waitForState } from '../helpers/browser.ts';
import { callPageSuite } from '../helpers/page-suite.ts';

const PHONE = { width: 390, height: 844 };
const PHONE_LANDSCAPE = { width: 844, height: 390 };
const LAPTOP = { width: 1280, height: 800 };
const BAR = ['#micBtn', '#camBtn', '#screenBtn', '#copyLinkBtn', '#leaveBtn'];

/**
 * What is wrong with each of `selectors` where a person looks for it: hidden, outside the window,
 * or under another element. With `scroll`, each is first scrolled into view as focus does it.
 */
function problems(page: Page, selectors: string[], scroll: boolean): Promise<string[]> {
  return page.evaluate(
    ({ selectors, scroll }) => {
      const found: string[] = [];
      for (const selector of selectors) {
        const el = document.querySelector<HTMLElement>(selector);
        if (!el || el.offsetParent === null) {
          found.push(`${selector} is not shown`);
          continue;
        }
        if (scroll) el.scrollIntoView({ block: 'nearest', inline: 'nearest' });
        const r = el.getBoundingClientRect();
        // A pixel of slack: layout in fractions of a pixel puts an edge at 844.2 of 844.
        if (r.top < -1 || r.left < -1 || r.bottom > innerHeight + 1 || r.right > innerWidth + 1) {
          found.push(
            `${selector} is outside the window: ${Math.round(r.top)}..${Math.round(r.bottom)} of ${innerHeight}`,
          );
          continue;
        }
        // The centre, and four points around it (a bar over half a button hides it too).
        const points = [
          [0.5, 0.5],
          [0.25, 0.25],
          [0.75, 0.25],
          [0.25, 0.75],
          [0.75, 0.75],
        ].map(([x = 0, y = 0]) => document.elementFromPoint(r.left + r.width * x, r.top + r.height * y));
        const hit = points.find((point) => !point || !el.contains(point));
        if (hit !== undefined) {
          // The element a person would name: the nearest one with an id, or the region it is in.
          // (No helper function in here: tsx's __name() would not exist in the page.)
          const over = hit?.closest('[id], nav, section, aside, main') ?? hit;
          found.push(`${selector} is covered by ${over ? over.id || over.tagName.toLowerCase() : 'nothing'}`);
        }
      }
      return found;
    },
    { selectors, scroll },
  );
}

/** Where the self view is wrong: outside the window at the top of the page, or over the control bar. */
function selfViewProblems(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    window.scrollTo(0, 0);
    const self = document.querySelector('.local')?.getBoundingClientRect();
    const bar = document.querySelector('.controls')?.getBoundingClientRect();
    if (!self || !bar || self.width === 0) return ['the self view is not shown'];
    const found: string[] = [];
    if (self.top < 0 || self.bottom > innerHeight) {
      found.push(`the self view is outside the window: ${Math.round(self.top)}..${Math.round(self.bottom)}`);
    }
    const overlapX = Math.min(self.right, bar.right) - Math.max(self.left, bar.left);
    const overlapY = Math.min(self.bottom, bar.bottom) - Math.max(self.top, bar.top);
    if (overlapX > 0 && overlapY > 0) found.push(`the self view covers the control bar (${overlapX}x${overlapY} px)`);
    return found;
  });
}

/** The cards of the side column (and the chat log) whose content does not fit them: squeezed. */
function cutCards(page: Page): Promise<string[]> {
  return page.evaluate(() =>
    [...document.querySelectorAll<HTMLElement>('.side > *, #chatLog')]
      .filter((card) => card.offsetParent !== null && card.scrollHeight > card.clientHeight + 1)
      .map((card) => `#${card.id} shows ${card.clientHeight} of ${card.scrollHeight} px`),
  );
}

/** How much of the remote picture the stage cuts off (object-fit cover), or '' when all shows. */
function croppedRemote(page: Page): Promise<string> {
  return page.evaluate(() => {
    const video = document.getElementById('remoteVideo') as HTMLVideoElement;
    const fit = getComputedStyle(video).objectFit;
    const scaleX = video.clientWidth / video.videoWidth;
    const scaleY = video.clientHeight / video.videoHeight;
    const scale = fit === 'cover' ? Math.max(scaleX, scaleY) : Math.min(scaleX, scaleY);
    const shown = Math.min(
      video.clientWidth / (video.videoWidth * scale),
      video.clientHeight / (video.videoHeight * scale),
    );
    return shown < 0.99 ? `only ${Math.round(shown * 100)} % of the picture shows (object-fit: ${fit})` : '';
  });
}

describe('layout of the call page', () => {
  const suite = callPageSuite('zerortc-layout-');
  const open = (viewport?: { width: number; height: number }): Promise<Page> =>
    openPage(suite.browser, suite.server.httpUrl, viewport);

  it('keeps the join button, the state line and the control bar uncovered in the lobby', async () => {
    for (const viewport of [PHONE, PHONE_LANDSCAPE, LAPTOP]) {
      const page = await open(viewport);
      const size = `${viewport.width}x${viewport.height}`;
      assert.deepEqual(await problems(page, BAR, false), [], `${size}, lobby, as the page opens`);
      assert.deepEqual(await problems(page, ['#joinBtn', '#callStatus'], true), [], `${size}, lobby, scrolled to`);
      await page.context().close();
    }
  });

  it('keeps the controls in view and uncovered during and after a call, on a laptop and a phone', async () => {
    // One call, the window resized (what the layout answers to), rather than a call per size.
    const a = await open(LAPTOP);
    const b = await open(LAPTOP);
    await joinRoom(a, 'layout');
    await waitForState(a, 'waiting');
    await joinRoom(b, 'layout');
    await Promise.all([waitForState(a, 'connected'), waitForState(b, 'connected')]);
    // The side column at its longest: two chat lines, both panels open, their rows drawn.
    for (const line of ['Hi, can you hear me?', 'And see me?']) {
      await b.fill('#chatInput', line);
      await b.press('#chatInput', 'Enter');
    }
    await a.locator('#chatLog li:nth-child(2)').waitFor();
    await a.click('#statsPanel summary');
    await a.click('#devicesPanel summary');
    await a.locator('#stats dt').first().waitFor();
    for (const viewport of [LAPTOP, PHONE]) {
      const size = `${viewport.width}x${viewport.height}`;
      await a.setViewportSize(viewport);
      assert.deepEqual(await selfViewProblems(a), [], `${size}, in a call`);
      assert.deepEqual(await cutCards(a), [], `${size}, in a call, side column`);
      assert.deepEqual(await problems(a, BAR, false), [], `${size}, in a call, control bar`);
      assert.deepEqual(await problems(a, ['#callStatus', '#reportBtn'], true), [], `${size}, in a call, scrolled to`);
      if (viewport === LAPTOP) {
        // With the side column scrolled down to the devices, the state line still shows.
        await a.focus('#camSelect');
        assert.deepEqual(await problems(a, ['#callStatus'], false), [], `${size}, in a call, side column scrolled`);
      }
    }
    // The other person shares a screen: the phone shows all of it, not its middle.
    await b.click('#screenBtn');
    await a.locator('#peerStatus[data-screen="on"]').waitFor();
    await a.waitForFunction(() => (document.getElementById('remoteVideo') as HTMLVideoElement).videoWidth > 0);
    assert.equal(await croppedRemote(a), '', '390x844, the other person sharing a screen');
    // On the phone, hang up from further down the page, where the chat is.
    await a.focus('#chatInput');
    await a.click('#leaveBtn');
    await waitForState(a, 'left');
    await a.evaluate(() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done))));
    assert.deepEqual(await problems(a, ['#callStatus', '#reportBtn'], false), [], '390x844, after the call');
    assert.deepEqual(await problems(a, [...BAR, '#reportBtn'], true), [], '390x844, after the call, scrolled to');
    await Promise.all([a.context().close(), b.context().close()]);
  });
});
