/**
 * A phone as far as headless Chromium can play one: two cameras (Chromium's fake capture with
 * `device-count=2`), no getDisplayMedia (as on iOS and Android browsers), iOS's autoplay refusal,
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

/** Launches Chromium with two fake cameras. */
export function launchPhone(): Promise<Browser> {
  const args = CHROMIUM_ARGS.map((a) =>
    a === '--use-fake-device-for-media-stream' ? '--use-fake-device-for-media-stream=device-count=2' : a,
  );
  return chromium.launch({ executablePath: CHROMIUM, args, headless: true });
}

/** Runs in the page before its own scripts; `refuseAutoplay` plays iOS's autoplay rule. */
function phoneInit(refuseAutoplay: boolean): void {
  // No screen sharing on phones.
  delete (MediaDevices.prototype as Partial<MediaDevices>).getDisplayMedia;

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
  await context.addInitScript(phoneInit, refuseAutoplay);
  return context;
}
