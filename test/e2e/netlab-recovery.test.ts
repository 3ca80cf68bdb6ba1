/**
 * Calls that survive the network going away, in the network lab (test/helpers/netlab.ts): a
 * link cut of 12 s in the middle of a call, and a change of network (home a leaves its Wi-Fi for
 * good and joins a mobile network), on Chromium and on Firefox. Each asserts what both people see
 * (`#callStatus` goes `reconnecting` and back to `connected`, remote frames advance again, no
 * reload) and, for the change of network, that the call now runs over the new address.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { callMediaFlowing, callState, waitInPage, type EnginePage } from '../helpers/engines.ts';
import { launchLabFirefox, type LabFirefox } from '../helpers/lab-firefox.ts';
import { connectCall, mediaBackWithin, startLabWorld, waitForPair, type LabWorld } from '../helpers/lab-call.ts';
import { HOME_IPS, PUBLIC_IPS } from '../helpers/netlab.ts';

/** How long the link stays cut: longer than ICE's own patience (`disconnected` after ~5 s). */
const CUT_MS = 12_000;

describe('calls that survive the network', () => {
  let world: LabWorld;
  let firefox: LabFirefox | undefined;
  let roomCounter = 0;
  let pages: EnginePage[] = [];

  before(async () => {
    world = await startLabWorld();
  });

  after(async () => {
    await firefox?.close();
    await world?.close();
  });

  async function call(openA: () => Promise<EnginePage>): Promise<{ a: EnginePage; b: EnginePage }> {
    await Promise.all(pages.map((p) => p.close().catch(() => undefined)));
    await world.lab.reset();
    const [a, b] = await Promise.all([openA(), world.openChromium('b')]);
    pages = [a, b];
    await connectCall(a, b, `survive-${++roomCounter}`);
    return { a, b };
  }

  /**
   * Both back to `connected` with media advancing within `timeout` (mediaBackWithin), and still
   * so a while later (no freeze).
   * @returns when media flowed again both ways
   */
  async function expectRecovered(a: EnginePage, b: EnginePage, timeout: number): Promise<number> {
    await mediaBackWithin(a, b, timeout);
    const at = Date.now();
    for (let i = 0; i < 2; i++) await Promise.all([callMediaFlowing(a), callMediaFlowing(b)]);
    await Promise.all([callState(a, 'connected'), callState(b, 'connected')]);
    for (const page of [a, b]) {
      const reloaded = await page.evaluate(() => performance.getEntriesByType('navigation').length, undefined);
      assert.equal(reloaded, 1, `${page.engine} was not reloaded`);
    }
    return at;
  }

  /** The call's timeline so far (its report: states and ICE restarts, ms since the join). */
  async function timeline(page: EnginePage): Promise<string> {
    const events = await page
      .evaluate(async () => (await window.zerortc.client.report()).timeline, undefined)
      .catch(() => []);
    return events.map((e) => `${e.t} ${Object.values(e).slice(1).join(' ')}`).join(', ');
  }

  /** How many times the page has said `reconnecting` in this call. */
  function reconnects(page: EnginePage): Promise<number> {
    return page.evaluate(async () => (await window.zerortc.client.report()).summary.reconnects, undefined);
  }

  /** Runs `check`; when it fails, the error carries both pages' timelines. */
  async function withTimelines<T>(a: EnginePage, b: EnginePage, check: () => Promise<T>): Promise<T> {
    try {
      return await check();
    } catch (err) {
      const lines = await Promise.all([a, b].map(async (p) => `${p.engine}: ${await timeline(p)}`));
      throw new Error(`${(err as Error).message}\ntimelines:\n${lines.join('\n')}`, { cause: err });
    }
  }

  it('a link cut of 12 s: both sides show reconnecting, then connected again with video', async () => {
    const { a, b } = await call(() => world.openChromium('a'));
    await world.lab.cut('a', true);
    const cutAt = Date.now();
    await Promise.all([callState(a, 'reconnecting', CUT_MS), callState(b, 'reconnecting', CUT_MS)]);
    // What the page says meanwhile: the other side is unreachable, not gone.
    const text = await a.evaluate(() => document.getElementById('callStatus')?.textContent ?? '', undefined);
    assert.match(text, /reconnect/i);
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, CUT_MS - (Date.now() - cutAt))));
    await world.lab.cut('a', false);
    await withTimelines(a, b, () => expectRecovered(a, b, 30_000));
  });

  /**
   * Home a's Wi-Fi goes away for good and it joins the mobile network: the call must come back
   * by an ICE restart on the new address, signaling included (its WebSocket was bound to the
   * address that is gone).
   */
  async function changeOfNetwork(a: EnginePage, b: EnginePage, t: { diagnostic(m: string): void }): Promise<void> {
    const reconnectsBefore = await reconnects(a);
    await world.lab.switchNetwork();
    const switchedAt = Date.now();
    const recoveredAt = await withTimelines(a, b, () => expectRecovered(a, b, 45_000));
    assert.ok((await reconnects(a)) > reconnectsBefore, 'the page said reconnecting while its network changed');
    // Home a now talks from the mobile network: its own address there, the carrier's NAT, or a
    // relay it allocated from there (the restart's checks may pick the relay pair first; the old
    // address is gone, so media that flows cannot come from an allocation made before).
    const pair = await waitForPair(
      a,
      (p) => [HOME_IPS.mobile, PUBLIC_IPS.mobile].includes(p.local?.address ?? '') || p.local?.type === 'relay',
      'on the new network',
    );
    const seenByB = await waitForPair(
      b,
      (p) => p.remote?.address === PUBLIC_IPS.mobile || p.remote?.type === 'relay',
      'towards the new network',
    );
    assert.ok(pair.local && seenByB.remote);
    t.diagnostic(
      `${a.engine}: media flowing both ways again ${recoveredAt - switchedAt} ms after the change of network`,
    );
    // Signaling came back too: the seat is held on a live socket.
    await waitInPage(
      a,
      () => window.zerortc.client.state === 'connected' && window.zerortc.client.roomId !== undefined,
      undefined,
      'signaling',
    );
  }

  it('a change of network on the Chromium side: back to connected over the new address', async (t) => {
    const { a, b } = await call(() => world.openChromium('a'));
    await changeOfNetwork(a, b, t);
  });

  it('a change of network on the Firefox side: back to connected over the new address', async (t) => {
    firefox ??= await launchLabFirefox(world.lab, 'a', world.url);
    const ff = firefox;
    const { a, b } = await call(() => ff.open());
    await changeOfNetwork(a, b, t);
  });
});
