/**
 * Time, timers and randomness behind one interface, so that reconnect backoff, ICE restart and
 * credential refresh timers run under a fake clock in unit tests.
 */

/** Opaque timer handle. */
export type TimerHandle = unknown;

/** Time source and timers. */
export interface Clock {
  /** Milliseconds since an arbitrary origin. */
  now(): number;
  /** Calls `fn` once after `ms` milliseconds. */
  setTimeout(fn: () => void, ms: number): TimerHandle;
  /** Cancels a timer; `undefined` is ignored. */
  clearTimeout(handle: TimerHandle): void;
  /** A number in [0, 1), for jitter. */
  random(): number;
}

/** The real clock. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
  clearTimeout: (handle) => {
    if (handle !== undefined) globalThis.clearTimeout(handle as ReturnType<typeof globalThis.setTimeout>);
  },
  random: () => Math.random(),
};
