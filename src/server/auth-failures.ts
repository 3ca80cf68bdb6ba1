/**
 * Failed token checks per client address (joins, /api/ice-servers, /api/rooms, /metrics): a
 * person who opens an old link fails a few times, a guessing loop fails thousands. Each address
 * gets a token bucket of `perMinute` failures (refilled over a minute); an address whose bucket is
 * empty is refused (`rate-limited`, then closed) until it refills.
 */
import { TokenBucket } from './rate-limit.ts';

/** Addresses tracked at most: beyond this, full buckets are forgotten first, then the oldest. */
const MAX_ADDRESSES = 10_000;

export class AuthFailures {
  readonly #perMinute: number;
  readonly #buckets = new Map<string, TokenBucket>();

  /** @param perMinute failures allowed per address per minute (as many at once); 0 = no limit */
  constructor(perMinute: number) {
    this.#perMinute = perMinute;
  }

  /** Counts a failure of `ip`; false when the address is over its limit. */
  fail(ip: string, nowMs: number): boolean {
    if (this.#perMinute <= 0) return true;
    let bucket = this.#buckets.get(ip);
    if (!bucket) {
      if (this.#buckets.size >= MAX_ADDRESSES) this.#prune(nowMs);
      bucket = new TokenBucket(this.#perMinute / 60, this.#perMinute, nowMs);
      this.#buckets.set(ip, bucket);
    }
    return bucket.take(nowMs);
  }

  /** Whether `ip` is over its limit now (checked before a check that could fail). */
  blocked(ip: string, nowMs: number): boolean {
    return this.#perMinute > 0 && (this.#buckets.get(ip)?.available(nowMs) ?? 1) < 1;
  }

  #prune(nowMs: number): void {
    for (const [ip, bucket] of this.#buckets) {
      if (bucket.available(nowMs) >= this.#perMinute) this.#buckets.delete(ip);
    }
    // Still full of addresses that failed recently: drop the oldest entries.
    for (const ip of this.#buckets.keys()) {
      if (this.#buckets.size < MAX_ADDRESSES) break;
      this.#buckets.delete(ip);
    }
  }
}
