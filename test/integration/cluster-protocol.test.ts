/**
 * SPEC §3 across a cluster: two nodes sharing a real redis-server, members on different nodes.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { connectClient, joinRoom, type TestClient } from '../helpers/client.ts';
import {
  startNginx,
  startNode,
  startRedis,
  type TestNginx,
  type TestNode,
  type TestRedis,
} from '../helpers/cluster.ts';

const OFFER = JSON.stringify({ type: 'offer', sdp: `v=0\r\n${'a=x\r\n'.repeat(400)}` });

function relay(cmd: string, roomId: string, uid: string, remoteUid: string, msg: string): Record<string, string> {
  return { cmd, roomId, uid, remoteUid, msg };
}

describe('a cluster of two nodes on one redis', () => {
  let redis: TestRedis;
  let a: TestNode;
  let b: TestNode;
  let nginx: TestNginx;
  const clients: TestClient[] = [];
  const track = <T extends { client: TestClient }>(joined: T): T => {
    clients.push(joined.client);
    return joined;
  };

  before(async () => {
    redis = await startRedis();
    [a, b] = await Promise.all([startNode(redis.url, { graceSeconds: 1 }), startNode(redis.url, { graceSeconds: 1 })]);
    nginx = await startNginx([a.port, b.port]);
  });
  after(async () => {
    for (const client of clients) client.drop();
    await Promise.all([a.close(), b.close()]);
    await nginx.stop();
    await redis.close();
  });

  it('seats members of one room on two nodes, relays verbatim both ways, and refuses a third on either', async () => {
    const alice = track(await joinRoom(a.wsUrl, 'r1', 'alice'));
    assert.equal(alice.joined['polite'], false);
    const bob = track(await joinRoom(b.wsUrl, 'r1', 'bob'));
    assert.equal(bob.joined['polite'], true);
    assert.equal(bob.joined['remoteUid'], 'alice');
    assert.deepEqual(await bob.client.next('resp-join'), {
      cmd: 'resp-join',
      remoteUid: 'alice',
      roomId: 'r1',
      polite: true,
    });
    assert.deepEqual(await alice.client.next('new-peer'), {
      cmd: 'new-peer',
      remoteUid: 'bob',
      roomId: 'r1',
      polite: false,
    });

    const offer = relay('offer', 'r1', 'alice', 'bob', OFFER);
    alice.client.send(offer);
    assert.deepEqual(await bob.client.next('offer'), offer);
    const answer = relay('answer', 'r1', 'bob', 'alice', '{"type":"answer","sdp":"v=0"}');
    bob.client.send(answer);
    assert.deepEqual(await alice.client.next('answer'), answer);
    // Numbers are relayed as their decimal strings, across nodes too.
    bob.client.send({ cmd: 'candidate', roomId: 'r1', uid: 'bob', remoteUid: 'alice', msg: '{"candidate":""}' });
    assert.equal((await alice.client.next('candidate'))['msg'], '{"candidate":""}');

    for (const node of [a, b]) {
      const carol = await connectClient(node.wsUrl);
      clients.push(carol);
      carol.send({ cmd: 'join', roomId: 'r1', uid: 'carol' });
      const refused = await carol.next('error');
      assert.equal(refused['code'], 'room-full');
      assert.match(String(refused['message']), /two people/);
    }
  });

  it('tells the member on the other node of a leave and of a clean close at once', async () => {
    const alice = track(await joinRoom(a.wsUrl, 'r2', 'alice'));
    const bob = track(await joinRoom(b.wsUrl, 'r2', 'bob'));
    await alice.client.next('new-peer');
    bob.client.send({ cmd: 'leave', roomId: 'r2', uid: 'bob' });
    assert.deepEqual(await alice.client.next('peer-leave'), { cmd: 'peer-leave', remoteUid: 'bob', roomId: 'r2' });

    // The seat is free again; this time the newcomer closes its tab.
    const carol = track(await joinRoom(b.wsUrl, 'r2', 'carol'));
    assert.equal(carol.joined['remoteUid'], 'alice');
    assert.equal((await alice.client.next('new-peer'))['remoteUid'], 'carol');
    await carol.client.close();
    assert.equal((await alice.client.next('peer-leave'))['remoteUid'], 'carol');
  });

  it('answers every error rule the same way when the other member is on another node', async () => {
    const alice = track(await joinRoom(a.wsUrl, 'r3', 'alice'));
    const bob = track(await joinRoom(b.wsUrl, 'r3', 'bob'));
    await alice.client.next('new-peer');

    const impostor = track(await joinRoom(a.wsUrl, 'r3-other', 'mallory'));
    impostor.client.send(relay('offer', 'r3', 'bob', 'alice', OFFER));
    assert.equal((await impostor.client.next('error'))['code'], 'not-in-room');
    impostor.client.send({ cmd: 'leave', roomId: 'r3', uid: 'bob' });
    assert.equal((await impostor.client.next('error'))['code'], 'not-in-room');
    impostor.client.send({ cmd: 'join', roomId: 'r3', uid: 'x' });
    assert.equal((await impostor.client.next('error'))['code'], 'already-in-room');

    bob.client.send(relay('offer', 'r3', 'bob', 'nobody', OFFER));
    const notFound = await bob.client.next('error');
    assert.equal(notFound['code'], 'peer-not-found');
    assert.match(String(notFound['message']), /"alice"/);

    // uid-taken: the same uid from another node while the seat is live.
    const twin = await connectClient(b.wsUrl);
    clients.push(twin);
    twin.send({ cmd: 'join', roomId: 'r3', uid: 'alice' });
    assert.equal((await twin.next('error'))['code'], 'uid-taken');

    twin.send('not json');
    assert.equal((await twin.next('error'))['code'], 'bad-json');
    twin.send({ cmd: 'join', roomId: '', uid: 'x' });
    assert.equal((await twin.next('error'))['code'], 'bad-message');
    twin.send({ cmd: 'dance' });
    assert.equal((await twin.next('error'))['code'], 'unknown-cmd');

    // None of that reached the members, who still talk.
    const offer = relay('offer', 'r3', 'alice', 'bob', OFFER);
    alice.client.send(offer);
    assert.deepEqual(await bob.client.next('offer'), offer);
    assert.equal(bob.client.received.filter((m) => m.cmd === 'offer').length, 0);
  });

  it('resumes a dropped seat on the other node: the peer hears reconnecting, then resumed, never leave', async () => {
    const alice = track(await joinRoom(a.wsUrl, 'r4', 'alice'));
    const bob = track(await joinRoom(b.wsUrl, 'r4', 'bob'));
    await alice.client.next('new-peer');

    alice.client.drop();
    const reconnecting = await bob.client.next('peer-reconnecting');
    assert.equal(reconnecting['remoteUid'], 'alice');
    // While alice is away, bob's messages are dropped, not errors.
    bob.client.send(relay('candidate', 'r4', 'bob', 'alice', '{}'));

    const again = await connectClient(b.wsUrl);
    clients.push(again);
    again.send({ cmd: 'join', roomId: 'r4', uid: 'alice', resume: alice.joined['resume'] });
    const joined = await again.next('joined');
    assert.equal(joined['resumed'], true);
    assert.equal(joined['polite'], false);
    assert.equal(joined['remoteUid'], 'bob');
    assert.deepEqual(await bob.client.next('peer-resumed'), { cmd: 'peer-resumed', remoteUid: 'alice', roomId: 'r4' });

    // Now both on node b: relay works with the new connection; the grace (1 s) passes unnoticed.
    const offer = relay('offer', 'r4', 'alice', 'bob', OFFER);
    again.send(offer);
    assert.deepEqual(await bob.client.next('offer'), offer);
    assert.equal(await bob.client.none('peer-leave', 1500), true);
    assert.equal(bob.client.received.filter((m) => m.cmd === 'error').length, 0);
  });

  it('closes the old connection on its own node with 4001 when a live seat is resumed from another node', async () => {
    const alice = track(await joinRoom(a.wsUrl, 'r5', 'alice'));
    const bob = track(await joinRoom(a.wsUrl, 'r5', 'bob'));
    await alice.client.next('new-peer');
    const again = await connectClient(b.wsUrl);
    clients.push(again);
    again.send({ cmd: 'join', roomId: 'r5', uid: 'alice', resume: alice.joined['resume'] });
    assert.equal((await again.next('joined'))['resumed'], true);
    assert.equal((await alice.client.closed).code, 4001);
    assert.equal((await bob.client.next('peer-resumed'))['remoteUid'], 'alice');
    const answer = relay('answer', 'r5', 'bob', 'alice', '{"type":"answer"}');
    bob.client.send(answer);
    assert.deepEqual(await again.next('answer'), answer);
  });

  it('releases a seat dropped on one node after the grace, telling the member on the other node', async () => {
    const alice = track(await joinRoom(a.wsUrl, 'r6', 'alice'));
    const bob = track(await joinRoom(b.wsUrl, 'r6', 'bob'));
    await bob.client.next('resp-join');
    bob.client.drop();
    assert.equal((await alice.client.next('peer-reconnecting'))['remoteUid'], 'bob');
    assert.deepEqual(await alice.client.next('peer-leave', 5000), {
      cmd: 'peer-leave',
      remoteUid: 'bob',
      roomId: 'r6',
    });
    assert.equal(await alice.client.none('peer-leave', 300), true);
  });

  it('counts rooms cluster-wide in zerortc_rooms on every node', async () => {
    const before = await Promise.all([a, b].map(async (node) => roomsMetric(node.httpUrl)));
    assert.equal(before[0], before[1]);
    track(await joinRoom(a.wsUrl, 'r7-only-on-a', 'zed'));
    for (const node of [a, b]) assert.equal(await roomsMetric(node.httpUrl), before[0]! + 1);
  });

  it('works through nginx: WebSocket upgrade on /ws and on /, and readyz', async () => {
    assert.equal((await fetch(`${nginx.httpUrl}/readyz`)).status, 200);
    const alice = track(await joinRoom(nginx.wsUrl, 'r8', 'alice'));
    const bob = track(await joinRoom(`ws://127.0.0.1:${nginx.port}`, 'r8', 'bob'));
    await alice.client.next('new-peer');
    const offer = relay('offer', 'r8', 'alice', 'bob', OFFER);
    alice.client.send(offer);
    assert.deepEqual(await bob.client.next('offer'), offer);
  });

  it('hands the seats of a node that stops cleanly (SIGTERM, upgrade) to the others: 1012, then resume elsewhere', async () => {
    const leaving = await startNode(redis.url, { graceSeconds: 1 });
    const alice = track(await joinRoom(leaving.wsUrl, 'r9', 'alice'));
    const bob = track(await joinRoom(b.wsUrl, 'r9', 'bob'));
    await alice.client.next('new-peer');
    const closed = leaving.close();
    assert.equal((await alice.client.closed).code, 1012);
    assert.equal((await bob.client.next('peer-reconnecting'))['remoteUid'], 'alice');
    await closed;
    const again = await connectClient(a.wsUrl);
    clients.push(again);
    again.send({ cmd: 'join', roomId: 'r9', uid: 'alice', resume: alice.joined['resume'] });
    assert.equal((await again.next('joined'))['resumed'], true);
    assert.equal((await bob.client.next('peer-resumed'))['remoteUid'], 'alice');
  });
});

async function roomsMetric(httpUrl: string): Promise<number> {
  const text = await (await fetch(`${httpUrl}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith('zerortc_rooms '));
  assert.ok(line, 'zerortc_rooms is exported');
  return Number(line.split(' ')[1]);
}
