import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { PeerCall } from '../../src/client/call.ts';
import { CallRecovery } from '../../src/client/call-recovery.ts';
import { FakeClock, FakePeerConnection, settle } from '../helpers/client-fakes.ts';

/**
 * A connected call whose remote media the test moves (`media.frames`), watched by a
 * CallRecovery with the default tuning (sample every 500 ms, stalled after 2 s of silence).
 */
async function watchedCall(polite: boolean) {
  const clock = new FakeClock();
  const sent: string[] = [];
  let pc: FakePeerConnection | undefined;
  const call = new PeerCall({
    remoteUid: 'peer',
    polite,
    canOffer: !polite,
    configuration: { iceServers: [] },
    send: (cmd) => sent.push(cmd),
    tracks: [],
    clock,
    politeRestartDelayMs: 4000,
    createPeerConnection: (c) => {
      pc = new FakePeerConnection(c);
      return pc as unknown as RTCPeerConnection;
    },
  });
  if (!pc) throw new Error('no pc');
  const media = { frames: 0 };
  pc.getStats = () =>
    Promise.resolve(new Map([['v', { type: 'inbound-rtp', kind: 'video', framesDecoded: media.frames }]]));
  const signaling = { renewals: 0, checks: 0, retries: 0 };
  let changes = 0;
  const recovery = new CallRecovery(
    call,
    {
      renew: () => (signaling.renewals += 1),
      checkConnection: () => (signaling.checks += 1),
      retryNow: () => (signaling.retries += 1),
    },
    clock,
    () => (changes += 1),
  );
  await settle();
  // Negotiated: the impolite side's first offer is answered.
  if (pc.signalingState === 'have-local-offer')
    await call.handle('answer', JSON.stringify({ type: 'answer', sdp: 'a' }));
  pc.setConnectionState('connected');
  /** Moves time in 100 ms steps, letting each getStats answer; `flowing` adds 3 frames a step. */
  const advance = async (ms: number, flowing: boolean): Promise<void> => {
    for (let t = 0; t < ms; t += 100) {
      if (flowing) media.frames += 3;
      clock.tick(100);
      await settle(3);
    }
  };
  sent.length = 0;
  return { call, pc, recovery, signaling, advance, sent, changes: () => changes };
}

/** Node has no window events: a stand-in for the browser's `online`. */
function fakeWindowEvents(): EventTarget {
  const target = new EventTarget();
  const g = globalThis as unknown as Record<string, unknown>;
  g['addEventListener'] = target.addEventListener.bind(target);
  g['removeEventListener'] = target.removeEventListener.bind(target);
  return target;
}

describe('CallRecovery', () => {
  afterEach(() => {
    const g = globalThis as unknown as Record<string, unknown>;
    delete g['addEventListener'];
    delete g['removeEventListener'];
  });

  it('media flowing: not stalled, nothing renewed or restarted', async () => {
    const { recovery, signaling, advance, pc } = await watchedCall(false);
    await advance(10_000, true);
    assert.equal(recovery.stalled, false);
    assert.equal(signaling.renewals, 0);
    assert.equal(pc.iceRestarts, 0);
  });

  it('no remote media for 2 s while ICE says connected: stalled, socket renewed, impolite side restarts ICE once seated', async () => {
    const { recovery, signaling, advance, pc, sent, changes } = await watchedCall(false);
    await advance(3000, true);
    await advance(1900, false);
    assert.equal(recovery.stalled, false, 'under 2 s of silence is not a stall');
    await advance(700, false);
    assert.equal(recovery.stalled, true);
    assert.equal(changes(), 1);
    assert.equal(signaling.renewals, 1, 'the socket may be bound to a dead address: renewed before the restart');
    assert.equal(pc.iceRestarts, 0, 'the restart waits for the seat: an offer on a dead socket is lost');
    assert.equal(recovery.rejoined(), true);
    await settle();
    assert.equal(pc.iceRestarts, 1);
    assert.deepEqual(sent, ['offer']);
    await advance(3000, false);
    assert.equal(signaling.renewals, 1, 'once per silence');
    const retries = signaling.retries;
    await advance(600, true);
    assert.equal(recovery.stalled, false, 'media moves again: connected');
    assert.equal(signaling.retries, retries + 1, 'the network is back: signaling retries now, not after its backoff');
    assert.equal(recovery.rejoined(), false, 'nothing left to do on a later re-join');
  });

  it('a restart under way is given 5 s to bring media back before the path is renewed (a busy device answers slowly)', async () => {
    const { call, recovery, signaling, advance } = await watchedCall(false);
    await advance(1000, true);
    call.restartIce(true); // e.g. after ICE went disconnected
    await advance(2600, false);
    assert.equal(recovery.stalled, true, 'the state is honest at once');
    assert.equal(signaling.renewals, 0, 'but the restart is not piled on');
    await advance(2500, false);
    assert.equal(signaling.renewals, 1, 'no media 5 s after the restart: renewed');
  });

  it('the polite side restarts only if media is still stalled after its delay', async () => {
    const first = await watchedCall(true);
    await first.advance(2600, false);
    assert.equal(first.recovery.stalled, true);
    assert.equal(first.recovery.rejoined(), true);
    await first.advance(3800, false);
    assert.equal(first.pc.iceRestarts, 0, 'the impolite side goes first');
    await first.advance(400, false);
    assert.equal(first.pc.iceRestarts, 1, 'still stalled after 4 s: restarts itself');

    const second = await watchedCall(true);
    await second.advance(2600, false);
    second.recovery.rejoined();
    await second.advance(1000, true); // the other side's restart brought media back
    await second.advance(4000, true);
    assert.equal(second.pc.iceRestarts, 0);
  });

  it('a change of network (online) renews at once and restarts ICE on re-join, whatever the role', async () => {
    const events = fakeWindowEvents();
    const { recovery, signaling, advance, pc } = await watchedCall(true);
    await advance(2000, true);
    events.dispatchEvent(new Event('online'));
    assert.equal(signaling.renewals, 1);
    assert.equal(recovery.stalled, true, 'reconnecting from the change on, not 2 s later');
    // Frames decoded before the change but counted after it must not end the stall.
    await advance(300, false);
    assert.equal(recovery.stalled, true);
    assert.equal(recovery.rejoined(), true);
    await settle();
    assert.equal(pc.iceRestarts, 1, 'the polite side restarts at once: it knows its address changed');
    await advance(600, true);
    assert.equal(recovery.stalled, false);
    recovery.stop();
    events.dispatchEvent(new Event('online'));
    assert.equal(signaling.renewals, 1, 'a stopped watch hears nothing');
  });

  it('the other member resumed while our offer was unanswered: offers again', async () => {
    const { recovery, pc, sent } = await watchedCall(false);
    assert.equal(recovery.peerResumed(), false, 'nothing pending: nothing to do');
    pc.restartIce();
    await settle();
    assert.equal(pc.signalingState, 'have-local-offer');
    sent.length = 0;
    assert.equal(recovery.peerResumed(), true);
    await settle();
    assert.deepEqual(sent, ['offer'], 'the lost offer rolled back and made again');
  });
});
