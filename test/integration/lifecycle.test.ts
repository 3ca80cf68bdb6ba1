import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { WebSocket } from 'ws';
import { connectClient, joinRoom } from '../helpers/client.ts';
import { startServer, type TestServer } from '../helpers/server.ts';

describe('leaving, dropping and resuming', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer({ graceSeconds: 0.6, heartbeatSeconds: 0.15 });
  });
  after(() => server.close());

  it('treats a clean close as leave: the other member gets peer-leave at once', async () => {
    const { client: a } = await joinRoom(server.wsUrl, 'close', 'a');
    const { client: b } = await joinRoom(server.wsUrl, 'close', 'b');
    await b.close();
    // Well inside the grace period: this is not the held-seat path.
    assert.deepEqual(await a.next('peer-leave', 300), { cmd: 'peer-leave', remoteUid: 'b', roomId: 'close' });
    await a.close();
  });

  it('holds an abnormally dropped seat, tells the peer, and releases it after the grace period', async () => {
    const { client: a } = await joinRoom(server.wsUrl, 'drop', 'a');
    const { client: b } = await joinRoom(server.wsUrl, 'drop', 'b');
    b.drop();
    const notice = await a.next('peer-reconnecting');
    assert.deepEqual(notice, { cmd: 'peer-reconnecting', remoteUid: 'b', roomId: 'drop', graceSeconds: 0.6 });
    // Meanwhile the seat is b's: a plain join with b's uid is refused, and nobody else fits.
    const impostor = await connectClient(server.wsUrl);
    impostor.send({ cmd: 'join', roomId: 'drop', uid: 'b' });
    assert.equal((await impostor.next('error'))['code'], 'uid-taken');
    impostor.send({ cmd: 'join', roomId: 'drop', uid: 'c' });
    assert.equal((await impostor.next('error'))['code'], 'room-full');
    // Messages to a reconnecting peer are dropped, not refused.
    a.send({ cmd: 'candidate', roomId: 'drop', uid: 'a', remoteUid: 'b', msg: 'x' });
    assert.deepEqual(await a.next('peer-leave', 2000), { cmd: 'peer-leave', remoteUid: 'b', roomId: 'drop' });
    impostor.send({ cmd: 'join', roomId: 'drop', uid: 'c' });
    assert.equal((await impostor.next('resp-join'))['remoteUid'], 'a');
    assert.equal(
      server.logs.some((line) => line['msg'] === 'held seat released'),
      true,
    );
    await Promise.all([a.close(), impostor.close()]);
  });

  it('gives the seat back to the same client within the grace period, and the peer never sees peer-leave', async () => {
    const { client: a } = await joinRoom(server.wsUrl, 'resume', 'a');
    const { client: b, joined } = await joinRoom(server.wsUrl, 'resume', 'b');
    assert.equal(typeof joined['resume'], 'string');
    b.drop();
    await a.next('peer-reconnecting');
    const b2 = await connectClient(server.wsUrl);
    b2.send({ cmd: 'join', roomId: 'resume', uid: 'b', resume: joined['resume'] });
    const back = await b2.next('joined');
    assert.equal(back['resumed'], true);
    assert.equal(back['polite'], true, 'the role is kept');
    assert.equal(back['remoteUid'], 'a');
    assert.deepEqual(await a.next('peer-resumed'), { cmd: 'peer-resumed', remoteUid: 'b', roomId: 'resume' });
    // Relay works both ways on the new connection.
    a.send({ cmd: 'offer', roomId: 'resume', uid: 'a', remoteUid: 'b', msg: 'o' });
    assert.equal((await b2.next('offer'))['msg'], 'o');
    b2.send({ cmd: 'answer', roomId: 'resume', uid: 'b', remoteUid: 'a', msg: 'x' });
    assert.equal((await a.next('answer'))['msg'], 'x');
    assert.equal(await a.none('peer-leave', 900), true, 'no peer-leave after the grace period');
    await Promise.all([a.close(), b2.close()]);
  });

  it('lets a resume take over a seat whose old connection still looks alive', async () => {
    const { client: a } = await joinRoom(server.wsUrl, 'takeover', 'a');
    const { client: b, joined } = await joinRoom(server.wsUrl, 'takeover', 'b');
    const b2 = await connectClient(server.wsUrl);
    b2.send({ cmd: 'join', roomId: 'takeover', uid: 'b', resume: joined['resume'] });
    assert.equal((await b2.next('joined'))['resumed'], true);
    assert.equal((await b.closed).code, 4001);
    assert.equal((await a.next('peer-resumed'))['remoteUid'], 'b');
    a.send({ cmd: 'offer', roomId: 'takeover', uid: 'a', remoteUid: 'b', msg: 'o' });
    assert.equal((await b2.next('offer'))['msg'], 'o');
    assert.equal(await a.none('peer-leave', 100), true, 'the replaced connection did not leave');
    await Promise.all([a.close(), b2.close()]);
  });

  it('does not let a wrong credential take a held seat, and after the grace the uid is free', async () => {
    const { client: a } = await joinRoom(server.wsUrl, 'late', 'a');
    const { client: b, joined } = await joinRoom(server.wsUrl, 'late', 'b');
    b.drop();
    await a.next('peer-reconnecting');
    const thief = await connectClient(server.wsUrl);
    thief.send({ cmd: 'join', roomId: 'late', uid: 'b', resume: `${String(joined['resume'])}x` });
    assert.equal((await thief.next('error'))['code'], 'uid-taken');
    await a.next('peer-leave', 2000);
    // Too late to resume: the seat is gone, so the client is seated afresh, as a new member.
    const b2 = await connectClient(server.wsUrl);
    b2.send({ cmd: 'join', roomId: 'late', uid: 'b', resume: joined['resume'] });
    const fresh = await b2.next('joined');
    assert.equal(fresh['resumed'], false);
    assert.notEqual(fresh['resume'], joined['resume']);
    assert.equal((await a.next('new-peer'))['remoteUid'], 'b');
    await Promise.all([a.close(), b2.close(), thief.close()]);
  });

  it('drops a member that stops answering pings, holds its seat, and tells the peer', async () => {
    const { client: a } = await joinRoom(server.wsUrl, 'silent', 'a');
    const silent = await connectClient(server.wsUrl, { autoPong: false });
    silent.send({ cmd: 'join', roomId: 'silent', uid: 's' });
    await silent.next('joined');
    // Its join went both ways, so the first visit (every 0.15 s) sends no ping, the second pings,
    // the fourth finds two pings unanswered: dropped 0.45-0.6 s after the join.
    assert.equal((await a.next('peer-reconnecting', 2000))['remoteUid'], 's');
    assert.equal((await silent.closed).code, 1006);
    await a.next('peer-leave', 2000);
    await a.close();
  });

  it('takes frames both ways as signs of life: a member that relays is kept without a pong, and dropped once it falls silent', async () => {
    const { client: a } = await joinRoom(server.wsUrl, 'busy', 'a');
    const busy = await connectClient(server.wsUrl, { autoPong: false });
    busy.send({ cmd: 'join', roomId: 'busy', uid: 'b' });
    await busy.next('joined');
    await a.next('new-peer');
    // Candidates both ways every 30 ms for about seven heartbeat intervals (0.15 s): without the
    // frames counting, the silent pong would drop 'b' after two of them.
    for (let i = 0; i < 35; i++) {
      busy.send({ cmd: 'candidate', roomId: 'busy', uid: 'b', remoteUid: 'a', msg: `b${i}` });
      a.send({ cmd: 'candidate', roomId: 'busy', uid: 'a', remoteUid: 'b', msg: `a${i}` });
      await delay(30);
    }
    assert.equal(busy.ws.readyState, WebSocket.OPEN, 'kept while relaying');
    assert.equal(a.received.filter((frame) => frame.cmd === 'peer-reconnecting').length, 0);
    // Quiet now: pinged, no pong, dropped.
    assert.equal((await a.next('peer-reconnecting', 2000))['remoteUid'], 'b');
    assert.equal((await busy.closed).code, 1006);
    await a.close();
  });

  it('keeps a member that answers pings, however long it stays quiet', async () => {
    const { client: a } = await joinRoom(server.wsUrl, 'quiet', 'a');
    const { client: b } = await joinRoom(server.wsUrl, 'quiet', 'b');
    assert.equal(await a.none('peer-reconnecting', 1000), true);
    b.send({ cmd: 'candidate', roomId: 'quiet', uid: 'b', remoteUid: 'a', msg: 'still here' });
    assert.equal((await a.next('candidate'))['msg'], 'still here');
    await Promise.all([a.close(), b.close()]);
  });

  it('accepts the tutorial client on / with no path, and refuses other paths', async () => {
    const { client } = await joinRoom(`ws://127.0.0.1:${server.port}`, 'root', 'a');
    await client.close();
    const wrong = connectClient(`ws://127.0.0.1:${server.port}/elsewhere`);
    await assert.rejects(wrong);
  });
});

describe('shutdown', () => {
  it('tells connected clients to reconnect with close code 1012, and stops answering', async () => {
    const server = await startServer();
    const { client } = await joinRoom(server.wsUrl, 'bye', 'a');
    const closing = server.close();
    assert.equal((await client.closed).code, 1012);
    await closing;
    await assert.rejects(fetch(`${server.httpUrl}/healthz`));
    await server.close();
  });
});
