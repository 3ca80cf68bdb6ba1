import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ERRORS } from '../../src/protocol/index.ts';
import { connectClient, joinRoom, type TestClient } from '../helpers/client.ts';
import { startServer, type TestServer } from '../helpers/server.ts';

async function expectError(client: TestClient, frame: unknown, code: string): Promise<Record<string, unknown>> {
  client.send(frame);
  const error = await client.next('error');
  assert.equal(error['code'], code, `for ${typeof frame === 'string' ? frame : JSON.stringify(frame)}`);
  assert.ok(String(error['message']).startsWith(ERRORS[code as keyof typeof ERRORS]), 'the catalogue sentence');
  return error;
}

describe('error replies', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer({ maxMessageBytes: 16 * 1024 });
  });
  after(() => server.close());

  it('answers bad input with its code and keeps the connection and the room working', async () => {
    const { client: a } = await joinRoom(server.wsUrl, 'errors', 'a');
    const { client: b } = await joinRoom(server.wsUrl, 'errors', 'b');
    await expectError(a, 'not json', 'bad-json');
    await expectError(a, '[1]', 'bad-json');
    a.ws.send(Buffer.from('{"cmd":"join"}'), { binary: true });
    assert.equal((await a.next('error'))['code'], 'bad-json');
    await expectError(a, { cmd: 'offer', roomId: 'errors', uid: 'a' }, 'bad-message');
    const unknown = await expectError(a, { cmd: 'dance', roomId: 'errors', uid: 'a' }, 'unknown-cmd');
    assert.equal(unknown['request'], 'dance');
    await expectError(
      a,
      { cmd: 'offer', roomId: 'errors', uid: 'a', remoteUid: 'b', msg: 'x'.repeat(17 * 1024) },
      'too-large',
    );
    // After all that, the call still relays.
    a.send({ cmd: 'offer', roomId: 'errors', uid: 'a', remoteUid: 'b', msg: 'sdp' });
    assert.equal((await b.next('offer'))['msg'], 'sdp');
    await Promise.all([a.close(), b.close()]);
  });

  it('checks in order: decode, then identity, then peer', async () => {
    const { client: a } = await joinRoom(server.wsUrl, 'order', 'a');
    // Wrong identity and wrong peer at once: identity comes first.
    await expectError(a, { cmd: 'offer', roomId: 'order', uid: 'x', remoteUid: 'y', msg: 'm' }, 'not-in-room');
    // Right identity, nobody else here: peer-not-found.
    await expectError(a, { cmd: 'offer', roomId: 'order', uid: 'a', remoteUid: 'y', msg: 'm' }, 'peer-not-found');
    // A bad field beats a wrong identity.
    await expectError(a, { cmd: 'offer', roomId: 'order', uid: 'x', remoteUid: 'y', msg: 1 }, 'bad-message');
    await a.close();
  });

  it('refuses leave and relays from a connection that has not joined, and never delivers them', async () => {
    const { client: a } = await joinRoom(server.wsUrl, 'spoof', 'a');
    const { client: b } = await joinRoom(server.wsUrl, 'spoof', 'b');
    const mallory = await connectClient(server.wsUrl);
    await expectError(mallory, { cmd: 'offer', roomId: 'spoof', uid: 'a', remoteUid: 'b', msg: 'evil' }, 'not-in-room');
    await expectError(mallory, { cmd: 'leave', roomId: 'spoof', uid: 'a' }, 'not-in-room');
    // A member speaking as the other member, or for another room.
    await expectError(a, { cmd: 'offer', roomId: 'spoof', uid: 'b', remoteUid: 'a', msg: 'evil' }, 'not-in-room');
    await expectError(a, { cmd: 'offer', roomId: 'other', uid: 'a', remoteUid: 'b', msg: 'evil' }, 'not-in-room');
    await expectError(a, { cmd: 'leave', roomId: 'spoof', uid: 'b' }, 'not-in-room');
    assert.equal(await b.none('offer', 200), true, 'b got no forged offer');
    assert.equal(await a.none('peer-leave', 50), true);
    await Promise.all([a.close(), b.close(), mallory.close()]);
  });

  it('refuses a second uid in the same room with uid-taken and a join elsewhere with already-in-room', async () => {
    const { client: a } = await joinRoom(server.wsUrl, 'taken', 'a');
    const other = await connectClient(server.wsUrl);
    await expectError(other, { cmd: 'join', roomId: 'taken', uid: 'a' }, 'uid-taken');
    await expectError(other, { cmd: 'join', roomId: 'taken', uid: 'a', resume: 'guess' }, 'uid-taken');
    await expectError(a, { cmd: 'join', roomId: 'elsewhere', uid: 'a' }, 'already-in-room');
    // The first seat is kept: a still gets the next joiner.
    other.send({ cmd: 'join', roomId: 'taken', uid: 'b' });
    assert.equal((await a.next('new-peer'))['remoteUid'], 'b');
    await Promise.all([a.close(), other.close()]);
  });

  it('answers a repeated join for the same seat again instead of refusing it', async () => {
    const { client: a, joined } = await joinRoom(server.wsUrl, 'again', 'a');
    a.send({ cmd: 'join', roomId: 'again', uid: 'a' });
    const again = await a.next('joined');
    assert.equal(again['resume'], joined['resume']);
    await a.close();
  });

  it('relays numeric roomId and uid as their decimal strings', async () => {
    const a = await connectClient(server.wsUrl);
    a.send({ cmd: 'join', roomId: 42, uid: 1 });
    assert.equal((await a.next('joined'))['roomId'], '42');
    const b = await connectClient(server.wsUrl);
    b.send({ cmd: 'join', roomId: 42, uid: 2 });
    assert.equal((await b.next('resp-join'))['remoteUid'], '1');
    a.send({ cmd: 'offer', roomId: 42, uid: 1, remoteUid: 2, msg: 'sdp' });
    assert.deepEqual(await b.next('offer'), { cmd: 'offer', roomId: '42', uid: '1', remoteUid: '2', msg: 'sdp' });
    await Promise.all([a.close(), b.close()]);
  });

  it('cuts off a frame beyond 4 MiB with close code 1009 and keeps serving others', async () => {
    const { client: a } = await joinRoom(server.wsUrl, 'huge', 'a');
    const { client: b } = await joinRoom(server.wsUrl, 'huge', 'b');
    const big = await connectClient(server.wsUrl);
    big.ws.send('x'.repeat(4 * 1024 * 1024 + 10));
    assert.equal((await big.closed).code, 1009);
    a.send({ cmd: 'candidate', roomId: 'huge', uid: 'a', remoteUid: 'b', msg: 'c' });
    assert.equal((await b.next('candidate'))['msg'], 'c');
    // Between the configured limit and 4 MiB: too-large, connection open.
    const mid = await connectClient(server.wsUrl);
    await expectError(mid, 'x'.repeat(1024 * 1024), 'too-large');
    await Promise.all([a.close(), b.close(), mid.close()]);
  });
});
