/**
 * A quicker first video frame: the camera runs at its full size (1280x720 by default), but the
 * first frames of a call are sent at half that size, and the full size comes back once the call
 * has been connected for a moment.
 *
 * Why: when a call starts, the browser's bandwidth estimate is low (about 300 kbit/s in
 * Chromium), and an encoder handed 1280x720 at that rate drops its first frames and scales down
 * on its own before it sends anything; the first remote frame then comes 100-200 ms later than at
 * 640x360 (measured with `npm run bench:call-profile -- --hd`, docs/benchmarks.md). Sending half
 * size at first costs nothing visible: at that estimate the encoder would not send more anyway.
 */
import type { Clock } from './clock.ts';

/** How long after `connected` the full size comes back. */
export const FULL_SIZE_AFTER_MS = 2000;

/** What is used of an RTCRtpSender. */
export interface SenderLike {
  readonly track: { readonly kind: string } | null;
  getParameters(): RTCRtpSendParameters;
  setParameters(parameters: RTCRtpSendParameters): Promise<void>;
}

/** What is used of an RTCPeerConnection (a subset, so that unit tests can hand a fake). */
export interface SenderHost {
  readonly connectionState: RTCPeerConnectionState;
  getSenders(): readonly SenderLike[];
  addEventListener(type: 'connectionstatechange', listener: () => void): void;
  removeEventListener(type: 'connectionstatechange', listener: () => void): void;
}

function scaleVideo(pc: SenderHost, scale: number): void {
  for (const sender of pc.getSenders()) {
    if (sender.track?.kind !== 'video') continue;
    const parameters = sender.getParameters();
    const encodings = parameters.encodings ?? [];
    // Before negotiation some browsers list no encoding yet: one is what a call sends.
    if (encodings.length === 0) encodings.push({});
    for (const encoding of encodings) encoding.scaleResolutionDownBy = scale;
    parameters.encodings = encodings;
    // A browser that refuses only keeps sending the full size: nothing to do about it.
    void sender.setParameters(parameters).catch(() => undefined);
  }
}

/**
 * Sends the video of `pc` at half size until it has been connected for `fullSizeAfterMs`. Call
 * it right after the tracks were added. On a connection that ended first, the timer's late
 * change is refused by the browser and ignored.
 */
export function startAtHalfSize(pc: SenderHost, clock: Clock, fullSizeAfterMs = FULL_SIZE_AFTER_MS): void {
  // Tests hand fake connections that may not have senders at all.
  if (typeof pc.getSenders !== 'function' || typeof pc.addEventListener !== 'function') return;
  let armed = false;
  const onState = (): void => {
    if (pc.connectionState !== 'connected' || armed) return;
    armed = true;
    pc.removeEventListener('connectionstatechange', onState);
    clock.setTimeout(() => scaleVideo(pc, 1), fullSizeAfterMs);
  };
  scaleVideo(pc, 2);
  pc.addEventListener('connectionstatechange', onState);
}
