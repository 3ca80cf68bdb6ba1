/**
 * The call page through a real coturn (Debian's turnserver on 127.0.0.1), driven as a person
 * would: a relay-only call connects through TURN on both sides, and a TURN server that refuses
 * us or does not answer ends in a visible error instead of a call that never connects.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import {
  buildPage,
  expectMediaFlowing,
  joinRoom,
  launchChromium,
  openPage,
  tempDir,
  waitForState,
} from '../helpers/browser.ts';
import { freePort, startCoturn, type Coturn } from '../helpers/coturn.ts';
import { startServer, type TestServer } from '../helpers/server.ts';

const SECRET = 'e2e-turn-secret';
/** The shortest lifetime the server accepts: the client must refresh within it. */
const TTL = 60;

/** Candidate types of the pair ICE selected, read from the page's peer connection. */
function selectedPair(page: Page): Promise<{ local: unknown; remote: unknown }> {
  return page.evaluate(async () => {
    const pc = window.zerortc.client.peerConnection;
    if (!pc) return { local: undefined, remote: undefined };
    const stats = new Map<string, Record<string, unknown>>();
    (await pc.getStats()).forEach((s: Record<string, unknown>) => stats.set(String(s['id']), s));
    const transport = [...stats.values()].find((s) => s['type'] === 'transport');
    const pair = stats.get(String(transport?.['selectedCandidatePairId']));
    return {
      local: stats.get(String(pair?.['localCandidateId']))?.['candidateType'],
      remote: stats.get(String(pair?.['remoteCandidateId']))?.['candidateType'],
    };
  });
}

/** The ICE configuration the page's peer connection runs with (no credential). */
function peerConfiguration(page: Page): Promise<{ policy: unknown; urls: string[]; username: unknown }> {
  return page.evaluate(() => {
    const config = window.zerortc.client.peerConnection?.getConfiguration();
    const servers = config?.iceServers ?? [];
    return {
      policy: config?.iceTransportPolicy,
      urls: servers.flatMap((s) => (typeof s.urls === 'string' ? [s.urls] : s.urls)),
      // Chromium reports an empty username for a STUN entry.
      username: servers.find((s) => s.username !== undefined && s.username !== '')?.username,
    };
  });
}

describe('calls through TURN (coturn)', () => {
  const tmp = tempDir('zerortc-e2e-turn-');
  let webRoot: string;
  let coturn: Coturn;
  let browser: Browser;
  let roomCounter = 0;
  const servers: TestServer[] = [];

  before(async () => {
    [webRoot, coturn, browser] = await Promise.all([
      buildPage(join(tmp.path, 'web')),
      startCoturn({ secret: SECRET }),
      launchChromium(),
    ]);
  });

  after(async () => {
    await browser?.close();
    await Promise.all(servers.map((s) => s.close()));
    await coturn?.stop();
    tmp.dispose();
  });

  async function server(turnUrls: readonly string[], turnSecret: string): Promise<TestServer> {
    const s = await startServer(
      { logLevel: 'warn', turnUrls, turnSecret, turnTtl: TTL, iceTransportPolicy: 'relay' },
      { webRoot },
    );
    servers.push(s);
    return s;
  }

  /**
   * Two people join a fresh room on `s`. Records, per page, the order in which it fetched
   * /api/ice-servers and sent its join over the WebSocket.
   */
  async function twoJoin(s: TestServer, firstWaits = true): Promise<{ pages: [Page, Page]; events: string[][] }> {
    const room = `turn-${++roomCounter}`;
    const pages = [await openPage(browser, s.httpUrl), await openPage(browser, s.httpUrl)] as [Page, Page];
    const events = pages.map((page) => {
      const seen: string[] = [];
      page.on('request', (req) => {
        if (new URL(req.url()).pathname === '/api/ice-servers') seen.push('ice-servers');
      });
      page.on('websocket', (ws) =>
        ws.on('framesent', ({ payload }) => {
          if (typeof payload === 'string' && /"cmd":"join"/.test(payload)) seen.push('join');
        }),
      );
      return seen;
    });
    await joinRoom(pages[0], room);
    if (firstWaits) await waitForState(pages[0], 'waiting');
    await joinRoom(pages[1], room);
    return { pages, events };
  }

  async function expectTurnFailed(page: Page): Promise<void> {
    // The client gives up on a relay candidate after 10 s; the test allows for a slow machine.
    await waitForState(page, 'error', 25_000);
    const status = page.locator('#callStatus');
    assert.equal(await status.getAttribute('data-error'), 'turn-failed');
    assert.equal(await status.isVisible(), true);
    assert.match((await status.textContent()) ?? '', /relay server .*TURN settings/);
  }

  it('connects a relay-only call through coturn: both sides on a relay pair, media both ways', async () => {
    const s = await server(coturn.urls, SECRET);
    const { pages, events } = await twoJoin(s);
    const [a, b] = pages;
    await Promise.all([waitForState(a, 'connected'), waitForState(b, 'connected')]);
    await Promise.all([expectMediaFlowing(a), expectMediaFlowing(b)]);
    const explain = `coturn log:\n${coturn.log().slice(-1500)}`;
    for (const [i, page] of pages.entries()) {
      assert.deepEqual(await selectedPair(page), { local: 'relay', remote: 'relay' }, explain);
      // The page fetched fresh credentials before it joined, and its connection runs with them.
      assert.equal(events[i]?.[0], 'ice-servers', `page ${i}: ${events[i]?.join(', ')}`);
      assert.ok(events[i]?.includes('join'));
      const config = await peerConfiguration(page);
      assert.equal(config.policy, 'relay');
      // The built-in STUN server's URL comes first (at the page's host), then coturn's.
      assert.deepEqual(config.urls, [`stun:127.0.0.1:${s.app.stunPort}`, ...coturn.urls]);
      const expiry = Number(String(config.username).split(':')[0]);
      const now = Date.now() / 1000;
      assert.ok(expiry > now && expiry <= now + TTL + 1, `username ${String(config.username)} expires within the ttl`);
    }
    // The person sees it too: the stats panel says the call is relayed.
    await a.click('#statsPanel summary');
    const path = a.locator('#stats dt', { hasText: 'Path' }).locator('xpath=following-sibling::dd[1]');
    await path.filter({ hasText: 'relay' }).waitFor({ state: 'visible' });
    assert.equal(await path.textContent(), 'relayed (TURN)');
    await Promise.all(pages.map((p) => p.context().close()));
  });

  it('shows turn-failed in words when the server and coturn have different secrets', async () => {
    const s = await server(coturn.urls, 'not-the-coturn-secret');
    const { pages } = await twoJoin(s, false);
    await Promise.all(pages.map(expectTurnFailed));
    // coturn was asked and refused the credentials (it logs no status code).
    assert.match(coturn.log(), /check_stun_auth: Cannot find credentials/);
    await Promise.all(pages.map((p) => p.context().close()));
  });

  it('shows turn-failed when coturn refuses the peer address (403, which the browser does not report)', async () => {
    // As a production configuration's denied-peer-ip does for private addresses: the relay
    // allocates, but grants no permission towards another relay: the relay check at join fails.
    const strict = await startCoturn({ secret: SECRET, allowLoopbackPeers: false });
    try {
      const s = await server(strict.urls, SECRET);
      const { pages } = await twoJoin(s, false);
      await Promise.all(pages.map(expectTurnFailed));
      await Promise.all(pages.map((p) => p.context().close()));
    } finally {
      await strict.stop();
    }
  });

  it('shows turn-failed when nothing answers at the TURN address', async () => {
    const port = await freePort();
    const s = await server([`turn:127.0.0.1:${port}?transport=udp`, `turn:127.0.0.1:${port}?transport=tcp`], SECRET);
    const { pages } = await twoJoin(s, false);
    await Promise.all(pages.map(expectTurnFailed));
    await Promise.all(pages.map((p) => p.context().close()));
  });
});
