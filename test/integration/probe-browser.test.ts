import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { CHROMIUM_ARGS } from '../helpers/browser.ts';
import { withTimeout } from '../helpers/client.ts';
import { startCoturn } from '../helpers/coturn.ts';
import { explain, runProbeCli, type ProbeResult } from '../helpers/probe.ts';
import { startServer, type TestServer } from '../helpers/server.ts';

interface Inbound {
  video: { packets: number; framesDecoded: number } | null;
  audio: { packets: number; framesDecoded: number } | null;
}

/** Polls `check` until it returns true (an event the page has no callback for). */
async function until(check: () => Promise<boolean>, ms: number, what: string): Promise<void> {
  await withTimeout(
    (async () => {
      while (!(await check())) await new Promise((resolve) => setTimeout(resolve, 100));
    })(),
    ms,
    what,
  );
}

describe('zerortc-probe calling Chromium', () => {
  let server: TestServer;
  let fixtures: Server;
  let fixtureUrl: string;
  let browser: Browser;

  before(async () => {
    server = await startServer();
    const html = await readFile(new URL('../fixtures/plain-call.html', import.meta.url));
    fixtures = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end(html));
    await new Promise<void>((resolve) => fixtures.listen(0, '127.0.0.1', resolve));
    const address = fixtures.address();
    fixtureUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/plain-call.html`;
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS, headless: true });
  });
  after(async () => {
    await browser.close();
    await new Promise((resolve) => fixtures.close(resolve));
    await server.close();
  });

  const openPage = async (room: string, wsUrl = server.wsUrl): Promise<Page> => {
    const page = await browser.newPage();
    const query = new URLSearchParams({ ws: wsUrl, room, uid: 'browser' });
    await page.goto(`${fixtureUrl}?${query.toString()}`);
    return page;
  };
  /** The probe as an operator runs it, on loopback, reporting as JSON. */
  const probeCall = (wsUrl: string, room: string): Promise<ProbeResult> =>
    runProbeCli(['--loopback', '--json', '--timeout', '20', '--uid', 'probe', wsUrl, room]);
  const decodedFrames = async (page: Page): Promise<number> =>
    (await page.evaluate<Inbound>('window.inbound()')).video?.framesDecoded ?? 0;

  it('answers a browser that was in the room first: media both ways, the browser decodes the clip', async () => {
    const page = await openPage('browser-first');
    try {
      await until(async () => await page.evaluate<boolean>('window.joined === true'), 10_000, 'browser joined');
      const probe = probeCall(server.wsUrl, 'browser-first');
      await until(async () => (await decodedFrames(page)) > 0, 20_000, 'browser decoding the probe video');
      const result = await probe;
      assert.equal(result.code, 0, explain(result));
      const report = result.report!;
      assert.equal(report.peer?.role, 'answerer');
      assert.ok(report.candidates.received.host > 0, 'tutorial-shaped candidates understood');
      assert.ok(report.media?.received.some((r) => r.kind === 'video' && r.packets > 0 && r.frames > 0));
      assert.ok(report.media?.received.some((r) => r.kind === 'audio' && r.packets > 0));
      assert.equal(report.dataChannel?.echoed, true, 'the page echoes pings over its channel');
    } finally {
      await page.close();
    }
  });

  it('calls a browser that joins after it: the probe offers, the browser answers', async () => {
    const probe = probeCall(server.wsUrl, 'probe-first');
    await until(
      () =>
        Promise.resolve(
          server.logs.some((l) => l['msg'] === 'peer joined' && l['uid'] === 'probe' && l['roomId'] === 'probe-first'),
        ),
      10_000,
      'probe joined',
    );
    const page = await openPage('probe-first');
    try {
      await until(async () => (await decodedFrames(page)) > 0, 20_000, 'browser decoding the probe video');
      const result = await probe;
      assert.equal(result.code, 0, explain(result));
      const report = result.report!;
      assert.equal(report.peer?.role, 'offerer');
      assert.ok(report.media?.received.some((r) => r.kind === 'video' && r.packets > 0));
      assert.equal(report.dataChannel?.state, 'open');
      assert.equal(report.dataChannel?.echoed, true);
    } finally {
      await page.close();
    }
  });

  it('reaches a browser through coturn when the server says relay', async () => {
    const secret = 'probe-browser-secret';
    const coturn = await startCoturn({ secret });
    const relayServer = await startServer({ turnUrls: coturn.urls, turnSecret: secret, iceTransportPolicy: 'relay' });
    const page = await openPage('relay-browser', relayServer.wsUrl);
    try {
      await until(async () => await page.evaluate<boolean>('window.joined === true'), 10_000, 'browser joined');
      const result = await probeCall(relayServer.wsUrl, 'relay-browser');
      assert.equal(result.code, 0, `${explain(result)}\ncoturn log:\n${coturn.log().slice(-2000)}`);
      const report = result.report!;
      assert.equal(report.connection?.local?.type, 'relay');
      assert.equal(report.candidates.gathered.host, 0);
      assert.ok(
        report.media?.received.some((r) => r.kind === 'video' && r.packets > 0),
        'browser video via TURN',
      );
      assert.ok((await decodedFrames(page)) > 0, 'the browser decoded the probe video relayed by TURN');
    } finally {
      await page.close();
      await relayServer.close();
      await coturn.stop();
    }
  });
});
