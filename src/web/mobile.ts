/**
 * Phones and tablets: the screen stays awake during a call (Screen Wake Lock, released after and
 * taken again when the page comes back to the front), the screen-share button is hidden where the
 * browser cannot share a screen (iOS Safari, Android browsers), a front/back camera switch where
 * there are two cameras or more, and the autoplay rule of iOS Safari (a video with sound plays
 * only after a gesture: if play() is refused, a "Tap to start" button plays it). docs/client.md.
 */
import type { CallClient } from '../client/index.ts';

const IN_CALL = new Set(['joining', 'waiting', 'connecting', 'connected', 'reconnecting']);

/** The page's elements this module drives. */
export interface MobileElements {
  readonly remoteVideo: HTMLVideoElement;
  readonly screenBtn: HTMLElement;
  readonly switchBtn: HTMLButtonElement;
  /** Shown when the browser refused to play the other person's video with sound. */
  readonly tapToPlay: HTMLButtonElement;
}

/**
 * Wires the wake lock, the screen-share button's presence, the camera switch and autoplay.
 * @returns plays the remote video (call it once its `srcObject` is set): shows "Tap to start"
 *   when the browser refuses
 */
export function setupMobile(client: CallClient, els: MobileElements): () => void {
  if (typeof navigator.mediaDevices?.getDisplayMedia !== 'function') els.screenBtn.hidden = true;
  keepScreenAwake(client);
  setupCameraSwitch(client, els.switchBtn);
  return setupTapToPlay(els.remoteVideo, els.tapToPlay);
}

/**
 * Holds a screen wake lock while in a call. `body[data-wake-lock]`: `held`, `released` (not in a
 * call, in the background, or refused) or `unsupported` (no Wake Lock API: Safari before 16.4).
 */
function keepScreenAwake(client: CallClient): void {
  const body = document.body;
  if (!('wakeLock' in navigator)) {
    body.dataset['wakeLock'] = 'unsupported';
    return;
  }
  body.dataset['wakeLock'] = 'released';
  let lock: WakeLockSentinel | undefined;
  let asking = false;
  const wantLock = (): boolean => IN_CALL.has(client.state) && document.visibilityState === 'visible';
  const sync = async (): Promise<void> => {
    if (wantLock() && !lock && !asking) {
      asking = true;
      try {
        const sentinel = await navigator.wakeLock.request('screen');
        // The browser releases it on its own when the page goes to the background.
        sentinel.addEventListener('release', () => {
          if (lock === sentinel) lock = undefined;
          body.dataset['wakeLock'] = lock ? 'held' : 'released';
        });
        lock = sentinel;
        body.dataset['wakeLock'] = 'held';
      } catch {
        // Refused (battery saver, not visible): the call goes on; the screen may dim.
      } finally {
        asking = false;
      }
      // The call may have ended while the request was pending.
      if (!wantLock()) void sync();
    } else if (!wantLock() && lock) {
      const held = lock;
      lock = undefined;
      await held.release().catch(() => undefined);
      body.dataset['wakeLock'] = 'released';
    }
  };
  client.on('state', () => void sync());
  // Take it again when the page comes back to the front.
  document.addEventListener('visibilitychange', () => void sync());
}

/** Facing of a camera where the browser says it (InputDeviceInfo.getCapabilities). */
function facingOf(device: MediaDeviceInfo): string | undefined {
  const caps = (device as Partial<InputDeviceInfo>).getCapabilities?.();
  return caps?.facingMode?.[0];
}

/**
 * The camera to switch to: the first one facing the other way (front <-> back) where the browser
 * tells the facing, else the next one in the list (phones with several back lenses included).
 */
export function nextCamera(
  cameras: readonly MediaDeviceInfo[],
  currentId: string | undefined,
): MediaDeviceInfo | undefined {
  const index = cameras.findIndex((d) => d.deviceId === currentId);
  const current = cameras[index];
  const facing = current && facingOf(current);
  const opposite = facing === 'user' ? 'environment' : facing === 'environment' ? 'user' : undefined;
  const flipped = opposite && cameras.find((d) => facingOf(d) === opposite);
  return flipped || cameras[(index + 1) % cameras.length];
}

/** The Switch camera button: shown with two cameras or more, disabled while the camera is off. */
function setupCameraSwitch(client: CallClient, button: HTMLButtonElement): void {
  const cameras = async (): Promise<MediaDeviceInfo[]> =>
    (await navigator.mediaDevices.enumerateDevices()).filter((d) => d.kind === 'videoinput');
  const draw = async (): Promise<void> => {
    button.hidden = !client.media || (await cameras()).length < 2;
    button.disabled = !client.media?.state.cameraOn || client.media.state.screenSharing;
  };
  client.on('local-media', () => void draw().catch(() => undefined));
  client.on('state', () => void draw().catch(() => undefined));
  button.addEventListener('click', () => {
    void (async () => {
      const current = client.media?.state.videoDeviceId;
      const next = nextCamera(await cameras(), current);
      if (next && next.deviceId !== current) await client.switchDevice('video', next.deviceId);
    })().catch(() => undefined);
  });
}

/**
 * iOS Safari (and any browser whose autoplay policy asks for a gesture) refuses play() of a video
 * with sound: show a button that plays it, since a tap is what the browser waits for. Any other
 * tap or key press in the page plays it too.
 */
function setupTapToPlay(video: HTMLVideoElement, button: HTMLButtonElement): () => void {
  const play = (): void => {
    if (!video.srcObject) {
      button.hidden = true;
      return;
    }
    video.play().then(
      () => (button.hidden = true),
      (err: unknown) => {
        if (err instanceof DOMException && err.name === 'NotAllowedError') button.hidden = false;
      },
    );
  };
  const playOnGesture = (): void => {
    if (!button.hidden) play();
  };
  button.addEventListener('click', play);
  document.addEventListener('pointerdown', playOnGesture);
  document.addEventListener('keydown', playOnGesture);
  // 'playing' may come after a refusal paused the video again: only a video that plays hides it.
  video.addEventListener('playing', () => {
    if (!video.paused) button.hidden = true;
  });
  return play;
}
