/**
 * Redis stopped and started again under running calls. The restarted Redis has lost every room
 * (no persistence): the nodes put their members' seats back.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { connectClient, joinRoom, type Frame, type TestClient } from '../helpers/client.ts';
import { eventually, startNode, startRedis, type TestNode, type TestRedis } from '../helpers/cluster.ts';

const OFFER = JSON.stringify({ type: 'offer', sdp: 'v=0' });

describe('a Redis outage', () => {
  let redis: TestRedis;
  let a: TestNode;
  let b: TestNode;
  const clients: TestClient[] = [];
  const join = async (url: string, roomId: string, uid: string): Promise<{ client: TestClient; joined: Frame }> => {
    const joined = await joinRoom(url, roomId, uid);
    clients.push(joined.client);
    return joined;
  };
  const readyz = async (node: TestNode): Promise<number> => (await fetch(`${node.httpUrl}/readyz`)).status;

  before(async () => {
    redis = await startRedis();
    [a, b] = await Promise.all([startNode(redis.url), startNode(redis.url)]);
    await eventually(async () => (await readyz(a)) === 200 && (await readyz(b)) === 200, 'both nodes ready');
  });
  after(async () => {
    for (const client of clients) client.drop();
    await Promise.all([a.close(), b.close()]);
    await redis.close();
  });

  it('says 503 and refuses joins with `unavailable` while Redis is away, keeps same-node calls, and recovers', async () => {
    const alice = await join(a.wsUrl, 'o1', 'alice');
    const bob = await join(a.wsUrl, 'o1', 'bob');
    const carol = await join(a.wsUrl, 'o2', 'carol');
    const dave = await join(b.wsUrl, 'o2', 'dave');
    await alice.client.next('new-peer');
    await carol.client.next('new-peer');

    await redis.stop();
    await eventually(async () => (await readyz(a)) === 503 && (await readyz(b)) === 503, 'readyz 503 on both nodes');

    const late = await connectClient(b.wsUrl);
    clients.push(late);
    late.send({ cmd: 'join', roomId: 'o3', uid: 'erin' });
    const refused = await late.next('error');
    assert.equal(refused['code'], 'unavailable');
    assert.equal(refused['request'], 'join');
    assert.match(String(refused['message']), /cannot be reached right now\. Try again/);

    // A call whose members share a node keeps signaling (an ICE restart, say).
    const offer = { cmd: 'offer', roomId: 'o1', uid: 'alice', remoteUid: 'bob', msg: OFFER };
    alice.client.send(offer);
    assert.deepEqual(await bob.client.next('offer'), offer);

    await redis.start();
    await eventually(async () => (await readyz(a)) === 200 && (await readyz(b)) === 200, 'readyz 200 again');

    late.send({ cmd: 'join', roomId: 'o3', uid: 'erin' });
    assert.equal((await late.next('joined'))['roomId'], 'o3');

    // The rooms came back with their members: a third person is still refused, across nodes too...
    for (const [node, roomId] of [
      [b, 'o1'],
      [a, 'o2'],
    ] as const) {
      const third = await connectClient(node.wsUrl);
      clients.push(third);
      third.send({ cmd: 'join', roomId, uid: 'mallory' });
      assert.equal((await third.next('error'))['code'], 'room-full');
    }
    // ...cross-node relaying works again...
    const answer = { cmd: 'answer', roomId: 'o2', uid: 'dave', remoteUid: 'carol', msg: OFFER };
    dave.client.send(answer);
    assert.deepEqual(await carol.client.next('answer'), answer);
    // ...and a leave is announced as before.
    await bob.client.close();
    assert.equal((await alice.client.next('peer-leave'))['remoteUid'], 'bob');
    await carol.client.close();
    assert.equal((await dave.client.next('peer-leave'))['remoteUid'], 'carol');
    for (const member of [alice, bob, carol, dave]) {
      assert.equal(member.client.received.filter((m) => m.cmd === 'error').length, 0);
    }
  });
});
