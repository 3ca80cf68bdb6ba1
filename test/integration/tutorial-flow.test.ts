import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { connectClient, type TestClient } from '../helpers/client.ts';
import { startServer, type TestServer } from '../helpers/server.ts';

// The seed article's client: a bare WebSocket to ws://host:port (no path), the tutorial's
// messages exactly, a random uid, and no knowledge of any addition.
const OFFER_SDP = JSON.stringify({
  type: 'offer',
  sdp: `v=0\r\no=- 4611731400430051336 2 IN IP4 127.0.0.1\r\n${'a=x\r\n'.repeat(800)}`,
});
const CANDIDATE = JSON.stringify({
  label: 0,
  id: '0',
  candidate: 'candidate:1 1 udp 2122260223 127.0.0.1 54321 typ host',
});

describe('the tutorial client flow', () => {
  let server: TestServer;
  let url: string;
  before(async () => {
    server = await startServer();
    url = `ws://127.0.0.1:${server.port}`;
  });
  after(() => server.close());

  it('seats two, relays offer/answer/candidate unchanged, refuses a third, and tells of a leave', async () => {
    const a: TestClient = await connectClient(url);
    a.send(JSON.stringify({ cmd: 'join', roomId: '100', uid: 'alice' }));
    const joinedA = await a.next('joined');
    assert.equal(joinedA['polite'], false);

    const b = await connectClient(url);
    b.send({ cmd: 'join', roomId: '100', uid: 'bob' });
    assert.deepEqual(await b.next('resp-join'), { cmd: 'resp-join', remoteUid: 'alice', roomId: '100', polite: true });
    assert.deepEqual(await a.next('new-peer'), { cmd: 'new-peer', remoteUid: 'bob', roomId: '100', polite: false });

    const offer = { cmd: 'offer', roomId: '100', uid: 'alice', remoteUid: 'bob', msg: OFFER_SDP };
    a.send(offer);
    assert.deepEqual(await b.next('offer'), offer);
    const answer = {
      cmd: 'answer',
      roomId: '100',
      uid: 'bob',
      remoteUid: 'alice',
      msg: '{"type":"answer","sdp":"v=0"}',
    };
    b.send(answer);
    assert.deepEqual(await a.next('answer'), answer);
    const candidate = { cmd: 'candidate', roomId: '100', uid: 'bob', remoteUid: 'alice', msg: CANDIDATE };
    b.send(candidate);
    assert.deepEqual(await a.next('candidate'), candidate);

    const c = await connectClient(url);
    c.send({ cmd: 'join', roomId: '100', uid: 'carol' });
    const refused = await c.next('error');
    assert.equal(refused['code'], 'room-full');
    assert.match(String(refused['message']), /two people/);

    b.send({ cmd: 'leave', roomId: '100', uid: 'bob' });
    assert.deepEqual(await a.next('peer-leave'), { cmd: 'peer-leave', remoteUid: 'bob', roomId: '100' });

    // The seat is free again: the third person gets in now.
    c.send({ cmd: 'join', roomId: '100', uid: 'carol' });
    assert.equal((await c.next('resp-join'))['remoteUid'], 'alice');
    assert.equal((await a.next('new-peer'))['remoteUid'], 'carol');
    await Promise.all([a.close(), b.close(), c.close()]);
  });
});
