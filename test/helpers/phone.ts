/**
 * A phone as far as headless Chromium can play one: two cameras (Chromium's fake capture, see
 * `launchPhone`), no getDisplayMedia (as on iOS and Android browsers), iOS's autoplay refusal,
 * and a record of the Screen Wake Lock requests that still calls the real API.
 */
import type { Browser, BrowserContext } from 'playwright-core';
import { chromium } from 'playwright-core';
import { CHROMIUM, CHROMIUM_ARGS } from './browser.ts';

/** What the init script records, on `window.wakeLockLog`. */
export interface WakeLockLog {
  requests: number;
  releases: number;
  sentinels: WakeLockSentinel[];
}

declare global {
  interface Window {
    wakeLockLog: WakeLockLog;
  }
}

/**
 * The fake camera that is not a camera: Chromium's fake device 1 is a depth camera (Y16 pixels,
 * media/capture/video/fake_video_capture_device_factory.cc). Its track plays in a <video>, but
 * WebRTC sends none of its frames (the sender's media-source stays at 0 fps, as a first track
 * and after replaceTrack alike), so a call switched to it looks frozen. Device 2 is an MJPEG
 * colour camera that WebRTC sends like device 0.
 */
const DEPTH_CAMERA_LABEL = 'fake_device_1';

/** Launches Chromium with two fake colour cameras (three fake devices; `phoneContext` hides the depth one). */
export function launchPhone(): Promise<Browser> {
  const args = CHROMIUM_ARGS.map((a) =>
    a === '--use-fake-device-for-media-stream' ? '--use-fake-device-for-media-stream=device-count=3' : a,
  );
  return chromium.launch({ executablePath: CHROMIUM, args, headless: true });
}

/** Runs in the page before its own scripts; `refuseAutoplay` plays iOS's autoplay rule. */
function phoneInit({ refuseAutoplay, depthCamera }: { refuseAutoplay: boolean; depthCamera: string }): void {
  // No screen sharing on phones.
  delete (MediaDevices.prototype as Partial<MediaDevices>).getDisplayMedia;

  // A phone's cameras are colour cameras: the fake depth camera is not listed (see DEPTH_CAMERA_LABEL).
  const enumerate = Object.getOwnPropertyDescriptor(MediaDevices.prototype, 'enumerateDevices')
    ?.value as MediaDevices['enumerateDevices'];
  MediaDevices.prototype.enumerateDevices = async function (this: MediaDevices) {
    return (await enumerate.call(this)).filter((d) => !(d.kind === 'videoinput' && d.label === depthCamera));
  };

  const log: WakeLockLog = { requests: 0, releases: 0, sentinels: [] };
  window.wakeLockLog = log;
  const request = Object.getOwnPropertyDescriptor(WakeLock.prototype, 'request')?.value as WakeLock['request'];
  WakeLock.prototype.request = async function (this: WakeLock, type?: WakeLockType) {
    log.requests++;
    const sentinel = await request.call(this, type);
    log.sentinels.push(sentinel);
    sentinel.addEventListener('release', () => log.releases++);
    return sentinel;
  };

  if (!refuseAutoplay) return;
  // iOS Safari: a video with sound plays only after a tap. Chromium lets a page that captures the
  // camera autoplay, so the refusal is played here: play() of an unmuted video rejects until a
  // tap that comes after the first refusal.
  let gate: 'fresh' | 'refusing' | 'tapped' = 'fresh';
  addEventListener(
    'pointerdown',
    (e) => {
      if (e.isTrusted && gate === 'refusing') gate = 'tapped';
    },
    true,
  );
  const play = Object.getOwnPropertyDescriptor(HTMLMediaElement.prototype, 'play')?.value as HTMLMediaElement['play'];
  HTMLMediaElement.prototype.play = function (this: HTMLMediaElement) {
    if (this.muted || gate === 'tapped') return play.call(this);
    gate = 'refusing';
    return Promise.reject(new DOMException('play() needs a user gesture', 'NotAllowedError'));
  };
  // The autoplay attribute is refused likewise: the video stays paused until the tap.
  addEventListener(
    'play',
    (e) => {
      const video = e.target as HTMLMediaElement;
      if (!video.muted && gate !== 'tapped') video.pause();
    },
    true,
  );
}

/**
 * A phone-sized context of `browser` with the phone's init script. `refuseAutoplay` is off by
 * default (the camera test wants the remote video playing as on a desktop).
 */
export async function phoneContext(browser: Browser, refuseAutoplay = false): Promise<BrowserContext> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-US' });
  await context.addInitScript(phoneInit, { refuseAutoplay, depthCamera: DEPTH_CAMERA_LABEL });
  return context;
}
