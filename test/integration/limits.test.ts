import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { connectClient, joinRoom, TestClient } from '../helpers/client.ts';
import { startServer } from '../helpers/server.ts';

describe('limits', () => {
  it('answers a flood with rate-limited (once a second, not per frame) and serves the sender again later', async () => {
    const server = await startServer({ rateLimit: 20, rateBurst: 10 });
    const { client: a } = await joinRoom(server.wsUrl, 'flood', 'a');
    const { client: b } = await joinRoom(server.wsUrl, 'flood', 'b');
    for (let i = 0; i < 200; i++) a.send({ cmd: 'candidate', roomId: 'flood', uid: 'a', remoteUid: 'b', msg: `c${i}` });
    const error = await a.next('error');
    assert.equal(error['code'], 'rate-limited');
    assert.match(String(error['message']), /20 messages a second/);
    await b.next('candidate');
    assert.equal(await a.none('error', 300), true, 'one rate-limited reply for the whole burst');
    const delivered = b.received.filter((f) => f.cmd === 'candidate').length + 1;
    assert.ok(delivered <= 12, `at most the burst got through (${delivered})`);
    // Another room is not affected at all.
    const { client: c } = await joinRoom(server.wsUrl, 'calm', 'c');
    const { client: d } = await joinRoom(server.wsUrl, 'calm', 'd');
    c.send({ cmd: 'offer', roomId: 'calm', uid: 'c', remoteUid: 'd', msg: 'hi' });
    assert.equal((await d.next('offer'))['msg'], 'hi');
    await new Promise((resolve) => setTimeout(resolve, 200));
    a.send({ cmd: 'offer', roomId: 'flood', uid: 'a', remoteUid: 'b', msg: 'later' });
    assert.equal((await b.next('offer'))['msg'], 'later');
    await Promise.all([a.close(), b.close(), c.close(), d.close()]);
    await server.close();
  });

  it('refuses connections beyond the per-address limit with a reason, and takes them again once one closes', async () => {
    const server = await startServer({ maxConnsPerIp: 3 });
    const open = await Promise.all([1, 2, 3].map(() => connectClient(server.wsUrl)));
    const extra = new TestClient(server.wsUrl);
    const error = await extra.next('error');
    assert.equal(error['code'], 'rate-limited');
    assert.match(String(error['message']), /3 open connections/);
    assert.equal((await extra.closed).code, 4002);
    await open[0]!.close();
    const again = await connectClient(server.wsUrl);
    again.send({ cmd: 'join', roomId: 'r', uid: 'a' });
    await again.next('joined');
    await Promise.all([again.close(), open[1]!.close(), open[2]!.close()]);
    await server.close();
  });

  it('refuses a WebSocket from an Origin not on the allowlist with unauthorized', async () => {
    const server = await startServer({ allowedOrigins: ['https://calls.example'] });
    const stranger = new TestClient(server.wsUrl, { origin: 'https://evil.example' });
    const error = await stranger.next('error');
    assert.equal(error['code'], 'unauthorized');
    assert.match(String(error['message']), /evil\.example/);
    assert.equal((await stranger.closed).code, 1008);
    const noOrigin = new TestClient(server.wsUrl);
    assert.equal((await noOrigin.next('error'))['code'], 'unauthorized');
    const friend = await connectClient(server.wsUrl, { origin: 'https://calls.example' });
    friend.send({ cmd: 'join', roomId: 'r', uid: 'a' });
    await friend.next('joined');
    await friend.close();
    await server.close();
  });

  it('accepts any Origin when no allowlist is set', async () => {
    const server = await startServer();
    const client = await connectClient(server.wsUrl, { origin: 'https://anywhere.example' });
    client.send({ cmd: 'join', roomId: 'r', uid: 'a' });
    await client.next('joined');
    await client.close();
    await server.close();
  });
});
