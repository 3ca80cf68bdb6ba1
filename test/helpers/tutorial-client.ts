/**
 * Reading the tutorial client fixture (test/fixtures/tutorial-client.html) from a test.
 */
import { waitInPage, type EnginePage } from './engines.ts';

interface Inbound {
  readonly packets: number;
  readonly bytes: number;
  readonly framesDecoded: number;
  readonly samples: number;
}

declare global {
  /** What the fixture records for tests. */
  interface Window {
    seen: string[];
    trace: string[];
    glare: number;
    errors: string[];
    uid: string;
    inbound(): Promise<{ video: Inbound | null; audio: Inbound | null }>;
  }
}

/** The fixture's inbound-rtp counters. */
export function tutorialInbound(page: EnginePage): Promise<{ video: Inbound | null; audio: Inbound | null }> {
  return page.evaluate(() => window.inbound(), undefined);
}

/**
 * How its negotiation went: offers and answers sent and got, in order (`sent offer`, `got answer`,
 * ...); offers that came while its own offer awaited an answer (glare, which it cannot handle);
 * and the errors it reported.
 */
export function tutorialNegotiation(page: EnginePage): Promise<{ trace: string[]; glare: number; errors: string[] }> {
  return page.evaluate(() => ({ trace: window.trace, glare: window.glare, errors: window.errors }), undefined);
}

/** Waits until the fixture decodes remote video frames and receives remote audio beyond now. */
export async function tutorialMediaFlowing(page: EnginePage, timeout = 20_000): Promise<void> {
  const before = await tutorialInbound(page);
  await waitInPage(
    page,
    async (b) => {
      const now = await window.inbound();
      return (
        (now.video?.framesDecoded ?? 0) > b.frames + 5 &&
        (now.audio?.bytes ?? 0) > b.audioBytes + 1000 &&
        (now.audio?.samples ?? 0) > b.samples + 4800
      );
    },
    {
      frames: before.video?.framesDecoded ?? 0,
      audioBytes: before.audio?.bytes ?? 0,
      samples: before.audio?.samples ?? 0,
    },
    'remote video frames and audio at the tutorial client',
    timeout,
  );
}
