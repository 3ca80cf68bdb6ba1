/**
 * Visits every member once per interval without visiting them all at once: the members are
 * spread over slots, and one slot is visited per tick. Pinging 10,000 sockets in one loop (and
 * taking their 10,000 pongs right after) stalls the relay for tens of milliseconds every interval;
 * spread over ~100 ms ticks, each tick costs a fraction of a millisecond.
 */
export interface HeartbeatMember {
  heartbeatSlot: number;
}

/** What the heartbeat knows of one member's liveness, kept between its visits. */
export interface Liveness {
  /** A frame or a pong came from the member since its last visit. */
  heard: boolean;
  /** A frame went to the member since its last visit. */
  sent: boolean;
  /** A ping went out at the last visit and no sign of life has come since. */
  awaitingPong: boolean;
  /** Visits in a row that found the member silent after a ping. */
  missedPongs: number;
}

/**
 * One visit: 'drop' after two missed pongs, 'ping' to ask for a sign of life, or nothing when
 * frames went both ways since the last visit. A frame from the member is as good as a pong, and a
 * busy connection needs no ping (at 10,000 relaying connections every 15 s that is 1,300 frames a
 * second saved); traffic both ways is required so that a proxy in between (nginx's
 * `proxy_read_timeout`) still sees the server speak at least once an interval. A member that falls
 * silent is dropped at the second visit after its first unanswered ping: at most four intervals
 * after its last sign of life (three when no frames went both ways in its last interval).
 */
export function visit(member: Liveness): 'drop' | 'ping' | undefined {
  const { heard, sent } = member;
  member.heard = false;
  member.sent = false;
  if (heard) {
    member.awaitingPong = false;
    member.missedPongs = 0;
  } else if (member.awaitingPong && ++member.missedPongs >= 2) {
    return 'drop';
  }
  if (heard && sent) return undefined;
  member.awaitingPong = true;
  return 'ping';
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
