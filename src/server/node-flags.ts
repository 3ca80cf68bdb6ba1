/**
 * The Node.js (V8) flags the ZeroRTC server runs with, in one place: the `zerortc` command
 * (bin.ts, which `npm start`, `npx zerortc` and the systemd unit run) applies them, and the
 * benchmark starts the server with them. Chosen on measurement (docs/benchmarks.md).
 *
 * `--max-semi-space-size=32`: a larger young generation than V8's default (semi-spaces of at most
 * 16 MB on 64-bit). A relayed frame lives from its read until its write has gone out; with
 * thousands of busy connections, a default-sized young generation is collected often enough that
 * frames still in flight survive two scavenges and are promoted, and old space fills with dead
 * frames and sets off major collections. Measured on 2,000 busy connections (docs/benchmarks.md):
 * server CPU per message 1.10-1.18x the bare relay's with the default, 1.24-1.34x with 8 MB (p99
 * 1.5x), 0.99-1.12x with 32 MB. What it costs: once grown, the young generation stays grown while
 * the server is busy: up to 32 MB more resident memory than the default, shared by all connections.
 *
 * `--single-threaded-gc`, only when the process may run on one CPU (a one-vCPU machine, a
 * container or systemd unit limited to one CPU, `taskset -c 0`): V8 otherwise does its GC work
 * in helper threads (concurrent marking, parallel scavenging, concurrent sweeping), which on one
 * CPU do not run beside the event loop but take turns with it: for the hundreds of milliseconds
 * a concurrent marking lasts, the scheduler gives the marker about half the CPU, the relay runs
 * at half speed, and under load its queue (the latency tail) grows. With the flag V8 does the
 * same work on the main thread in small incremental steps paced by allocation. With two or more
 * CPUs the helpers really run in parallel and shorten pauses, so the flag is not set.
 */

import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';

const ALWAYS: readonly string[] = ['--max-semi-space-size=32'];
const ONE_CPU: readonly string[] = ['--single-threaded-gc'];

/** The flags for a process that may run on `cpus` CPUs (`os.availableParallelism()`). */
export function nodeFlags(cpus: number): string[] {
  return cpus <= 1 ? [...ALWAYS, ...ONE_CPU] : [...ALWAYS];
}

/**
 * How many CPUs a process may use, from its CPU affinity and, when there is one, the cgroup v2
 * `cpu.max` of its group ("QUOTA PERIOD" or "max PERIOD").
 */
export function cpusFrom(affinity: number, cpuMax: string | undefined): number {
  const [quota, period] = (cpuMax ?? '').trim().split(' ');
  const cpus = Math.ceil(Number(quota) / Number(period));
  return Number.isFinite(cpus) && cpus >= 1 ? Math.min(affinity, cpus) : affinity;
}

/**
 * How many CPUs this process may use: its CPU affinity (`os.availableParallelism()`), capped by
 * a cgroup v2 CPU quota (systemd's `CPUQuota=`, `docker run --cpus`), which Node 20's
 * `availableParallelism()` does not look at.
 */
export function availableCpus(): number {
  let cpuMax: string | undefined;
  try {
    const group = /^0::(.*)$/m.exec(readFileSync('/proc/self/cgroup', 'utf8'))?.[1];
    if (group !== undefined) cpuMax = readFileSync(`/sys/fs/cgroup${group === '/' ? '' : group}/cpu.max`, 'utf8');
  } catch {
    // not Linux, cgroup v1, or no quota file: the affinity is all there is to go by
  }
  return cpusFrom(availableParallelism(), cpuMax);
}
