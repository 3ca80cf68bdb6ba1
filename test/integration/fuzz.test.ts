import assert from 'node:assert/strict';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, it } from 'node:test';
import { WebSocket } from 'ws';
import { joinRoom, withTimeout } from '../helpers/client.ts';
import { prng } from '../helpers/prng.ts';
import { startServer } from '../helpers/server.ts';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const FRAMES = 100_000;
const CONNECTIONS = 40;
const LIMIT = 64 * 1024;

function makeFuzzer(random: () => number): () => { data: string | Buffer; binary: boolean } {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const int = (n: number): number => Math.floor(random() * n);
  const anyValue = (): unknown =>
    pick<() => unknown>([
      () => 'r' + int(20),
      () => 'u' + int(20),
      () => int(1e6),
      () => -int(10),
      () => 1e308,
      () => '',
      () => 'x'.repeat(65 + int(100)),
      () => '\u0000\u0007\u001f',
      () => '房间' + int(5),
      () => null,
      () => true,
      () => [1, 'a'],
      () => ({ nested: { deeper: [1] } }),
      () => undefined,
    ])();
  const cmds = ['join', 'leave', 'offer', 'answer', 'candidate', 'dance', '', 'JOIN', '__proto__', 'constructor'];
  const bytes = (n: number): Buffer => Buffer.from(Array.from({ length: n }, () => int(256)));
  return () =>
    pick<() => { data: string | Buffer; binary: boolean }>([
      // Not JSON, or JSON that is not an object.
      () => ({ data: bytes(1 + int(200)).toString('latin1'), binary: false }),
      () => ({ data: pick(['', ' ', 'null', '[]', '"join"', '12', 'true', '{', '}{', '{"cmd":']), binary: false }),
      // Binary frames of random bytes, some shaped like a valid message.
      () => ({ data: bytes(1 + int(500)), binary: true }),
      () => ({ data: Buffer.from('{"cmd":"join","roomId":"r1","uid":"u1"}'), binary: true }),
      // Deep nesting.
      () => {
        const depth = 1000 + int(20_000);
        return { data: '['.repeat(depth) + ']'.repeat(depth), binary: false };
      },
      () => ({ data: '{"a":'.repeat(3000) + '1' + '}'.repeat(3000), binary: false }),
      // Oversized.
      () => ({ data: JSON.stringify({ cmd: 'offer', msg: 'x'.repeat(LIMIT + int(LIMIT)) }), binary: false }),
      // Wrong types and random fields on real and fake commands.
      () => ({
        data: JSON.stringify({
          cmd: random() < 0.8 ? pick(cmds) : anyValue(),
          roomId: anyValue(),
          uid: anyValue(),
          remoteUid: anyValue(),
          msg: anyValue(),
          resume: anyValue(),
        }),
        binary: false,
      }),
      // Plausible traffic that races joins, leaves and relays over a few rooms.
      () => ({
        data: JSON.stringify({
          cmd: pick(['join', 'leave', 'offer', 'candidate']),
          roomId: `fz${int(8)}`,
          uid: `u${int(6)}`,
          remoteUid: `u${int(6)}`,
          msg: 'm'.repeat(int(300)),
        }),
        binary: false,
      }),
      // Prototype pollution attempts.
      () => ({
        data: '{"cmd":"join","roomId":"__proto__","uid":"constructor","__proto__":{"polite":true}}',
        binary: false,
      }),
    ])();
}

async function fuzzConnection(url: string, seed: number, frames: number): Promise<number> {
  const next = makeFuzzer(prng(seed));
  let sent = 0;
  while (sent < frames) {
    const ws = new WebSocket(url);
    ws.on('error', () => undefined);
    const closed = new Promise<void>((resolve) => ws.once('close', () => resolve()));
    const opened = await Promise.race([
      new Promise<boolean>((resolve) => ws.once('open', () => resolve(true))),
      closed.then(() => false),
    ]);
    if (!opened) continue;
    while (sent < frames && ws.readyState === WebSocket.OPEN) {
      const { data, binary } = next();
      ws.send(data, { binary });
      sent++;
      if (ws.bufferedAmount > 1024 * 1024 || sent % 200 === 0) {
        await new Promise((resolve) => setImmediate(resolve));
      }
    }
    // Invalid UTF-8 in a text frame makes the server close (1007): carry on with a new socket.
    if (ws.readyState === WebSocket.OPEN) ws.close();
    await closed;
  }
  return sent;
}

describe('fuzzing the signaling server', () => {
  it('survives 100,000 malformed, oversized, binary, nested and random frames; other rooms keep calling; memory comes back', async () => {
    const server = await startServer({ rateLimit: 0, maxConnsPerIp: 0, logLevel: 'warn', maxMessageBytes: LIMIT });
    gc();
    const heapBefore = process.memoryUsage().heapUsed;

    // Two well-behaved people are in a call before and during the storm.
    const { client: a } = await joinRoom(server.wsUrl, 'calm-room', 'alice');
    const { client: b } = await joinRoom(server.wsUrl, 'calm-room', 'bob');

    const perConnection = FRAMES / CONNECTIONS;
    const storm = Promise.all(
      Array.from({ length: CONNECTIONS }, (_, i) => fuzzConnection(server.wsUrl, 1000 + i, perConnection)),
    );
    // Mid-storm, the calm room still relays.
    a.send({ cmd: 'offer', roomId: 'calm-room', uid: 'alice', remoteUid: 'bob', msg: 'during' });
    assert.equal((await b.next('offer', 20_000))['msg'], 'during');
    const sent = (await withTimeout(storm, 240_000, 'the fuzz storm')).reduce((x, y) => x + y, 0);
    assert.ok(sent >= FRAMES, `sent ${sent} frames`);

    // Alive, and the calm room's call still works both ways.
    assert.equal((await fetch(`${server.httpUrl}/healthz`)).status, 200);
    a.send({ cmd: 'offer', roomId: 'calm-room', uid: 'alice', remoteUid: 'bob', msg: 'after' });
    assert.equal((await b.next('offer'))['msg'], 'after');
    b.send({ cmd: 'answer', roomId: 'calm-room', uid: 'bob', remoteUid: 'alice', msg: 'ok' });
    assert.equal((await a.next('answer'))['msg'], 'ok');
    // And a new call can start in a new room.
    const { client: c } = await joinRoom(server.wsUrl, 'after-storm', 'c');
    const { client: d } = await joinRoom(server.wsUrl, 'after-storm', 'd');
    c.send({ cmd: 'candidate', roomId: 'after-storm', uid: 'c', remoteUid: 'd', msg: 'cand' });
    assert.equal((await d.next('candidate'))['msg'], 'cand');

    await Promise.all([a.close(), b.close(), c.close(), d.close()]);
    // Every fuzz seat was given back when its socket closed; nothing is left behind.
    const deadline = Date.now() + 5000;
    while (server.app.signaling.connections.size > 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.equal(server.app.signaling.connections.size, 0);
    assert.equal(await server.app.store.roomCount(), 0);
    gc();
    const grown = process.memoryUsage().heapUsed - heapBefore;
    assert.ok(grown < 16 * 1024 * 1024, `heap grew by ${(grown / 1048576).toFixed(1)} MiB`);
    await server.close();
  });
});
