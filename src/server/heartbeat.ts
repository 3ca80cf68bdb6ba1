/**
 * Visits every member once per interval without visiting them all at once: the members are
 * spread over slots, and one slot is visited per tick. Pinging 10,000 sockets in one loop (and
 * taking their 10,000 pongs right after) stalls the relay for tens of milliseconds every interval;
 * spread over ~100 ms ticks, each tick costs a fraction of a millisecond.
 */
export interface HeartbeatMember {
  heartbeatSlot: number;
}

/** Aim for one tick every this many milliseconds. */
const TICK_MS = 100;
const MAX_SLOTS = 600;

export class Heartbeat<T extends HeartbeatMember> {
  readonly #slots: Set<T>[];
  readonly #timer: NodeJS.Timeout;
  #tick = 0;
  #next = 0;

  constructor(intervalMs: number, visit: (member: T) => void) {
    const count = Math.min(MAX_SLOTS, Math.max(1, Math.round(intervalMs / TICK_MS)));
    this.#slots = Array.from({ length: count }, () => new Set<T>());
    this.#timer = setInterval(() => {
      const slot = this.#slots[this.#tick]!;
      this.#tick = (this.#tick + 1) % count;
      for (const member of slot) visit(member);
    }, intervalMs / count);
    this.#timer.unref();
  }

  add(member: T): void {
    member.heartbeatSlot = this.#next;
    this.#next = (this.#next + 1) % this.#slots.length;
    this.#slots[member.heartbeatSlot]!.add(member);
  }

  delete(member: T): void {
    this.#slots[member.heartbeatSlot]?.delete(member);
  }

  stop(): void {
    clearInterval(this.#timer);
  }
}
