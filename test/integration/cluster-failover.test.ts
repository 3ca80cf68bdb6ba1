/**
 * A node killed with SIGKILL: three node processes, Redis, nginx in front. The killed node says
 * nothing to anybody; the surviving nodes notice its heartbeat key expire, hold its seats, and
 * its clients resume through nginx on a surviving node.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { connectClient, joinRoom, type Frame, type TestClient } from '../helpers/client.ts';
import {
  spawnNode,
  startNginx,
  startRedis,
  type ChildNode,
  type TestNginx,
  type TestRedis,
} from '../helpers/cluster.ts';

const GRACE = 3;
/** Node heartbeat TTL (6 s) + beat interval (2 s), with room to spare on a loaded machine. */
const DETECTION_MS = 15_000;

describe('a node killed with SIGKILL', () => {
  let redis: TestRedis;
  let nodes: ChildNode[];
  let nginx: TestNginx;
  const clients: TestClient[] = [];
  const join = async (url: string, roomId: string, uid: string): Promise<{ client: TestClient; joined: Frame }> => {
    const joined = await joinRoom(url, roomId, uid);
    clients.push(joined.client);
    return joined;
  };
  const resume = async (roomId: string, uid: string, joined: Frame): Promise<{ client: TestClient; joined: Frame }> => {
    const client = await connectClient(nginx.wsUrl);
    clients.push(client);
    client.send({ cmd: 'join', roomId, uid, resume: joined['resume'] });
    return { client, joined: await client.next('joined') };
  };

  before(async () => {
    redis = await startRedis();
    const args = ['--redis-url', redis.url, '--grace-seconds', String(GRACE), '--trust-proxy'];
    nodes = await Promise.all([spawnNode(args), spawnNode(args), spawnNode(args)]);
    nginx = await startNginx(nodes.map((node) => node.port));
  });
  after(async () => {
    for (const client of clients) client.drop();
    await Promise.all(nodes.map((node) => node.stop()));
    await nginx.stop();
    await redis.close();
  });

  it('holds its seats for the grace period: clients that resume keep their call, the others are released', async () => {
    const [doomed, second, third] = nodes as [ChildNode, ChildNode, ChildNode];
    // Members placed on purpose: the first of each pair on the node that is about to die.
    const alice = await join(doomed.wsUrl, 'k1', 'alice');
    const bob = await join(second.wsUrl, 'k1', 'bob');
    const carol = await join(doomed.wsUrl, 'k2', 'carol');
    const dave = await join(third.wsUrl, 'k2', 'dave');
    const gina = await join(doomed.wsUrl, 'k3', 'gina');
    const hank = await join(second.wsUrl, 'k3', 'hank');
    const erin = await join(doomed.wsUrl, 'k4', 'erin');
    const frank = await join(doomed.wsUrl, 'k4', 'frank');
    for (const member of [alice, carol, gina, erin]) await member.client.next('new-peer');

    await doomed.kill();
    for (const member of [alice, carol, gina, erin, frank]) assert.equal((await member.client.closed).code, 1006);

    // gina comes back at once, before anybody noticed the node is gone: a live seat resumed.
    const ginaBack = await resume('k3', 'gina', gina.joined);
    assert.equal(ginaBack.joined['resumed'], true);
    assert.equal((await hank.client.next('peer-resumed'))['remoteUid'], 'gina');

    // The survivors notice: bob and dave hear that their peer is reconnecting.
    assert.equal((await bob.client.next('peer-reconnecting', DETECTION_MS))['remoteUid'], 'alice');
    assert.equal((await dave.client.next('peer-reconnecting', DETECTION_MS))['remoteUid'], 'carol');

    // alice resumes through nginx, which skips the dead node.
    const aliceBack = await resume('k1', 'alice', alice.joined);
    assert.equal(aliceBack.joined['resumed'], true);
    assert.equal(aliceBack.joined['remoteUid'], 'bob');
    assert.equal(aliceBack.joined['polite'], false);
    assert.deepEqual(await bob.client.next('peer-resumed'), { cmd: 'peer-resumed', remoteUid: 'alice', roomId: 'k1' });
    const offer = { cmd: 'offer', roomId: 'k1', uid: 'alice', remoteUid: 'bob', msg: '{"type":"offer","sdp":"v=0"}' };
    aliceBack.client.send(offer);
    assert.deepEqual(await bob.client.next('offer'), offer);

    // Both members of k4 were on the dead node: both take their seats back.
    const erinBack = await resume('k4', 'erin', erin.joined);
    const frankBack = await resume('k4', 'frank', frank.joined);
    assert.equal(erinBack.joined['resumed'], true);
    assert.equal(frankBack.joined['resumed'], true);
    assert.equal((await erinBack.client.next('peer-resumed'))['remoteUid'], 'frank');

    // carol never comes back: dave hears peer-leave once the grace is over...
    assert.deepEqual(await dave.client.next('peer-leave', GRACE * 1000 + DETECTION_MS), {
      cmd: 'peer-leave',
      remoteUid: 'carol',
      roomId: 'k2',
    });
    // ...by which time the others' grace is over too, and none of them heard peer-leave.
    for (const member of [bob, hank, aliceBack, ginaBack, erinBack, frankBack]) {
      assert.equal(member.client.received.filter((m) => m.cmd === 'peer-leave').length, 0);
    }
    assert.equal(hank.client.received.filter((m) => m.cmd === 'peer-reconnecting').length, 0);

    // The dead node's seat was freed: a newcomer gets carol's place.
    const newcomer = await join(nginx.wsUrl, 'k2', 'ivan');
    assert.equal(newcomer.joined['remoteUid'], 'dave');
  });
});
