/**
 * Accessibility of the call page: an axe-core audit (@axe-core/playwright) of each state (idle
 * with the pre-call check, in a call with the safety code, each panel open, an error) finds no
 * serious or critical violation; the page works from the keyboard with a visible focus; the
 * state line is a live region; every button has a name in English and in Chinese.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AxeBuilder } from '@axe-core/playwright';
import type { Page } from 'playwright-core';
import { joinRoom, openPage, waitForState } from '../helpers/browser.ts';
import { callPageSuite } from '../helpers/page-suite.ts';

/** Serious and critical violations, as "rule: selector" lines. */
async function audit(page: Page, what: string): Promise<void> {
  const { violations } = await new AxeBuilder({ page }).analyze();
  const bad = violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .flatMap((v) => v.nodes.map((n) => `${v.id} (${v.impact}): ${n.target.join(' ')}`));
  assert.deepEqual(bad, [], `${what}: axe found ${bad.length} serious/critical violation(s)`);
}

/** The accessible names of the visible buttons. */
async function buttonNames(page: Page): Promise<string[]> {
  const names: string[] = [];
  for (const button of await page.getByRole('button').all()) {
    if (!(await button.isVisible())) continue;
    names.push((await button.textContent())?.trim() || ((await button.getAttribute('aria-label')) ?? ''));
  }
  return names;
}

describe('accessibility of the call page', () => {
  const suite = callPageSuite('zerortc-a11y-');

  it('has no serious or critical axe violation in any state or panel', async () => {
    const a = await openPage(suite.browser, suite.server.httpUrl);
    await a.locator('#netCheck[data-verdict]').waitFor({ state: 'attached' });
    await audit(a, 'idle, pre-call check');
    await joinRoom(a, 'a11y-room');
    await waitForState(a, 'waiting');
    await audit(a, 'waiting');
    const b = await openPage(suite.browser, suite.server.httpUrl);
    await joinRoom(b, 'a11y-room');
    await Promise.all([waitForState(a, 'connected'), waitForState(b, 'connected')]);
    await a.locator('#safetyCode[data-code]:not([data-code=""])').waitFor();
    // One audit of the fullest call page: safety code confirmed, every panel open.
    await a.click('#safetyMatchBtn');
    await a.click('#statsPanel summary');
    await a.click('#devicesPanel summary');
    await a.locator('#stats dt').first().waitFor();
    await a.locator('#safetyVerified').waitFor();
    await audit(a, 'connected, safety code verified, connection and devices panels open');
    // A third person: the room is full.
    const c = await openPage(suite.browser, suite.server.httpUrl);
    await joinRoom(c, 'a11y-room');
    await waitForState(c, 'error');
    await audit(c, 'error (room full)');
    await a.click('#leaveBtn');
    await waitForState(a, 'left');
    await Promise.all([a.context().close(), b.context().close(), c.context().close()]);
  });

  it('works from the keyboard with a visible focus, and announces the state', async () => {
    const page = await openPage(suite.browser, suite.server.httpUrl);
    assert.equal(await page.getAttribute('#callStatus', 'role'), 'status');
    const reached: string[] = [];
    for (let i = 0; i < 12; i++) {
      await page.keyboard.press('Tab');
      const focus = await page.evaluate(() => {
        const el = document.activeElement as HTMLElement | null;
        const style = el ? getComputedStyle(el) : undefined;
        return { id: el?.id ?? '', outline: style ? `${style.outlineStyle} ${style.outlineWidth}` : '' };
      });
      if (focus.id) reached.push(focus.id);
      if (focus.id === 'roomId' || focus.id === 'joinBtn') {
        assert.notEqual(focus.outline.split(' ')[0], 'none', `#${focus.id} shows where the focus is`);
      }
    }
    for (const id of ['roomId', 'displayName', 'joinBtn', 'precallMic', 'precallCam']) {
      assert.ok(reached.includes(id), `Tab reaches #${id} (reached: ${reached.join(', ')})`);
    }
    await page.focus('#roomId');
    await page.keyboard.type('a11y-keys');
    await page.keyboard.press('Enter');
    await waitForState(page, 'waiting');
    await page.focus('#micBtn');
    await page.keyboard.press('Space');
    await page.locator('#micBtn[aria-pressed="false"]').waitFor();
    await page.focus('#leaveBtn');
    await page.keyboard.press('Enter');
    await waitForState(page, 'left');
    await page.context().close();
  });

  it('names every button in English and in Chinese', async () => {
    const en = await openPage(suite.browser, suite.server.httpUrl);
    const zhContext = await suite.browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'zh-CN' });
    const zh = await zhContext.newPage();
    await zh.goto(suite.server.httpUrl);
    for (const [page, pattern] of [
      [en, /^[A-Za-z][A-Za-z ]+$/],
      [zh, /[\u4e00-\u9fff]/],
    ] as const) {
      const names = await buttonNames(page);
      assert.ok(names.length >= 5, names.join(', '));
      for (const name of names) assert.match(name, pattern, `button "${name}"`);
    }
    assert.equal(await zh.getAttribute('html', 'lang'), 'zh-CN');
    await Promise.all([en.context().close(), zhContext.close()]);
  });
});
