// Loaded into each benchmarked server process with `node --expose-gc --import`; it changes
// nothing in the server. On SIGUSR2 it runs a full garbage collection and reports memory on
// stderr as one line `BENCH-MEM {json}`. It also ends the process when its stdin closes, so
// that a server never outlives the benchmark that started it, even if the benchmark is killed.
//
// Over stdin the benchmark opens and closes a measurement window ("window-start\n",
// "window-stop\n"): the stop is answered with one line `BENCH-WINDOW {json}` holding the event
// loop's delay (p50/p99/max, ms) and every garbage collection in the window (count, total and
// longest pause by kind), so that a latency tail can be put down to the server's own pauses or
// not. Both servers load this same hook, so what it costs, it costs both.
/* global setTimeout */
import { readdirSync, readFileSync } from 'node:fs';
import { monitorEventLoopDelay, performance, PerformanceObserver, constants } from 'node:perf_hooks';

process.on('SIGUSR2', () => {
  globalThis.gc?.();
  setTimeout(() => {
    globalThis.gc?.();
    process.stderr.write(`BENCH-MEM ${JSON.stringify(process.memoryUsage())}\n`);
  }, 50);
});

const GC_KINDS = {
  [constants.NODE_PERFORMANCE_GC_MINOR]: 'minor',
  [constants.NODE_PERFORMANCE_GC_MAJOR]: 'major',
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental',
  [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weakcb',
};
let gc = {};
let loop;
const observer = new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    const kind = GC_KINDS[entry.detail?.kind ?? entry.kind] ?? 'other';
    const k = (gc[kind] ??= { count: 0, totalMs: 0, maxMs: 0 });
    k.count++;
    k.totalMs += entry.duration;
    k.maxMs = Math.max(k.maxMs, entry.duration);
  }
});

/**
 * CPU milliseconds used so far by the main thread and by all the others (V8's GC helpers and
 * compiler, libuv's pool): on one core, the others' work is time the event loop waits.
 */
function threadCpu() {
  let main = 0;
  let others = 0;
  for (const tid of readdirSync('/proc/self/task')) {
    let stat;
    try {
      stat = readFileSync(`/proc/self/task/${tid}/stat`, 'latin1');
    } catch {
      continue; // the thread ended meanwhile
    }
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ms = (Number(fields[11]) + Number(fields[12])) * 10;
    if (Number(tid) === process.pid) main += ms;
    else others += ms;
  }
  return { main, others };
}
let cpuAtStart = { main: 0, others: 0 };
let windowStart = 0;

function command(line) {
  if (line === 'window-start') {
    gc = {};
    cpuAtStart = threadCpu();
    windowStart = performance.now();
    observer.observe({ entryTypes: ['gc'] });
    loop = monitorEventLoopDelay({ resolution: 5 });
    loop.enable();
  } else if (line === 'window-stop' && loop) {
    loop.disable();
    observer.disconnect();
    const ms = (ns) => ns / 1e6;
    const cpu = threadCpu();
    const report = {
      // Milliseconds since the process started, as V8's --trace-gc lines count them.
      fromMs: windowStart,
      toMs: performance.now(),
      mainThreadCpuMs: cpu.main - cpuAtStart.main,
      otherThreadsCpuMs: cpu.others - cpuAtStart.others,
      loopP50Ms: ms(loop.percentile(50)),
      loopP99Ms: ms(loop.percentile(99)),
      loopMaxMs: ms(loop.max),
      gc,
    };
    loop = undefined;
    process.stderr.write(`BENCH-WINDOW ${JSON.stringify(report)}\n`);
  }
}

let rest = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => {
  const lines = (rest + chunk).split('\n');
  rest = lines.pop() ?? '';
  for (const line of lines) command(line.trim());
});
process.stdin.on('end', () => process.exit(3));
process.stdin.on('error', () => process.exit(3));
process.stdin.resume();
