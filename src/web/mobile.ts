/**
 * Phones and tablets: the screen stays awake during a call (Screen Wake Lock, released after and
 * taken again when the page comes back to the front), the screen-share button is hidden where the
 * browser cannot share a screen (iOS Safari, Android browsers), a front/back camera switch where
 * there are two cameras or more, and the autoplay rule of iOS Safari (a video with sound plays
 * only after a gesture: if play() is refused, the next tap or key plays it). docs/client.md.
 */
import type { CallClient } from '../client/index.ts';

const IN_CALL = new Set(['joining', 'waiting', 'connecting', 'connected', 'reconnecting']);

/** Wires the wake lock, the screen-share button's presence, the camera switch and autoplay. */
export function setupMobile(client: CallClient, remoteVideo: HTMLVideoElement): void {
  const screenBtn = document.getElementById('screenBtn');
  const switchBtn = document.getElementById('switchCamBtn') as HTMLButtonElement | null;
  if (!screenBtn || !switchBtn) throw new Error('#screenBtn or #switchCamBtn is missing');

  if (typeof navigator.mediaDevices?.getDisplayMedia !== 'function') screenBtn.hidden = true;

  let lock: WakeLockSentinel | undefined;
  const wantLock = (): boolean => IN_CALL.has(client.state) && document.visibilityState === 'visible';
  const syncLock = async (): Promise<void> => {
    if (wantLock() && !lock && 'wakeLock' in navigator) {
      try {
        lock = await navigator.wakeLock.request('screen');
        lock.addEventListener('release', () => (lock = undefined));
        document.body.dataset['wakeLock'] = 'on';
      } catch {
        // Refused (battery saver, not visible): the call goes on; the screen may dim.
      }
    } else if (!wantLock() && lock) {
      await lock.release().catch(() => undefined);
      lock = undefined;
    }
    if (!lock) document.body.dataset['wakeLock'] = 'off';
  };
  client.on('state', () => void syncLock());
  // The browser releases the lock when the page goes to the background; take it again on return.
  document.addEventListener('visibilitychange', () => void syncLock());

  const cameras = async (): Promise<MediaDeviceInfo[]> =>
    (await navigator.mediaDevices.enumerateDevices()).filter((d) => d.kind === 'videoinput');
  const drawSwitch = async (): Promise<void> => {
    switchBtn.hidden = !client.media || (await cameras()).length < 2;
    switchBtn.disabled = !client.media?.state.cameraOn || client.media.state.screenSharing;
  };
  client.on('local-media', () => void drawSwitch().catch(() => undefined));
  client.on('state', () => void drawSwitch().catch(() => undefined));
  switchBtn.addEventListener('click', () => {
    void (async () => {
      const list = await cameras();
      const current = client.media?.state.videoDeviceId;
      const index = list.findIndex((d) => d.deviceId === current);
      const next = list[(index + 1) % list.length];
      if (next && next.deviceId !== current) await client.switchDevice('video', next.deviceId);
    })().catch(() => undefined);
  });

  // iOS Safari refuses play() of a video with sound without a gesture: retry on the next one.
  const retry = (): void => {
    if (remoteVideo.paused && remoteVideo.srcObject) void remoteVideo.play().catch(() => undefined);
  };
  remoteVideo.addEventListener('pause', () => {
    document.addEventListener('pointerdown', retry, { once: true });
    document.addEventListener('keydown', retry, { once: true });
  });
  client.on('remote-stream', (stream) => {
    if (!stream) return;
    remoteVideo.play().catch(() => {
      document.addEventListener('pointerdown', retry, { once: true });
      document.addEventListener('keydown', retry, { once: true });
    });
  });
}
