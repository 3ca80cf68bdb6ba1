/**
 * One way to drive a page in either engine: Chromium through playwright-core, Firefox through
 * puppeteer-core (WebDriver BiDi). Waits poll from Node with `evaluate`, so that they behave the
 * same in both drivers.
 */
import type { Page as PlaywrightPage } from 'playwright-core';
import type { Page as PuppeteerPage } from 'puppeteer-core';
import type { StatsSummary } from '../../src/client/index.ts';
import type {} from '../../src/web/debug-handle.ts';

export type Engine = 'chromium' | 'firefox';

/** A page in one engine, with what the tests need of it. */
export interface EnginePage {
  readonly engine: Engine;
  goto(url: string): Promise<void>;
  /** Runs `fn(arg)` in the page. `fn` must not close over anything. */
  evaluate<R, A>(fn: (arg: A) => R | Promise<R>, arg: A): Promise<R>;
  fill(selector: string, value: string): Promise<void>;
  click(selector: string): Promise<void>;
  close(): Promise<void>;
}

export function fromPlaywright(page: PlaywrightPage): EnginePage {
  return {
    engine: 'chromium',
    goto: async (url) => void (await page.goto(url)),
    evaluate: <R, A>(fn: (arg: A) => R | Promise<R>, arg: A) => page.evaluate<R, A>(fn as never, arg),
    fill: (selector, value) => page.fill(selector, value),
    click: (selector) => page.click(selector),
    close: () => page.context().close(),
  };
}

export function fromPuppeteer(page: PuppeteerPage): EnginePage {
  return {
    engine: 'firefox',
    goto: async (url) => void (await page.goto(url)),
    evaluate: <R, A>(fn: (arg: A) => R | Promise<R>, arg: A): Promise<R> => page.evaluate(fn as never, arg),
    fill: (selector, value) => page.locator(selector).fill(value),
    click: (selector) => page.locator(selector).click(),
    close: () => page.browserContext().close(),
  };
}

/**
 * Polls `check(arg)` in the page every 100 ms until it returns true; throws after `timeout` ms
 * with `what` and the last value `describe` gave, so that a failure says where things stood.
 */
export async function waitInPage<A>(
  page: EnginePage,
  check: (arg: A) => boolean | Promise<boolean>,
  arg: A,
  what: string,
  timeout = 20_000,
): Promise<void> {
  const deadline = Date.now() + timeout;
  for (;;) {
    if (await page.evaluate(check, arg)) return;
    if (Date.now() > deadline) throw new Error(`${page.engine}: timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Types the room and clicks join on the call page, as a person does. */
export async function joinCall(page: EnginePage, room: string): Promise<void> {
  await page.fill('#roomId', room);
  await page.click('#joinBtn');
}

/**
 * Seats `first` in `room`, waits until it waits for someone, then seats `second`: so `first` is
 * the member that hears `new-peer` and offers.
 */
export async function joinInTurn(first: EnginePage, second: EnginePage, room: string): Promise<void> {
  await joinCall(first, room);
  await callState(first, 'waiting');
  await joinCall(second, room);
}

/** Waits until the call page's `#callStatus` shows `state`. */
export function callState(page: EnginePage, state: string, timeout = 20_000): Promise<void> {
  return waitInPage(
    page,
    (s) => document.getElementById('callStatus')?.dataset['state'] === s,
    state,
    `call state ${state}`,
    timeout,
  );
}

/** The call page's stats (raw counters included). */
export function callStats(page: EnginePage): Promise<StatsSummary | undefined> {
  return page.evaluate(() => window.zerortc.stats(), undefined);
}

/**
 * Waits until, on the call page, remote video frames are decoded and remote audio arrives beyond
 * what the counters said when called: media is flowing towards this page. Audio is counted in
 * samples where the engine reports them and in bytes in any case.
 */
export async function callMediaFlowing(page: EnginePage, timeout = 20_000): Promise<void> {
  const before = await callStats(page);
  await waitInPage(
    page,
    async (b) => {
      const s = await window.zerortc.stats();
      return (
        s !== undefined &&
        s.framesDecoded > b.frames + 5 &&
        s.audioSamplesReceived > b.samples + 4800 &&
        s.audioBytesReceived > b.audioBytes
      );
    },
    {
      frames: before?.framesDecoded ?? 0,
      samples: before?.audioSamplesReceived ?? 0,
      audioBytes: before?.audioBytesReceived ?? 0,
    },
    'remote video frames and audio',
    timeout,
  ).catch(async (err: unknown) => {
    // Say which of the three did not move: video, audio samples, audio bytes.
    const now = await callStats(page).catch(() => undefined);
    const moved = (name: keyof StatsSummary): string => `${name} ${before?.[name] ?? '-'} -> ${now?.[name] ?? '-'}`;
    const detail = (['framesDecoded', 'audioSamplesReceived', 'audioBytesReceived'] as const).map(moved).join(', ');
    throw new Error(`${(err as Error).message} (${detail}; path ${now?.path ?? '-'})`, { cause: err });
  });
}

/** Waits until the remote video's dominant channel is `channel` (0 red, 1 green, 2 blue). */
export function remoteVideoColor(page: EnginePage, channel: 0 | 1 | 2, timeout = 20_000): Promise<void> {
  return waitInPage(
    page,
    (ch) => {
      const video = document.getElementById('remoteVideo') as HTMLVideoElement;
      if (video.videoWidth === 0) return false;
      const canvas = document.createElement('canvas');
      canvas.width = 16;
      canvas.height = 16;
      const ctx = canvas.getContext('2d');
      if (!ctx) return false;
      ctx.drawImage(video, 0, 0, 16, 16);
      const d = ctx.getImageData(8, 8, 1, 1).data;
      const rgb = [d[0] ?? 0, d[1] ?? 0, d[2] ?? 0];
      const value = rgb[ch] ?? 0;
      return rgb.every((x, i) => i === ch || value > x + 60);
    },
    channel,
    `remote video mostly ${['red', 'green', 'blue'][channel]}`,
    timeout,
  );
}
