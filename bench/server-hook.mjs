// Loaded into each benchmarked server process with `node --expose-gc --import`; it changes
// nothing in the server. On SIGUSR2 it runs a full garbage collection and reports memory on
// stderr as one line `BENCH-MEM {json}`. It also ends the process when its stdin closes, so
// that a server never outlives the benchmark that started it, even if the benchmark is killed.
/* global setTimeout */
process.on('SIGUSR2', () => {
  globalThis.gc?.();
  setTimeout(() => {
    globalThis.gc?.();
    process.stderr.write(`BENCH-MEM ${JSON.stringify(process.memoryUsage())}\n`);
  }, 50);
});
process.stdin.on('end', () => process.exit(3));
process.stdin.on('error', () => process.exit(3));
process.stdin.resume();
