import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fakeCallClient, settle } from '../helpers/client-fakes.ts';

function setup(deny?: string) {
  return fakeCallClient(deny === undefined ? {} : { deny });
}

const joined = (extra: Record<string, unknown> = {}) => ({
  cmd: 'joined',
  roomId: 'r',
  uid: 'a',
  polite: false,
  resume: 'cred',
  resumed: false,
  graceSeconds: 10,
  ...extra,
});

/** Joins as the first member and connects with `b`, who joins second. */
async function connected() {
  const t = setup();
  const joining = t.client.join('r', { uid: 'a' });
  t.sockets.last().open();
  t.sockets.last().receive(joined());
  await joining;
  await settle();
  assert.equal(t.client.state, 'waiting');
  t.sockets.last().receive({ cmd: 'new-peer', remoteUid: 'b', roomId: 'r', polite: false });
  await settle();
  const pc = t.pcs[0];
  assert.ok(pc);
  const offer = t.sockets.last().sentCmd('offer')[0];
  assert.ok(offer, 'the member that heard new-peer offers');
  t.sockets.last().receive({
    cmd: 'answer',
    roomId: 'r',
    uid: 'b',
    remoteUid: 'a',
    msg: JSON.stringify({ type: 'answer', sdp: 'x' }),
  });
  await settle();
  pc.addRemoteTrack('video');
  pc.setConnectionState('connected');
  assert.equal(t.client.state, 'connected');
  return { ...t, pc };
}

describe('CallClient', () => {
  it('goes joining → waiting → connecting → connected', async () => {
    const { states } = await connected();
    assert.deepEqual(states, ['joining', 'waiting', 'connecting', 'connected']);
  });

  it('keeps the call through a server restart when the peer comes back with the same uid', async () => {
    const { sockets, clock, client, pcs, pc, states } = await connected();
    sockets.last().drop(1012);
    assert.equal(client.state, 'reconnecting');
    clock.tick(1000);
    sockets.last().open();
    assert.equal(sockets.last().sent[0]?.['resume'], 'cred');
    // The new server does not know the seat: a fresh one, alone for now.
    sockets.last().receive(joined({ resumed: false }));
    await settle();
    assert.equal(client.state, 'connected');
    sockets.last().receive({ cmd: 'new-peer', remoteUid: 'b', roomId: 'r', polite: false });
    await settle();
    assert.equal(pcs.length, 1, 'no new peer connection');
    assert.equal(pc.closed, false);
    assert.equal(client.state, 'connected');
    assert.deepEqual(states.slice(-2), ['reconnecting', 'connected']);
  });

  it('starts a fresh connection when the peer returns and the old one is not connected', async () => {
    const { sockets, pcs, pc } = await connected();
    pc.setConnectionState('failed');
    sockets.last().receive({ cmd: 'peer-leave', remoteUid: 'b', roomId: 'r' });
    sockets.last().receive({ cmd: 'new-peer', remoteUid: 'b', roomId: 'r', polite: false });
    await settle();
    assert.equal(pcs.length, 2);
    assert.equal(pc.closed, true);
  });

  it('goes back to waiting when the peer leaves', async () => {
    const { sockets, client, pc } = await connected();
    sockets.last().receive({ cmd: 'peer-leave', remoteUid: 'b', roomId: 'r' });
    await settle();
    assert.equal(client.state, 'waiting');
    assert.equal(pc.closed, true);
    assert.equal(client.peer, undefined);
  });

  it('marks the peer reconnecting while its seat is held, and here again when it resumes', async () => {
    const { sockets, client } = await connected();
    sockets.last().receive({ cmd: 'peer-reconnecting', remoteUid: 'b', roomId: 'r', graceSeconds: 10 });
    await settle();
    assert.equal(client.peer?.presence, 'reconnecting');
    assert.equal(client.state, 'connected');
    sockets.last().receive({ cmd: 'peer-resumed', remoteUid: 'b', roomId: 'r' });
    await settle();
    assert.equal(client.peer?.presence, 'here');
  });

  it('follows a peer that starts a new connection (its offer does not fit the old one)', async () => {
    const { sockets, pcs } = await connected();
    sockets.last().receive({
      cmd: 'offer',
      roomId: 'r',
      uid: 'b',
      remoteUid: 'a',
      msg: JSON.stringify({ type: 'offer', sdp: 'incompatible-fingerprint' }),
    });
    await settle();
    // The fake refuses that SDP on any connection; what matters is that a fresh one was tried.
    assert.equal(pcs.length, 2);
  });

  it('ends with media-denied when camera and microphone are refused', async () => {
    const { client, sockets } = setup('NotAllowedError');
    await assert.rejects(client.join('r'), { code: 'media-denied' });
    assert.equal(client.state, 'error');
    assert.equal(client.error?.code, 'media-denied');
    assert.equal(sockets.last().readyState, 3, 'the signaling connection is closed');
  });

  it('ends with room-full when the room is full', async () => {
    const { client, sockets } = setup();
    const joining = client.join('r');
    sockets.last().open();
    sockets.last().receive({ cmd: 'error', code: 'room-full', message: 'full', request: 'join' });
    await joining;
    assert.equal(client.state, 'error');
    assert.equal(client.error?.code, 'room-full');
  });

  it('leaves cleanly: leave sent, media stopped, state left', async () => {
    const { client, sockets, pc } = await connected();
    client.leave();
    client.leave();
    assert.equal(client.state, 'left');
    assert.equal(sockets.last().sentCmd('leave').length, 1);
    assert.equal(pc.closed, true);
  });
});
