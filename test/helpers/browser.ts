/**
 * Browser tests: Debian's Chromium driven by playwright-core, with fake camera and microphone,
 * and the call page built fresh from src/web into a temporary directory.
 */
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { StatsSummary } from '../../src/client/index.ts';
import { fromPlaywright, remoteVideoColor } from './engines.ts';
import type {} from '../../src/web/debug-handle.ts';

export const CHROMIUM = '/usr/bin/chromium';

/** Flags known to make a call work headless on loopback. */
export const CHROMIUM_ARGS = [
  '--use-fake-device-for-media-stream',
  '--use-fake-ui-for-media-stream',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--allow-loopback-in-peer-connection',
  '--autoplay-policy=no-user-gesture-required',
  // Makes getDisplayMedia pick the (fake) screen without a picker.
  '--auto-select-desktop-capture-source=Entire screen',
];

/** A temporary directory removed by `dispose`. */
export function tempDir(prefix: string): { path: string; dispose(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, dispose: () => rmSync(path, { recursive: true, force: true }) };
}

/** Builds the call page (as `npm run build` does) into `outdir`; returns `outdir`. */
export async function buildPage(outdir: string): Promise<string> {
  mkdirSync(outdir, { recursive: true });
  await build({
    entryPoints: { app: 'src/web/main.ts', style: 'src/web/style.css' },
    bundle: true,
    format: 'esm',
    target: ['chrome100'],
    outdir,
    logLevel: 'warning',
  });
  cpSync('src/web/index.html', join(outdir, 'index.html'));
  return outdir;
}

/**
 * Writes a Y4M video of one flat colour, for `--use-file-for-fake-video-capture`, so that tests
 * can tell the two sides' videos apart. 4:3, 320x240.
 */
export function writeColorVideo(path: string, rgb: readonly [number, number, number], frames = 10): string {
  const [r, g, b] = rgb;
  const y = Math.round(0.299 * r + 0.587 * g + 0.114 * b);
  const u = Math.round(128 - 0.168736 * r - 0.331264 * g + 0.5 * b);
  const v = Math.round(128 + 0.5 * r - 0.418688 * g - 0.081312 * b);
  const w = 320;
  const h = 240;
  const frame = Buffer.concat([
    Buffer.from('FRAME\n'),
    Buffer.alloc(w * h, y),
    Buffer.alloc((w / 2) * (h / 2), u),
    Buffer.alloc((w / 2) * (h / 2), v),
  ]);
  const header = Buffer.from(`YUV4MPEG2 W${w} H${h} F15:1 Ip A1:1 C420jpeg\n`);
  writeFileSync(path, Buffer.concat([header, ...Array.from({ length: frames }, () => frame)]));
  return path;
}

/** Launches one Chromium process; `video` is a Y4M file for its fake camera. */
export function launchChromium(video?: string): Promise<Browser> {
  const args = video ? [...CHROMIUM_ARGS, `--use-file-for-fake-video-capture=${video}`] : CHROMIUM_ARGS;
  return chromium.launch({ executablePath: CHROMIUM, args, headless: true });
}

/** Opens the call page in a fresh context (its own storage) of `browser`. */
export async function openPage(browser: Browser, url: string, viewport = { width: 1280, height: 800 }): Promise<Page> {
  const context = await browser.newContext({ viewport, locale: 'en-US' });
  const page = await context.newPage();
  await page.goto(url);
  return page;
}

/** Types the room and clicks join, as a person does. */
export async function joinRoom(page: Page, room: string): Promise<void> {
  await page.fill('#roomId', room);
  await page.click('#joinBtn');
}

/** Waits until `#callStatus` shows `state`. */
export async function waitForState(page: Page, state: string, timeout = 15_000): Promise<void> {
  await page.waitForFunction((s) => document.getElementById('callStatus')?.dataset['state'] === s, state, {
    timeout,
    polling: 50,
  });
}

/** The page's call stats (raw counters). */
export function mediaStats(page: Page): Promise<StatsSummary | undefined> {
  return page.evaluate(() => window.zerortc.stats());
}

/**
 * Waits until remote video frames are decoded and remote audio samples arrive beyond what they
 * were when called: media is flowing towards this page. Polls from here: playwright's
 * waitForFunction does not await a predicate's promise (an async predicate is truthy at once).
 */
export async function expectMediaFlowing(page: Page, timeout = 15_000): Promise<void> {
  const before = await mediaStats(page);
  const frames = before?.framesDecoded ?? 0;
  const samples = before?.audioSamplesReceived ?? 0;
  const deadline = Date.now() + timeout;
  for (;;) {
    const s = await mediaStats(page);
    if (s !== undefined && s.framesDecoded > frames + 5 && s.audioSamplesReceived > samples + 4800) return;
    if (Date.now() > deadline) {
      throw new Error(
        `media did not flow within ${timeout} ms: frames ${frames} -> ${s?.framesDecoded}, ` +
          `audio samples ${samples} -> ${s?.audioSamplesReceived}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The colour at the centre of the remote video, as [r, g, b]. */
export function remoteColor(page: Page): Promise<[number, number, number]> {
  return page.evaluate(() => {
    const video = document.getElementById('remoteVideo') as HTMLVideoElement;
    const canvas = document.createElement('canvas');
    canvas.width = 16;
    canvas.height = 16;
    const ctx = canvas.getContext('2d');
    if (!ctx || video.videoWidth === 0) return [0, 0, 0] as [number, number, number];
    ctx.drawImage(video, 0, 0, 16, 16);
    const d = ctx.getImageData(8, 8, 1, 1).data;
    return [d[0] ?? 0, d[1] ?? 0, d[2] ?? 0] as [number, number, number];
  });
}

/** Waits until the remote video's dominant channel is `channel` (0 red, 1 green, 2 blue). */
export function waitForRemoteColor(page: Page, channel: 0 | 1 | 2, timeout = 15_000): Promise<void> {
  return remoteVideoColor(fromPlaywright(page), channel, timeout);
}
