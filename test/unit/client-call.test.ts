import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PeerCall } from '../../src/client/call.ts';
import type { ZeroRtcError } from '../../src/client/errors.ts';
import { FakeClock, FakePeerConnection, settle } from '../helpers/client-fakes.ts';

interface Sent {
  cmd: string;
  msg: string;
}

function makeCall(options: {
  polite: boolean;
  canOffer: boolean;
  relay?: boolean;
  beforeRestart?: () => Promise<void>;
}) {
  const clock = new FakeClock();
  const sent: Sent[] = [];
  let pc: FakePeerConnection | undefined;
  const call = new PeerCall({
    remoteUid: 'peer',
    polite: options.polite,
    canOffer: options.canOffer,
    configuration: { iceServers: [], iceTransportPolicy: options.relay ? 'relay' : 'all' },
    send: (cmd, msg) => sent.push({ cmd, msg }),
    tracks: [{ kind: 'audio' } as MediaStreamTrack, { kind: 'video' } as MediaStreamTrack],
    clock,
    ...(options.beforeRestart && { beforeRestart: options.beforeRestart }),
    createPeerConnection: (c) => {
      pc = new FakePeerConnection(c);
      return pc as unknown as RTCPeerConnection;
    },
  });
  const errors: ZeroRtcError[] = [];
  call.on('error', (e) => errors.push(e));
  if (!pc) throw new Error('no pc');
  return { call, pc, sent, clock, errors };
}

const offer = (sdp = 'remote-offer'): string => JSON.stringify({ type: 'offer', sdp });
const answer = (sdp = 'remote-answer'): string => JSON.stringify({ type: 'answer', sdp });

describe('PeerCall', () => {
  it('makes the first offer when it heard new-peer (canOffer)', async () => {
    const { sent, pc } = makeCall({ polite: false, canOffer: true });
    await settle();
    assert.deepEqual(
      sent.map((s) => s.cmd),
      ['offer'],
    );
    assert.equal(pc.signalingState, 'have-local-offer');
  });

  it('waits for the offer when it heard resp-join, then answers', async () => {
    const { call, sent, pc } = makeCall({ polite: true, canOffer: false });
    await settle();
    assert.equal(sent.length, 0);
    await call.handle('offer', offer());
    assert.deepEqual(
      sent.map((s) => s.cmd),
      ['answer'],
    );
    assert.equal(pc.signalingState, 'stable');
  });

  it('settles glare: the impolite side ignores the colliding offer, the polite side yields', async () => {
    const impolite = makeCall({ polite: false, canOffer: true });
    const polite = makeCall({ polite: true, canOffer: true });
    await settle();
    const offerA = impolite.sent.find((s) => s.cmd === 'offer');
    const offerB = polite.sent.find((s) => s.cmd === 'offer');
    assert.ok(offerA && offerB);
    // Both offers cross on the wire.
    await impolite.call.handle('offer', offerB.msg);
    await polite.call.handle('offer', offerA.msg);
    assert.equal(impolite.sent.filter((s) => s.cmd === 'answer').length, 0);
    const answerB = polite.sent.find((s) => s.cmd === 'answer');
    assert.ok(answerB, 'the polite side answers');
    await impolite.call.handle('answer', answerB.msg);
    assert.equal(impolite.pc.signalingState, 'stable');
    assert.equal(polite.pc.signalingState, 'stable');
  });

  it('holds candidates until the remote description exists', async () => {
    const { call, pc } = makeCall({ polite: true, canOffer: false });
    await call.handle('candidate', JSON.stringify({ candidate: 'candidate:1', sdpMid: '0', sdpMLineIndex: 0 }));
    assert.equal(pc.candidates.length, 0);
    await call.handle('offer', offer());
    assert.deepEqual(pc.candidates, [{ candidate: 'candidate:1', sdpMid: '0', sdpMLineIndex: 0 }]);
  });

  it("reads the tutorial's candidate shape and sends both shapes", async () => {
    const { call, pc, sent } = makeCall({ polite: true, canOffer: false });
    await call.handle('offer', offer());
    await call.handle('candidate', JSON.stringify({ label: 1, id: 'video', candidate: 'candidate:2' }));
    assert.deepEqual(pc.candidates, [{ candidate: 'candidate:2', sdpMid: 'video', sdpMLineIndex: 1 }]);
    pc.gather({ candidate: 'candidate:9', sdpMid: '0', sdpMLineIndex: 0 });
    const out = JSON.parse(sent.find((s) => s.cmd === 'candidate')?.msg ?? '{}') as Record<string, unknown>;
    assert.equal(out['candidate'], 'candidate:9');
    assert.equal(out['sdpMid'], '0');
    assert.equal(out['sdpMLineIndex'], 0);
    assert.equal(out['label'], 0);
    assert.equal(out['id'], '0');
  });

  it('restarts ICE when the connection fails', async () => {
    const { pc, call, sent } = makeCall({ polite: false, canOffer: true });
    await settle();
    await call.handle('answer', answer());
    pc.setConnectionState('connected');
    pc.setConnectionState('failed');
    await settle();
    assert.equal(pc.iceRestarts, 1);
    assert.equal(sent.filter((s) => s.cmd === 'offer').length, 2);
  });

  it('restarts ICE when the connection stays disconnected for a few seconds, not before', () => {
    const { pc, clock } = makeCall({ polite: false, canOffer: true });
    pc.setConnectionState('connected');
    pc.setConnectionState('disconnected');
    clock.tick(2000);
    assert.equal(pc.iceRestarts, 0);
    clock.tick(1500);
    assert.equal(pc.iceRestarts, 1);
    // A blip that heals by itself costs nothing.
    pc.setConnectionState('connected');
    pc.setConnectionState('disconnected');
    pc.setConnectionState('connected');
    clock.tick(10_000);
    assert.equal(pc.iceRestarts, 1);
  });

  it('leaves the restart to the impolite side: the polite side restarts only when nobody else did', async () => {
    const polite = makeCall({ polite: true, canOffer: false });
    await polite.call.handle('offer', offer());
    polite.pc.setConnectionState('connected');
    polite.pc.setConnectionState('failed');
    // No restart offer at the same moment as the other side's (glare).
    polite.clock.tick(3000);
    assert.equal(polite.pc.iceRestarts, 0);
    // The other side's restart brings it back: nothing more to do.
    polite.pc.setConnectionState('connected');
    polite.clock.tick(10_000);
    assert.equal(polite.pc.iceRestarts, 0);
    // The other side never restarts (a client that does not): after the delay, this side does.
    polite.pc.setConnectionState('failed');
    polite.clock.tick(4000);
    assert.equal(polite.pc.iceRestarts, 1);
  });

  it('takes back an offer that never got its answer before restarting ICE', async () => {
    const { pc, call, sent } = makeCall({ polite: false, canOffer: true });
    await settle();
    assert.equal(pc.signalingState, 'have-local-offer');
    // The offer went out on a socket that was already dead: no answer will come.
    call.restartIce(true);
    await settle();
    assert.equal(pc.iceRestarts, 1);
    assert.equal(sent.filter((s) => s.cmd === 'offer').length, 2);
  });

  it('restarts ICE once when asked again while the first restart fetches its credentials', async () => {
    let credentialsArrive = (): void => undefined;
    const { pc, call, sent } = makeCall({
      polite: false,
      canOffer: true,
      beforeRestart: () => new Promise<void>((resolve) => (credentialsArrive = resolve)),
    });
    await call.handle('answer', answer());
    await settle();
    const events: number[] = [];
    call.on('ice-restart', ({ attempt }) => events.push(attempt));
    // A stall, the seat coming back and ICE's own `disconnected` within a second of each other.
    call.restartIce(true);
    call.restartIce(true);
    call.recover();
    await settle();
    assert.equal(pc.iceRestarts, 0, 'waits for the credentials');
    credentialsArrive();
    await settle();
    assert.equal(pc.iceRestarts, 1);
    assert.equal(sent.filter((s) => s.cmd === 'offer').length, 2, 'the first offer and one restart offer');
    assert.equal(events.length, 1);
    // Once that restart is out, a new one may come (its checks may fail too).
    call.restartIce(true);
    credentialsArrive();
    await settle();
    assert.equal(pc.iceRestarts, 2);
  });

  it('raises ice-failed when restarts do not bring the connection back', () => {
    const { pc, errors } = makeCall({ polite: false, canOffer: true });
    pc.setConnectionState('failed');
    pc.setConnectionState('failed');
    assert.equal(errors.length, 0);
    pc.setConnectionState('failed');
    assert.equal(errors[0]?.code, 'ice-failed');
  });

  it('raises turn-failed, not ice-failed, when a relay-only call that never connected fails for good', () => {
    const { errors, pc } = makeCall({ polite: false, canOffer: true, relay: true });
    pc.gather({ candidate: 'candidate:relay', sdpMid: '0', sdpMLineIndex: 0, type: 'relay' });
    for (let i = 0; i < 3; i++) pc.setConnectionState('failed');
    assert.deepEqual(
      errors.map((e) => e.code),
      ['turn-failed'],
    );
  });

  it('raises turn-failed when relay-only ICE finds no relay candidate in time', () => {
    const { errors, clock, pc } = makeCall({ polite: false, canOffer: true, relay: true });
    pc.gather({ candidate: 'candidate:host', sdpMid: '0', sdpMLineIndex: 0, type: 'host' });
    clock.tick(10_000);
    assert.equal(errors[0]?.code, 'turn-failed');
  });

  it('does not raise turn-failed once a relay candidate was gathered', () => {
    const { errors, clock, pc } = makeCall({ polite: false, canOffer: true, relay: true });
    pc.gather({ candidate: 'candidate:relay', sdpMid: '0', sdpMLineIndex: 0, type: 'relay' });
    clock.tick(10_000);
    assert.deepEqual(errors, []);
  });

  it('carries chat and media state on the data channel', () => {
    const { call, pc } = makeCall({ polite: false, canOffer: true });
    const got: unknown[] = [];
    call.on('peer', (m) => got.push(m));
    assert.equal(call.sendPeer({ t: 'chat', text: 'hi', at: 1 }), false);
    pc.channel.open();
    assert.equal(call.sendPeer({ t: 'chat', text: 'hi', at: 1 }), true);
    assert.deepEqual(JSON.parse(pc.channel.sent[0] ?? ''), { t: 'chat', text: 'hi', at: 1 });
    pc.channel.onmessage?.({
      data: JSON.stringify({ t: 'state', micOn: false, cameraOn: true, screenSharing: false }),
    });
    pc.channel.onmessage?.({ data: 'not json' });
    assert.deepEqual(got, [{ t: 'state', micOn: false, cameraOn: true, screenSharing: false }]);
  });
});
