/**
 * ZeroRTC's call page and the tutorial series' own client (test/fixtures/tutorial-client.html)
 * in one call, in both seatings: the tutorial client already in the room (it offers, the page
 * answers) and the page already in the room (the page offers, the tutorial client answers).
 * Media is checked both ways through getStats, and the tutorial client's own trace shows that
 * the page never made it meet glare.
 */
import assert from 'node:assert/strict';
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { openPage } from '../helpers/browser.ts';
import {
  callMediaFlowing,
  callState,
  fromPlaywright,
  joinCall,
  waitInPage,
  type EnginePage,
} from '../helpers/engines.ts';
import { callPageSuite } from '../helpers/page-suite.ts';
import { tutorialMediaFlowing, tutorialNegotiation } from '../helpers/tutorial-client.ts';

describe('the tutorial client calling the call page', () => {
  const suite = callPageSuite('zerortc-tutorial-', {
    prepare: (webRoot) => copyFileSync('test/fixtures/tutorial-client.html', join(webRoot, 'tutorial-client.html')),
  });
  let roomCounter = 0;

  const openCallPage = async (): Promise<EnginePage> =>
    fromPlaywright(await openPage(suite.browser, suite.server.httpUrl));
  /** The tutorial client, connected to ws://host:port with no path, as the tutorial's is. */
  const openTutorial = async (room: string): Promise<EnginePage> =>
    fromPlaywright(await openPage(suite.browser, `${suite.server.httpUrl}/tutorial-client.html?room=${room}`));
  const tutorialState = (page: EnginePage, state: string): Promise<void> =>
    waitInPage(page, (s) => document.getElementById('state')?.textContent === s, state, `tutorial state ${state}`);

  it('the tutorial client in the room first offers, the page answers: media both ways, no glare', async () => {
    const room = `tut-${++roomCounter}`;
    const tutorial = await openTutorial(room);
    const page = await openCallPage();
    try {
      await tutorial.click('#joinBtn');
      // Seated: the server's acknowledgement `joined` reached it and fell through its switch.
      await waitInPage(tutorial, () => window.seen.includes('joined'), 0, 'joined seen');
      await joinCall(page, room);
      await Promise.all([callState(page, 'connected'), tutorialState(tutorial, 'connected')]);
      await Promise.all([callMediaFlowing(page), tutorialMediaFlowing(tutorial)]);
      const { trace, glare, errors } = await tutorialNegotiation(tutorial);
      // It offered first, on new-peer, and got the page's answer. The page then renegotiates once
      // for its data channel (the tutorial's offer has none), which the tutorial client answers.
      assert.deepEqual(trace, ['sent offer', 'got answer', 'got offer', 'sent answer']);
      assert.equal(glare, 0, trace.join(', '));
      assert.deepEqual(errors, []);
      // The page knows it by the uid it chose.
      assert.equal(
        await page.evaluate(() => window.zerortc.client.peer?.uid, undefined),
        await tutorial.evaluate(() => window.uid, undefined),
      );
      // Its hang-up is seen by the page.
      await tutorial.click('#leaveBtn');
      await callState(page, 'waiting');
    } finally {
      await Promise.all([tutorial.close(), page.close()]);
    }
  });

  it('the page in the room first offers, the tutorial client answers: media both ways, no glare', async () => {
    const room = `tut-${++roomCounter}`;
    const page = await openCallPage();
    const tutorial = await openTutorial(room);
    try {
      await joinCall(page, room);
      await callState(page, 'waiting');
      await tutorial.click('#joinBtn');
      await Promise.all([callState(page, 'connected'), tutorialState(tutorial, 'connected')]);
      await Promise.all([callMediaFlowing(page), tutorialMediaFlowing(tutorial)]);
      const { trace, glare, errors } = await tutorialNegotiation(tutorial);
      // It only answered, as the joiner does in the tutorial.
      assert.deepEqual(trace.slice(0, 2), ['got offer', 'sent answer']);
      assert.ok(!trace.includes('sent offer'), trace.join(', '));
      assert.equal(glare, 0);
      assert.deepEqual(errors, []);
      // The page hangs up: the tutorial client hears peer-leave.
      await page.click('#leaveBtn');
      await tutorialState(tutorial, 'peer-left');
    } finally {
      await Promise.all([tutorial.close(), page.close()]);
    }
  });
});
