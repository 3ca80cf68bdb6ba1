/**
 * A token bucket: `rate` tokens a second, at most `burst` saved up. Time comes from the caller
 * so that tests need no clock.
 */
export class TokenBucket {
  readonly #rate: number;
  readonly #burst: number;
  #tokens: number;
  #last: number;

  constructor(rate: number, burst: number, nowMs: number) {
    this.#rate = rate;
    this.#burst = burst;
    this.#tokens = burst;
    this.#last = nowMs;
  }

  /** Takes one token; false when the bucket is empty. */
  take(nowMs: number): boolean {
    if (this.available(nowMs) < 1) return false;
    this.#tokens -= 1;
    return true;
  }

  /** Tokens in the bucket now (refilled up to `nowMs`). */
  available(nowMs: number): number {
    const elapsed = nowMs - this.#last;
    if (elapsed > 0) {
      this.#tokens = Math.min(this.#burst, this.#tokens + (elapsed * this.#rate) / 1000);
      this.#last = nowMs;
    }
    return this.#tokens;
  }
}
