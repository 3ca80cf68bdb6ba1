/**
 * zerortc-probe (the Node peer) calling ZeroRTC's real call page in Chromium, as an operator
 * checking a deployment does: in both seatings, and through coturn when the server says relay.
 * The probe's report and the page's getStats must both show media arriving.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { openPage } from '../helpers/browser.ts';
import { startCoturn } from '../helpers/coturn.ts';
import {
  callMediaFlowing,
  callState,
  callStats,
  fromPlaywright,
  joinCall,
  type EnginePage,
} from '../helpers/engines.ts';
import { explain, runProbeCli, type ProbeResult } from '../helpers/probe.ts';
import { callPageSuite } from '../helpers/page-suite.ts';
import { startServer, type TestServer } from '../helpers/server.ts';

describe('zerortc-probe calling the call page', () => {
  const suite = callPageSuite('zerortc-probe-page-', { config: { logLevel: 'info' } });

  /** The probe, long enough in the call for the page to count what it sends. */
  const probe = (target: TestServer, room: string): Promise<ProbeResult> =>
    runProbeCli([
      '--loopback',
      '--json',
      '--timeout',
      '20',
      '--media-seconds',
      '4',
      '--uid',
      'probe',
      target.wsUrl,
      room,
    ]);

  const assertReceived = (result: ProbeResult): void => {
    const report = result.report!;
    assert.ok(
      report.media?.received.some((r) => r.kind === 'video' && r.packets > 0 && r.frames > 0),
      'the page camera reached the probe',
    );
    assert.ok(
      report.media?.received.some((r) => r.kind === 'audio' && r.packets > 0),
      'the page microphone reached the probe',
    );
  };

  it('answers the page that was in the room first: media both ways', async () => {
    const page: EnginePage = fromPlaywright(await openPage(suite.browser, suite.server.httpUrl));
    try {
      await joinCall(page, 'page-first');
      await callState(page, 'waiting');
      const running = probe(suite.server, 'page-first');
      await callState(page, 'connected');
      await callMediaFlowing(page);
      const result = await running;
      assert.equal(result.code, 0, explain(result));
      assert.equal(result.report?.peer?.role, 'answerer');
      assertReceived(result);
      assert.ok((result.report?.candidates.received.host ?? 0) > 0, "the page's candidates were understood");
      // The probe left when done: the page is alone again.
      await callState(page, 'waiting');
    } finally {
      await page.close();
    }
  });

  it('calls the page that joins after it: the probe offers, the page answers', async () => {
    const running = probe(suite.server, 'probe-first');
    const page: EnginePage = fromPlaywright(await openPage(suite.browser, suite.server.httpUrl));
    try {
      await waitForLog(
        suite.server,
        (l) => l['msg'] === 'peer joined' && l['uid'] === 'probe' && l['roomId'] === 'probe-first',
      );
      await joinCall(page, 'probe-first');
      await callState(page, 'connected');
      await callMediaFlowing(page);
      const result = await running;
      assert.equal(result.code, 0, explain(result));
      assert.equal(result.report?.peer?.role, 'offerer');
      assertReceived(result);
    } finally {
      await page.close();
    }
  });

  it('goes through coturn end to end when the server says relay', async () => {
    const secret = 'probe-page-secret';
    const coturn = await startCoturn({ secret });
    const relayServer = await startServer(
      { logLevel: 'warn', turnUrls: coturn.urls, turnSecret: secret, iceTransportPolicy: 'relay' },
      { webRoot: suite.webRoot },
    );
    const page: EnginePage = fromPlaywright(await openPage(suite.browser, relayServer.httpUrl));
    try {
      await joinCall(page, 'relay');
      await callState(page, 'waiting');
      const running = probe(relayServer, 'relay');
      await callState(page, 'connected');
      await callMediaFlowing(page);
      assert.equal((await callStats(page))?.path, 'relay', 'the page goes through TURN');
      const result = await running;
      assert.equal(result.code, 0, `${explain(result)}\ncoturn log:\n${coturn.log().slice(-2000)}`);
      assert.equal(result.report?.connection?.local?.type, 'relay');
      assert.equal(result.report?.candidates.gathered.host, 0);
      assertReceived(result);
    } finally {
      await page.close();
      await relayServer.close();
      await coturn.stop();
    }
  });
});

/** Waits until the server logged a line that `match` accepts. */
async function waitForLog(server: TestServer, match: (line: Record<string, unknown>) => boolean): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (!server.logs.some(match)) {
    if (Date.now() > deadline) throw new Error('timed out waiting for the server log line');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
