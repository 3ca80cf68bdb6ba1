/**
 * LocalMedia's camera switch on phones: iOS ends the camera in use when another one opens, and
 * some Android phones refuse to open a second camera while one runs (NotReadableError).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LocalMedia } from '../../src/client/media.ts';
import { FakeStream, FakeTrack } from '../helpers/client-fakes.ts';

/** A phone's cameras: `policy` says what happens to the running camera when another opens. */
function phone(policy: 'ios-ends-old' | 'one-at-a-time') {
  const cameras: FakeTrack[] = [];
  const devices = {
    getUserMedia: async (c: MediaStreamConstraints): Promise<MediaStream> => {
      await Promise.resolve();
      const tracks: FakeTrack[] = [];
      if (c.audio) tracks.push(new FakeTrack('audio'));
      if (c.video) {
        const live = cameras.find((t) => !t.stopped);
        if (live && policy === 'one-at-a-time') throw Object.assign(new Error('busy'), { name: 'NotReadableError' });
        if (live) {
          live.stopped = true;
          live.onended?.();
        }
        const track = new FakeTrack('video');
        cameras.push(track);
        tracks.push(track);
      }
      return new FakeStream(tracks) as unknown as MediaStream;
    },
    enumerateDevices: () => Promise.resolve([]),
  };
  const media = new LocalMedia({
    mediaDevices: devices,
    createStream: (tracks) => new FakeStream(tracks as unknown as FakeTrack[]) as unknown as MediaStream,
  });
  const sent: (MediaStreamTrack | null)[] = [];
  media.on('track', ({ kind, track }) => kind === 'video' && sent.push(track));
  return { media, cameras, sent };
}

describe('camera switch on phones', () => {
  it('iOS: the old camera ending during the switch does not turn the camera off', async () => {
    const { media, cameras, sent } = phone('ios-ends-old');
    await media.start();
    await media.switchDevice('video', 'back');
    assert.equal(cameras.length, 2);
    assert.equal(media.state.cameraOn, true);
    assert.equal(sent.at(-1), cameras[1]);
  });

  it('one camera at a time: stops the running camera and opens the other', async () => {
    const { media, cameras, sent } = phone('one-at-a-time');
    await media.start();
    const front = cameras[0];
    await media.switchDevice('video', 'back');
    assert.equal(front?.stopped, true);
    assert.equal(cameras.length, 2);
    assert.equal(media.state.cameraOn, true);
    assert.equal(media.state.videoDeviceId, 'back');
    assert.equal(sent.at(-1), cameras[1]);
  });
});
