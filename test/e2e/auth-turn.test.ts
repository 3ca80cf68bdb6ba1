/**
 * A relay-only call through a real coturn, opened from invite links whose room tokens expire a
 * few seconds into the call, with TURN credentials that live a few seconds: the call keeps
 * getting fresh credentials over its seated WebSocket after the tokens expired, and coturn
 * accepts them, while the expired token itself gets no credentials any more.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { runInvite } from '../../src/server/invite.ts';
import { buildPage, expectMediaFlowing, launchChromium, tempDir, waitForState } from '../helpers/browser.ts';
import { startCoturn, type Coturn } from '../helpers/coturn.ts';
import { startServer, type TestServer } from '../helpers/server.ts';

const AUTH_SECRET = randomBytes(32).toString('hex');
const TURN_SECRET = 'e2e-auth-turn-secret';
/**
 * Seconds: the room tokens' lifetime (long enough for two pages to open and join on a busy
 * machine), and the TURN credentials' (refreshed at 80 %).
 */
const TOKEN_TTL = 15;
const TURN_TTL = 4;

/**
 * The expiry (unix seconds) in the TURN username the page's connection runs with (the built-in
 * STUN entry comes first, with an empty username in Chromium).
 */
function credentialExpiry(page: Page): Promise<number> {
  return page.evaluate(() => {
    const servers = window.zerortc.client.peerConnection?.getConfiguration().iceServers ?? [];
    return Number(String(servers.find((s) => Boolean(s.username))?.username ?? '0').split(':')[0]);
  });
}

/** Gathers with the page's current ICE configuration: 'relay' when coturn accepts its credentials. */
function gatherRelay(page: Page): Promise<string> {
  return page.evaluate(
    () =>
      new Promise<string>((resolve) => {
        const config = window.zerortc.client.peerConnection?.getConfiguration();
        const pc = new RTCPeerConnection({ ...config, iceTransportPolicy: 'relay' });
        pc.onicecandidate = (ev) => {
          if (ev.candidate?.type === 'relay') resolve('relay');
        };
        pc.onicecandidateerror = (ev) => resolve(`error ${ev.errorCode}`);
        pc.onicegatheringstatechange = () => {
          if (pc.iceGatheringState === 'complete') setTimeout(() => resolve('no relay candidate'), 100);
        };
        pc.createDataChannel('check');
        void pc.createOffer().then((offer) => pc.setLocalDescription(offer));
      }),
  );
}

describe('TURN credentials for the whole call with room tokens (coturn)', () => {
  const tmp = tempDir('zerortc-e2e-auth-turn-');
  let coturn: Coturn;
  let server: TestServer;
  let browser: Browser;

  before(async () => {
    let webRoot: string;
    [webRoot, coturn, browser] = await Promise.all([
      buildPage(join(tmp.path, 'web')),
      startCoturn({ secret: TURN_SECRET }),
      launchChromium(),
    ]);
    server = await startServer(
      {
        logLevel: 'warn',
        authSecret: AUTH_SECRET,
        turnUrls: coturn.urls,
        turnSecret: TURN_SECRET,
        turnTtl: TURN_TTL,
        iceTransportPolicy: 'relay',
      },
      { webRoot },
    );
  });
  after(async () => {
    await browser?.close();
    await server?.close();
    await coturn?.stop();
    tmp.dispose();
  });

  it('keeps a relay-only call in fresh TURN credentials past the expiry of its room tokens', async () => {
    let out = '';
    const args = ['--room', 'relay', '--ttl', `${TOKEN_TTL}s`, '--base-url', server.httpUrl];
    await runInvite([...args, '--auth-secret', AUTH_SECRET], {}, (t) => (out += t), assert.fail);
    const links = out.match(/http:\/\/\S+/g) ?? [];
    const tokenExpiry = Math.floor(Date.now() / 1000) + TOKEN_TTL;
    const pages: Page[] = [];
    const refreshes: number[] = [0, 0];
    for (const [i, link] of links.entries()) {
      const page = await (await browser.newContext({ locale: 'en-US' })).newPage();
      page.on('websocket', (ws) =>
        ws.on('framesent', ({ payload }) => {
          if (typeof payload === 'string' && payload.includes('"cmd":"ice-servers"')) refreshes[i]! += 1;
        }),
      );
      await page.goto(link);
      await page.click('#joinBtn');
      pages.push(page);
    }
    const [a, b] = pages as [Page, Page];
    await Promise.all([waitForState(a, 'connected'), waitForState(b, 'connected')]);
    for (const page of pages) {
      assert.equal(
        await page.evaluate(() => window.zerortc.client.peerConnection?.getConfiguration().iceTransportPolicy),
        'relay',
      );
    }

    // Wait (in the pages, polling) until both run with credentials minted after the tokens expired.
    const freshAfter = tokenExpiry + 1;
    await Promise.all(
      pages.map((page) =>
        page.waitForFunction(
          (after) => {
            const servers = window.zerortc.client.peerConnection?.getConfiguration().iceServers ?? [];
            const username = String(servers.find((s) => Boolean(s.username))?.username ?? '0');
            return Number(username.split(':')[0]) >= after;
          },
          freshAfter + TURN_TTL,
          { timeout: 30_000, polling: 200 },
        ),
      ),
    );
    assert.ok(Date.now() / 1000 > tokenExpiry, 'the room tokens have expired');
    for (const page of pages) assert.ok((await credentialExpiry(page)) > Date.now() / 1000, 'credentials still valid');
    assert.ok(
      refreshes.every((n) => n >= 1),
      `refreshed over the WebSocket: ${refreshes.join(', ')}`,
    );

    // coturn takes the fresh credentials: a new relay allocation succeeds with them.
    assert.equal(await gatherRelay(a), 'relay', `coturn log:\n${coturn.log().slice(-1500)}`);
    // The expired token itself no longer gets any.
    const token = new URL(links[0] ?? '').hash.replace('#token=', '');
    const uid = await a.evaluate(() => window.zerortc.client.uid ?? '');
    const res = await fetch(`${server.httpUrl}/api/ice-servers?room=relay&uid=${uid}`, {
      headers: { Authorization: `Bearer ${token}` },
    });
    assert.equal(res.status, 401);
    // And the call goes on.
    await Promise.all([expectMediaFlowing(a), expectMediaFlowing(b)]);
    await Promise.all(pages.map((p) => p.context().close()));
  });
});
