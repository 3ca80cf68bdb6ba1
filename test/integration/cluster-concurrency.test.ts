/**
 * Joins racing through different nodes: the seat count is decided in Redis, atomically.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { connectClient, withTimeout, type Frame, type TestClient } from '../helpers/client.ts';
import { startNode, startRedis, type TestNode, type TestRedis } from '../helpers/cluster.ts';

const ROOMS = 30;
const PER_ROOM = 8;

describe('joins racing across nodes', () => {
  let redis: TestRedis;
  let nodes: TestNode[];
  const clients: TestClient[] = [];

  before(async () => {
    redis = await startRedis();
    nodes = await Promise.all([startNode(redis.url), startNode(redis.url), startNode(redis.url)]);
  });
  after(async () => {
    for (const client of clients) client.drop();
    await Promise.all(nodes.map((node) => node.close()));
    await redis.close();
  });

  it('never seats more than two in a room, whichever node each joiner comes through', async () => {
    const entrants: { client: TestClient; roomId: string; uid: string }[] = [];
    for (let room = 0; room < ROOMS; room++) {
      for (let i = 0; i < PER_ROOM; i++) {
        const node = nodes[(room + i) % nodes.length]!;
        const client = await connectClient(node.wsUrl);
        clients.push(client);
        entrants.push({ client, roomId: `race-${room}`, uid: `u${i}` });
      }
    }
    // Every join leaves at (nearly) the same moment.
    for (const { client, roomId, uid } of entrants) client.send({ cmd: 'join', roomId, uid });
    const answers = await Promise.all(
      entrants.map(async (entrant) => ({ ...entrant, answer: await firstOf(entrant.client, ['joined', 'error']) })),
    );

    for (let room = 0; room < ROOMS; room++) {
      const inRoom = answers.filter((a) => a.roomId === `race-${room}`);
      const seated = inRoom.filter((a) => a.answer.cmd === 'joined');
      const refused = inRoom.filter((a) => a.answer.cmd === 'error');
      assert.equal(seated.length, 2, `room race-${room} seats exactly two`);
      assert.deepEqual(new Set(refused.map((a) => a.answer['code'])), new Set(['room-full']));
      // One offers, one waits: never two of the same role.
      assert.deepEqual(seated.map((a) => a.answer['polite']).sort(), [false, true]);
      // The second one seated hears of the first, and the first of the second, across nodes.
      const second = seated.find((a) => a.answer['polite'] === true)!;
      const first = seated.find((a) => a.answer['polite'] === false)!;
      assert.equal((await second.client.next('resp-join'))['remoteUid'], first.uid);
      assert.equal((await first.client.next('new-peer'))['remoteUid'], second.uid);
    }
  });
});

/** The first message (in arrival order) whose cmd is one of `cmds`; others stay unread. */
async function firstOf(client: TestClient, cmds: readonly string[]): Promise<Frame> {
  for (;;) {
    const index = client.received.findIndex((frame) => frame.cmd !== undefined && cmds.includes(frame.cmd));
    if (index !== -1) return client.received.splice(index, 1)[0]!;
    await withTimeout(new Promise((resolve) => client.ws.once('message', resolve)), 10_000, cmds.join(' or '));
  }
}
