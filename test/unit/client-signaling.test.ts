import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ZeroRtcError } from '../../src/client/errors.ts';
import { SignalingClient } from '../../src/client/signaling-client.ts';
import type { SignalingState } from '../../src/client/signaling-types.ts';
import { FakeClock, socketFactory } from '../helpers/client-fakes.ts';

const JOINED = {
  cmd: 'joined',
  roomId: 'r',
  uid: 'a',
  polite: false,
  resume: 'cred-1',
  resumed: false,
  graceSeconds: 10,
};

function setup(options: { maxInitialAttempts?: number } = {}) {
  const clock = new FakeClock();
  const sockets = socketFactory();
  const client = new SignalingClient({ url: 'ws://x/ws', createSocket: sockets.create, clock, ...options });
  const states: SignalingState[] = [];
  const errors: ZeroRtcError[] = [];
  client.on('state', (s) => states.push(s));
  client.on('error', (e) => errors.push(e));
  /** Joins room r as a and gets seated; returns the seated socket. */
  const seated = () => {
    client.join('r', 'a');
    sockets.last().open();
    sockets.last().receive(JOINED);
    return sockets.last();
  };
  return { clock, sockets, client, states, errors, seated };
}

describe('SignalingClient', () => {
  it('sends join once the socket opens and is joined on `joined`', () => {
    const { sockets, client, states } = setup();
    client.join('r', 'a');
    sockets.last().open();
    assert.deepEqual(sockets.last().sent, [{ cmd: 'join', roomId: 'r', uid: 'a' }]);
    sockets.last().receive(JOINED);
    assert.deepEqual(states, ['connecting', 'joined']);
    assert.equal(client.resumeCredential, 'cred-1');
  });

  it('reconnects after a server restart (1012) and presents the resume credential', () => {
    const { clock, sockets, client, states, seated } = setup();
    seated();
    sockets.last().drop(1012);
    assert.equal(client.state, 'reconnecting');
    assert.equal(sockets.sockets.length, 1);
    clock.tick(1000);
    assert.equal(sockets.sockets.length, 2);
    sockets.last().open();
    assert.deepEqual(sockets.last().sent, [{ cmd: 'join', roomId: 'r', uid: 'a', resume: 'cred-1' }]);
    sockets.last().receive({ ...JOINED, resume: 'cred-2', resumed: true });
    assert.deepEqual(states, ['connecting', 'joined', 'reconnecting', 'joined']);
    assert.equal(client.resumeCredential, 'cred-2');
  });

  it('pings a quiet socket, and reconnects with resume when a ping gets no answer (a dead address)', () => {
    const { clock, sockets, client, states, seated } = setup();
    seated();
    clock.tick(10_000);
    assert.deepEqual(sockets.last().sent.at(-1), { cmd: 'ping' });
    // A live socket answers: nothing happens, the next ping comes a keepalive later.
    sockets.last().receive({ cmd: 'pong' });
    clock.tick(5000);
    assert.equal(client.state, 'joined');
    // The network changed: the socket is still "open" but nothing comes back.
    client.checkConnection();
    assert.deepEqual(sockets.last().sent.at(-1), { cmd: 'ping' });
    clock.tick(2500);
    assert.equal(client.state, 'reconnecting');
    clock.tick(1000);
    assert.equal(sockets.sockets.length, 2);
    sockets.last().open();
    assert.deepEqual(sockets.last().sent, [{ cmd: 'join', roomId: 'r', uid: 'a', resume: 'cred-1' }]);
    sockets.last().receive({ ...JOINED, resumed: true });
    assert.deepEqual(states, ['connecting', 'joined', 'reconnecting', 'joined']);
  });

  it('renew() after a change of network reconnects at once with resume, without giving the seat up', () => {
    const { clock, sockets, client, states, seated } = setup();
    const relayed: string[] = [];
    client.on('message', (m) => relayed.push(m.cmd));
    client.renew(); // not joined yet: nothing to renew
    assert.equal(sockets.sockets.length, 0);
    const old = seated();
    client.renew();
    assert.equal(sockets.sockets.length, 2, 'no backoff, no ping first: the new socket is opened now');
    assert.equal(client.state, 'reconnecting');
    // A clean close would give the seat up: the old socket stays open until the seat has moved,
    // and what the server still sends on it is not lost.
    assert.equal(old.closedWith, undefined);
    old.receive({ cmd: 'offer', roomId: 'r', uid: 'b', remoteUid: 'a', msg: '{"type":"offer","sdp":"v=0"}' });
    assert.deepEqual(relayed, ['offer']);
    // The new network is not routable yet: the attempt fails and backs off; renew() again (the
    // browser says online) does not wait for the backoff.
    sockets.last().drop(1006);
    assert.equal(sockets.sockets.length, 2);
    client.renew();
    assert.equal(sockets.sockets.length, 3);
    sockets.last().open();
    assert.deepEqual(sockets.last().sent, [{ cmd: 'join', roomId: 'r', uid: 'a', resume: 'cred-1' }]);
    sockets.last().receive({ ...JOINED, resumed: true });
    assert.equal(old.closedWith, 4000, 'seated again: the old socket is let go');
    assert.deepEqual(states, ['connecting', 'joined', 'reconnecting', 'joined']);
    // The server closes the replaced socket (4001): that is not our socket any more.
    old.drop(4001);
    assert.equal(client.state, 'joined');
    clock.tick(5000); // past any backoff, before the next keepalive ping
    assert.equal(sockets.sockets.length, 3, 'the backoff timer of the failed attempt was cancelled');
  });

  it('retryNow() when the network is back: no waiting for the backoff or for a handshake sent during the cut', () => {
    const { clock, sockets, client, seated } = setup();
    seated();
    client.retryNow();
    assert.equal(sockets.sockets.length, 1, 'seated: nothing to do');
    sockets.last().drop(1006);
    assert.equal(sockets.sockets.length, 1, 'backing off');
    client.retryNow();
    assert.equal(sockets.sockets.length, 2, 'the attempt is made now');
    const hanging = sockets.last(); // its SYN went into the cut: never opens
    clock.tick(100);
    client.retryNow();
    assert.equal(hanging.closedWith, 4000);
    assert.equal(sockets.sockets.length, 3, 'made again');
    sockets.last().open();
    sockets.last().receive({ ...JOINED, resumed: true });
    assert.equal(client.state, 'joined');
  });

  it('backs off exponentially with jitter between attempts', () => {
    const { clock, sockets, client } = setup({ maxInitialAttempts: 100 });
    clock.randomValue = 0;
    client.join('r', 'a');
    const delays: number[] = [];
    for (let i = 0; i < 6; i++) {
      sockets.last().drop(1006);
      delays.push(clock.pending()[0] ?? -1);
      clock.tick(delays.at(-1) ?? 0);
    }
    // Equal jitter with random()=0: half of 250, 500, 1000, 2000, 4000, then the 5000 cap.
    assert.deepEqual(delays, [125, 250, 500, 1000, 2000, 2500]);
    clock.randomValue = 0.999;
    sockets.last().drop(1006);
    assert.ok((clock.pending()[0] ?? 0) > 4900);
  });

  it('stops with room-full when the room is full, and does not retry', () => {
    const { clock, sockets, client, errors } = setup();
    client.join('r', 'c');
    sockets.last().open();
    sockets.last().receive({ cmd: 'error', code: 'room-full', message: 'full', request: 'join' });
    assert.equal(client.state, 'closed');
    assert.equal(errors[0]?.code, 'room-full');
    clock.tick(60_000);
    assert.equal(sockets.sockets.length, 1);
  });

  it('retries a join refused with unavailable, then gives up with unavailable', () => {
    const { clock, sockets, client, errors } = setup({ maxInitialAttempts: 3 });
    const unavailable = { cmd: 'error', code: 'unavailable', message: 'Try again.', request: 'join' };
    client.join('r', 'a');
    for (let i = 0; i < 3; i++) {
      sockets.last().open();
      sockets.last().receive(unavailable);
      // The useless socket is closed at once (it holds no seat), not left open.
      assert.equal(sockets.last().closedWith, 1000);
      clock.tick(10_000);
    }
    assert.equal(sockets.sockets.length, 3);
    assert.equal(errors[0]?.code, 'unavailable');
    assert.equal(errors[0]?.message, 'Try again.');
    assert.equal(client.state, 'closed');
  });

  it('keeps trying to resume while the server answers unavailable, and takes the seat back', () => {
    const { clock, sockets, client, states, errors, seated } = setup();
    seated(); // graceSeconds 10
    sockets.last().drop(1006);
    for (let i = 0; i < 5; i++) {
      clock.tick(5000);
      sockets.last().open();
      sockets.last().receive({ cmd: 'error', code: 'unavailable', message: 'Try again.', request: 'join' });
      assert.equal(client.state, 'reconnecting');
    }
    clock.tick(5000);
    sockets.last().open();
    assert.deepEqual(sockets.last().sent, [{ cmd: 'join', roomId: 'r', uid: 'a', resume: 'cred-1' }]);
    sockets.last().receive({ ...JOINED, resumed: true });
    assert.equal(client.state, 'joined');
    assert.deepEqual(states, ['connecting', 'joined', 'reconnecting', 'joined']);
    assert.equal(errors.length, 0);
  });

  it('gives up with server-unreachable when the first connection keeps failing', () => {
    const { clock, sockets, client, errors } = setup({ maxInitialAttempts: 3 });
    client.join('r', 'a');
    sockets.last().drop(1006);
    clock.tick(10_000);
    sockets.last().drop(1006);
    clock.tick(10_000);
    sockets.last().drop(1006);
    assert.equal(sockets.sockets.length, 3);
    assert.equal(errors[0]?.code, 'server-unreachable');
    assert.equal(client.state, 'closed');
  });

  it('gives up after the grace period plus slack when the server stays away', () => {
    const { clock, sockets, client, errors, seated } = setup();
    seated(); // graceSeconds 10
    sockets.last().drop(1006);
    for (let i = 0; i < 20 && client.state !== 'closed'; i++) {
      clock.tick(5000);
      sockets.last().drop(1006);
    }
    assert.equal(errors[0]?.code, 'server-unreachable');
    assert.ok(clock.now() >= 40_000);
  });

  it('does not reconnect when another tab resumed the seat (4001)', () => {
    const { clock, sockets, errors, seated } = setup();
    seated();
    sockets.last().drop(4001);
    clock.tick(60_000);
    assert.equal(sockets.sockets.length, 1);
    assert.equal(errors[0]?.code, 'replaced');
  });

  it('sends leave and closes cleanly on leave(), without reconnecting', () => {
    const { clock, sockets, client, seated } = setup();
    seated();
    client.leave();
    client.leave();
    assert.deepEqual(sockets.last().sentCmd('leave'), [{ cmd: 'leave', roomId: 'r', uid: 'a' }]);
    assert.equal(sockets.last().closedWith, 1000);
    clock.tick(60_000);
    assert.equal(sockets.sockets.length, 1);
    assert.equal(client.state, 'closed');
  });

  it('leave() while renewing closes the set-aside socket cleanly too, so the seat is given up at once', () => {
    const { sockets, client, seated } = setup();
    const old = seated();
    client.renew();
    assert.equal(old.closedWith, undefined);
    client.leave();
    assert.equal(old.closedWith, 1000, 'a clean close: the other member hears peer-leave now');
    assert.equal(sockets.last().closedWith, 1000);
    assert.equal(client.state, 'closed');
  });

  it('passes other server messages on, decoded, and ignores unknown ones', () => {
    const { sockets, client, seated } = setup();
    const cmds: string[] = [];
    client.on('message', (m) => cmds.push(m.cmd));
    seated();
    sockets.last().receive({ cmd: 'new-peer', remoteUid: 'b', roomId: 'r', polite: false });
    sockets.last().receive({ cmd: 'something-new' });
    sockets.last().receive({ cmd: 'offer' }); // fields missing
    assert.deepEqual(cmds, ['new-peer']);
  });
});
