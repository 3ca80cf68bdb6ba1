/**
 * The call page on a cluster, in real Chromium: redis-server, three ZeroRTC node processes and
 * nginx (deploy/nginx/zerortc.conf) in front, all on loopback. Two people call each other
 * through nginx; then the node holding one page's WebSocket is killed with SIGKILL, and Redis is
 * stopped and started again, under the running call.
 */
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import {
  buildPage,
  expectMediaFlowing,
  launchChromium,
  mediaStats,
  tempDir,
  waitForRemoteColor,
  waitForState,
  writeColorVideo,
} from '../helpers/browser.ts';
import {
  eventually,
  spawnNode,
  startNginx,
  startRedis,
  type ChildNode,
  type TestNginx,
  type TestRedis,
} from '../helpers/cluster.ts';

const RED = 0;
const BLUE = 2;
const GRACE = 10;
/** A node's heartbeat TTL (6 s) + beat interval (2 s), with room to spare on a loaded machine. */
const DETECTION_MS = 20_000;

/** What a page's instrumentation saw, read back by the test. */
interface Trace {
  /** Every `data-state` of #callStatus, in order, with the frames decoded at that moment. */
  states: { state: string; frames: number }[];
  /** The `cmd` of every frame the page received on a WebSocket. */
  cmds: string[];
}

declare global {
  interface Window {
    failoverTrace: Trace;
  }
}

/**
 * Runs in every page before its own scripts: records the commands that arrive on the signaling
 * WebSocket and each state the status line shows (with the frames decoded at that moment), so
 * that a state shown for a fraction of a second is not missed. Plain JavaScript: it is sent to
 * the browser as it is.
 */
const INSTRUMENT = `(() => {
  const trace = { states: [], cmds: [] };
  window.failoverTrace = trace;
  const NativeWebSocket = window.WebSocket;
  window.WebSocket = class extends NativeWebSocket {
    constructor(url, protocols) {
      super(url, protocols);
      this.addEventListener('message', (ev) => {
        try {
          const m = JSON.parse(String(ev.data));
          trace.cmds.push(m.cmd === 'joined' && m.resumed === true ? 'joined(resumed)' : String(m.cmd));
        } catch {
          trace.cmds.push('?');
        }
      });
    }
  };
  document.addEventListener('DOMContentLoaded', () => {
    const status = document.getElementById('callStatus');
    new MutationObserver(() => {
      const state = status.dataset.state;
      if (trace.states.length > 0 && trace.states[trace.states.length - 1].state === state) return;
      const entry = { state, frames: -1 };
      trace.states.push(entry);
      if (window.zerortc) window.zerortc.stats().then((s) => (entry.frames = s ? s.framesDecoded : -1));
    }).observe(status, { attributes: true, attributeFilter: ['data-state'] });
  });
})();`;

describe('the call page on a cluster behind nginx', () => {
  const tmp = tempDir('zerortc-e2e-cluster-');
  let redis: TestRedis;
  let nodes: ChildNode[] = [];
  let nginx: TestNginx;
  let observer: Redis;
  let red: Browser;
  let blue: Browser;
  const contexts: BrowserContext[] = [];

  before(async () => {
    // The nodes serve the page from dist/web, as `npm start` does: build it from the sources.
    await buildPage(fileURLToPath(new URL('../../dist/web/', import.meta.url)));
    redis = await startRedis();
    const args = ['--redis-url', redis.url, '--grace-seconds', String(GRACE), '--trust-proxy'];
    const started = await Promise.allSettled([spawnNode(args), spawnNode(args), spawnNode(args)]);
    nodes = started.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    assert.equal(nodes.length, 3, 'three nodes started');
    nginx = await startNginx(nodes.map((node) => node.port));
    observer = new Redis(redis.url, { lazyConnect: true, maxRetriesPerRequest: 1 });
    observer.on('error', () => undefined); // Redis is stopped on purpose below.
    [red, blue] = await Promise.all([
      launchChromium(writeColorVideo(`${tmp.path}/red.y4m`, [220, 30, 30])),
      launchChromium(writeColorVideo(`${tmp.path}/blue.y4m`, [30, 30, 220])),
    ]);
    // Every node is in Redis and ready before anybody joins.
    await eventually(async () => {
      const ready = await Promise.all(nodes.map(async (n) => (await fetch(`${n.httpUrl}/readyz`)).status === 200));
      return ready.every(Boolean);
    }, 'all nodes ready');
  });

  after(async () => {
    // Everything is stopped, whatever failed: each step on its own.
    await Promise.allSettled(contexts.map((c) => c.close()));
    await Promise.allSettled([red?.close(), blue?.close()]);
    await Promise.allSettled(nodes.map((node) => node.stop()));
    await Promise.allSettled([nginx?.stop()]);
    observer?.disconnect();
    await Promise.allSettled([redis?.close()]);
    tmp.dispose();
  });

  async function open(browser: Browser): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-US' });
    contexts.push(context);
    await context.addInitScript({ content: INSTRUMENT });
    const page = await context.newPage();
    await page.goto(nginx.httpUrl);
    return page;
  }

  /** Types the room and clicks join, as a person does. */
  async function join(page: Page, room: string): Promise<void> {
    await page.fill('#roomId', room);
    await page.click('#joinBtn');
  }

  /** zerortc_connections of each live node, by node. */
  async function connectionsPerNode(): Promise<Map<ChildNode, number>> {
    const counts = new Map<ChildNode, number>();
    for (const node of nodes) {
      const text = await (await fetch(`${node.httpUrl}/metrics`)).text();
      const match = /^zerortc_connections(?:\{[^}]*\})? (\d+)$/m.exec(text);
      counts.set(node, Number(match?.[1] ?? NaN));
    }
    return counts;
  }

  /** The node whose WebSocket count went from `before` to `before + 1`. */
  async function nodeThatGained(before: Map<ChildNode, number>): Promise<ChildNode> {
    let gained: ChildNode | undefined;
    await eventually(async () => {
      const now = await connectionsPerNode();
      gained = nodes.find((n) => (now.get(n) ?? 0) === (before.get(n) ?? 0) + 1);
      return gained !== undefined;
    }, 'a node to count the new WebSocket');
    return gained!;
  }

  /** Two people in `room` through nginx, connected; and the node holding each one's WebSocket. */
  async function call(room: string): Promise<{ a: Page; b: Page; nodeOfA: ChildNode; nodeOfB: ChildNode }> {
    const a = await open(red);
    const b = await open(blue);
    let counts = await connectionsPerNode();
    await join(a, room);
    await waitForState(a, 'waiting');
    const nodeOfA = await nodeThatGained(counts);
    counts = await connectionsPerNode();
    await join(b, room);
    await Promise.all([waitForState(a, 'connected'), waitForState(b, 'connected')]);
    const nodeOfB = await nodeThatGained(counts);
    await Promise.all([expectMediaFlowing(a), expectMediaFlowing(b)]);
    return { a, b, nodeOfA, nodeOfB };
  }

  const trace = (page: Page): Promise<Trace> => page.evaluate(() => window.failoverTrace);
  const frames = async (page: Page): Promise<number> => (await mediaStats(page))?.framesDecoded ?? 0;

  it('keeps the call when the node holding one page’s WebSocket is killed', async () => {
    const { a, b, nodeOfA, nodeOfB } = await call('failover');
    // least_conn puts the second page on another node: killing A's node leaves B's alone.
    assert.notEqual(nodeOfA, nodeOfB);
    await a.evaluate(
      () => ((window as unknown as { pcBefore: unknown }).pcBefore = window.zerortc.client.peerConnection),
    );
    const statesBefore = { a: (await trace(a)).states.length, b: (await trace(b)).states.length };
    const framesAtKill = { a: await frames(a), b: await frames(b) };
    const uidOfA = await a.evaluate(() => window.zerortc.client.uid);

    await nodeOfA.kill();
    nodes = nodes.filter((n) => n !== nodeOfA);

    // A's page notices, says so, resumes through nginx on a surviving node and is back.
    await a.waitForFunction(
      (from) => {
        const states = window.failoverTrace.states.slice(from).map((s) => s.state);
        const i = states.indexOf('reconnecting');
        return i >= 0 && states.indexOf('connected', i) > i;
      },
      statesBefore.a,
      { timeout: 15_000, polling: 50 },
    );
    const aTrace = await trace(a);
    const aStates = aTrace.states.slice(statesBefore.a);
    // Only the signaling dropped: the page never left the call or failed.
    assert.deepEqual(
      aStates.map((s) => s.state),
      ['reconnecting', 'connected'],
    );
    // It took its seat back (`resumed`), as the same person, on one of the two nodes left.
    assert.equal(aTrace.cmds.filter((c) => c === 'joined(resumed)').length, 1);
    assert.equal(await b.evaluate(() => window.zerortc.client.peer?.uid), uidOfA);
    const counts = await connectionsPerNode();
    assert.equal(
      [...counts.values()].reduce((x, y) => x + y, 0),
      2,
    );

    // The media never went through the node: the same peer connection, and frames decoded on
    // both sides while A's page was reconnecting and after.
    assert.equal(
      await a.evaluate(
        () => (window as unknown as { pcBefore: unknown }).pcBefore === window.zerortc.client.peerConnection,
      ),
      true,
    );
    const backAt = aStates[1]?.frames ?? -1;
    assert.ok(backAt > framesAtKill.a, `A decoded frames while reconnecting (${framesAtKill.a} -> ${backAt})`);
    await Promise.all([expectMediaFlowing(a), expectMediaFlowing(b)]);
    assert.ok((await frames(b)) > framesAtKill.b);
    await Promise.all([waitForRemoteColor(a, BLUE), waitForRemoteColor(b, RED)]);

    // The survivors notice the dead node (it leaves zr:nodes) and any held seat's grace ends
    // (zr:grace empties): only then could a peer-leave still come. None came.
    await observer.connect();
    await eventually(
      async () => (await observer.scard('zr:nodes')) === 2,
      'the dead node to be taken over',
      DETECTION_MS,
    );
    await eventually(async () => (await observer.zcard('zr:grace')) === 0, 'no seat held', (GRACE + 5) * 1000);
    const bTrace = await trace(b);
    assert.equal(bTrace.cmds.filter((c) => c === 'peer-leave').length, 0);
    // B's page stayed in the call all along (at most it showed the peer as reconnecting).
    for (const { state } of bTrace.states.slice(statesBefore.b))
      assert.ok(['connected', 'reconnecting'].includes(state), state);
    assert.equal(await b.evaluate(() => window.zerortc.client.state), 'connected');
    assert.equal(await b.evaluate(() => window.zerortc.client.peer?.presence), 'here');
    await Promise.all([expectMediaFlowing(a), expectMediaFlowing(b)]);
    await Promise.all(contexts.splice(0).map((c) => c.close()));
  });

  it('keeps the call through a Redis restart; a join meanwhile shows an error, and works once Redis is back', async () => {
    const { a, b } = await call('outage');
    const statesBefore = { a: (await trace(a)).states.length, b: (await trace(b)).states.length };
    const framesBefore = { a: await frames(a), b: await frames(b) };

    await redis.stop();
    await eventually(async () => {
      const ready = await Promise.all(nodes.map(async (n) => (await fetch(`${n.httpUrl}/readyz`)).status));
      return ready.every((status) => status === 503);
    }, 'readyz 503 on every node');

    // A third person tries to start a call meanwhile: the page says why it cannot, in words.
    const c = await open(red);
    await join(c, 'late');
    await waitForState(c, 'error');
    const status = c.locator('#callStatus');
    assert.equal(await status.getAttribute('data-error'), 'unavailable');
    assert.match((await status.textContent()) ?? '', /temporarily unavailable.*try again/i);
    assert.equal(await status.isVisible(), true);
    assert.equal(await c.isEnabled('#joinBtn'), true);

    // The call goes on while Redis is away: media keeps flowing both ways.
    await Promise.all([expectMediaFlowing(a), expectMediaFlowing(b)]);
    assert.ok((await frames(a)) > framesBefore.a);
    assert.ok((await frames(b)) > framesBefore.b);

    await redis.start();
    await eventually(async () => {
      const ready = await Promise.all(nodes.map(async (n) => (await fetch(`${n.httpUrl}/readyz`)).status));
      return ready.every((status) => status === 200);
    }, 'readyz 200 again');

    // The same person clicks join again: it works.
    await c.click('#joinBtn');
    await waitForState(c, 'waiting');
    // The two in the call never noticed anything.
    for (const page of [a, b]) {
      const t = await trace(page);
      assert.deepEqual(
        t.states.slice(page === a ? statesBefore.a : statesBefore.b).map((s) => s.state),
        [],
      );
      assert.equal(t.cmds.filter((cmd) => cmd === 'peer-leave' || cmd === 'error').length, 0);
    }
    await Promise.all([expectMediaFlowing(a), expectMediaFlowing(b)]);
    // The room is still full: Redis got its seats back from the nodes.
    const d = await open(blue);
    await join(d, 'outage');
    await waitForState(d, 'error');
    assert.equal(await d.locator('#callStatus').getAttribute('data-error'), 'room-full');
  });
});
