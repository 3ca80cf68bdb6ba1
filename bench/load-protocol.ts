/**
 * What the benchmark (bench/signaling.ts) asks its load generators over IPC, one scenario at a
 * time, and what they answer (bench/load-generator.ts).
 */

export type LoadRequest =
  | {
      op: 'connect';
      port: number;
      path: string;
      count: number;
      concurrency: number;
      timeoutMs: number;
      /** Connections per source address (127.0.N.1, .2, ...): one address has ~28,000 ports. */
      perSourceAddress: number;
      /** N of the source addresses: each load generator of a run has its own, so none runs out of ports. */
      sourceNet: number;
    }
  | { op: 'join'; rooms: number; window: number; timeoutMs: number }
  | { op: 'verify'; timeoutMs: number }
  | { op: 'throughput'; rooms: number; window: number; warmupMs: number; measureMs: number; serverPid: number }
  | { op: 'latency'; rooms: number; rate: number; warmupMs: number; measureMs: number; serverPid: number }
  | { op: 'close'; timeoutMs: number };

export interface ConnectResult {
  opened: number;
  failed: number;
  seconds: number;
  firstError?: string;
}
export interface JoinResult {
  joined: number;
  failed: number;
  seconds: number;
  roomsPerSecond: number;
  firstError?: string;
}
export interface VerifyResult {
  ok: boolean;
  detail: string;
}
export interface CpuShare {
  /** Share of one core used by the server process during the window, 0..1. */
  server: number;
  /** Share of one core used by this load generator during the window, 0..1. */
  load: number;
  /** Share of core 0 (the server's) used by other processes: noise from other work. */
  otherOnServerCore: number;
  /** Share of core 1 (the load generator's) used by other processes. */
  otherOnLoadCore: number;
}
export interface ThroughputResult {
  messages: number;
  seconds: number;
  messagesPerSecond: number;
  megabytesPerSecond: number;
  cpu: CpuShare;
  errors: number;
}
export interface LatencyResult {
  sent: number;
  received: number;
  samples: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
  achievedRate: number;
  /**
   * How late the load generator itself wrote messages (write time minus due time), p99 and max,
   * and its own event loop's longest delay: latency the server did not cause.
   */
  sendLagP99Ms: number;
  sendLagMaxMs: number;
  loopP99Ms: number;
  loopMaxMs: number;
  /** Seconds over which `sent` went out (the CPU shares are over the same window). */
  seconds: number;
  cpu: CpuShare;
  errors: number;
}
export interface CloseResult {
  closed: number;
  destroyed: number;
}

export type LoadReply = { id: number; ok: true; result: unknown } | { id: number; ok: false; error: string };
