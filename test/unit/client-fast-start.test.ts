import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FULL_SIZE_AFTER_MS, startAtHalfSize, type SenderHost } from '../../src/client/fast-start.ts';
import { FakeClock, settle } from '../helpers/client-fakes.ts';

/** A sender as browsers keep it: parameters changed only through setParameters. */
class Sender {
  readonly track: { kind: string } | null;
  applied: RTCRtpSendParameters[] = [];
  #encodings: RTCRtpEncodingParameters[] = [{ active: true }];
  constructor(kind: string) {
    this.track = { kind };
  }
  getParameters(): RTCRtpSendParameters {
    return { transactionId: 't', encodings: this.#encodings.map((e) => ({ ...e })) } as RTCRtpSendParameters;
  }
  setParameters(p: RTCRtpSendParameters): Promise<void> {
    this.applied.push(p);
    this.#encodings = p.encodings;
    return Promise.resolve();
  }
  get scale(): number | undefined {
    return this.#encodings[0]?.scaleResolutionDownBy;
  }
}

class Host implements SenderHost {
  connectionState: RTCPeerConnectionState = 'new';
  readonly senders = [new Sender('audio'), new Sender('video')];
  #listeners = new Set<() => void>();
  getSenders(): Sender[] {
    return this.senders;
  }
  addEventListener(_type: 'connectionstatechange', listener: () => void): void {
    this.#listeners.add(listener);
  }
  removeEventListener(_type: 'connectionstatechange', listener: () => void): void {
    this.#listeners.delete(listener);
  }
  set(state: RTCPeerConnectionState): void {
    this.connectionState = state;
    for (const l of [...this.#listeners]) l();
  }
}

describe('startAtHalfSize', () => {
  it('sends video at half size until connected for a moment, then at full size; audio is left alone', async () => {
    const clock = new FakeClock();
    const pc = new Host();
    const [audio, video] = pc.senders as [Sender, Sender];
    startAtHalfSize(pc, clock);
    await settle();
    assert.equal(video.scale, 2);
    assert.equal(audio.applied.length, 0);
    pc.set('connecting');
    clock.tick(FULL_SIZE_AFTER_MS * 3);
    assert.equal(video.scale, 2, 'still half size while connecting');
    pc.set('connected');
    clock.tick(FULL_SIZE_AFTER_MS - 1);
    assert.equal(video.scale, 2);
    clock.tick(1);
    await settle();
    assert.equal(video.scale, 1);
    // Connected again later (after an ICE restart): nothing more to do.
    pc.set('disconnected');
    pc.set('connected');
    clock.tick(FULL_SIZE_AFTER_MS * 2);
    assert.equal(video.applied.length, 2);
  });

  it('leaves a connection without senders alone', () => {
    assert.doesNotThrow(() => startAtHalfSize({} as SenderHost, new FakeClock()));
  });
});
