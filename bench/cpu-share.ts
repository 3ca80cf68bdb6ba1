/**
 * How busy the two cores of a benchmark were over a window: the server process, the load
 * generator itself, and whatever else ran on each core (other work, interrupts), from /proc.
 */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import type { CpuShare } from './load-protocol.ts';

const CLOCK_TICKS = 100;

/** CPU seconds (user + system) used so far by a process, from /proc. */
function processCpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}

/** Busy seconds of cores 0 and 1 so far (everything but idle and iowait), from /proc/stat. */
function coreBusySeconds(): [number, number] {
  const busy: [number, number] = [0, 0];
  for (const line of readFileSync('/proc/stat', 'latin1').split('\n')) {
    const match = /^cpu([01]) (.*)$/.exec(line);
    if (!match) continue;
    const ticks = match[2]!.trim().split(/\s+/).map(Number);
    const total = ticks.slice(0, 8).reduce((a, b) => a + b, 0);
    busy[Number(match[1]) as 0 | 1] = (total - ticks[3]! - ticks[4]!) / CLOCK_TICKS;
  }
  return busy;
}

export interface CpuMark {
  wall: number;
  server: number;
  load: NodeJS.CpuUsage;
  cores: [number, number];
}
export function cpuMark(serverPid: number): CpuMark {
  return {
    wall: performance.now(),
    server: processCpuSeconds(serverPid),
    load: process.cpuUsage(),
    cores: coreBusySeconds(),
  };
}
export function cpuSince(mark: CpuMark, serverPid: number): CpuShare {
  const seconds = (performance.now() - mark.wall) / 1000;
  const usage = process.cpuUsage(mark.load);
  const server = (processCpuSeconds(serverPid) - mark.server) / seconds;
  const load = (usage.user + usage.system) / 1e6 / seconds;
  const cores = coreBusySeconds();
  const core0 = (cores[0] - mark.cores[0]) / seconds;
  const core1 = (cores[1] - mark.cores[1]) / seconds;
  return {
    server,
    load,
    otherOnServerCore: Math.max(0, core0 - server),
    otherOnLoadCore: Math.max(0, core1 - load),
  };
}
