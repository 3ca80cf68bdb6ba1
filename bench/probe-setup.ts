/**
 * Call setup time between two zerortc-probe peers (werift) through a real ZeroRTC server on
 * 127.0.0.1: from the second peer's join to its connection being up (ICE + DTLS), 20 calls.
 * Both peers run in this process, as runProbe does in the command. `npm run bench:probe`.
 */
import { Writable } from 'node:stream';
import { runProbe, type ProbeReport } from '../src/cli/probe-run.ts';
import { createApp } from '../src/server/app.ts';
import { DEFAULTS } from '../src/server/config.ts';
import { createLogger } from '../src/server/logger.ts';

const RUNS = Number(process.env['RUNS'] ?? 20);

const config = { ...DEFAULTS, host: '127.0.0.1', port: 0, logLevel: 'warn' };
const silent = new Writable({ write: (_chunk, _encoding, done) => done() });
const app = createApp(config, { log: createLogger(config.logLevel, silent) });
const { port } = await app.listen();
const wsUrl = `ws://127.0.0.1:${port}/ws`;

const probe = (roomId: string, uid: string): Promise<ProbeReport> =>
  runProbe({ wsUrl, roomId, uid, timeoutMs: 20_000, mediaMs: 300, loopback: true });

const joinToConnected: number[] = [];
const peerToConnected: number[] = [];
for (let run = 0; run < RUNS; run++) {
  const room = `bench-${run}`;
  const first = probe(room, 'first');
  // Let the first one be seated, so that the second one's join starts the call.
  await new Promise((resolve) => setTimeout(resolve, 300));
  const [a, b] = await Promise.all([first, probe(room, 'second')]);
  for (const report of [a, b])
    if (!report.ok) throw new Error(`run ${run}: ${report.failure?.code}: ${report.failure?.message}`);
  joinToConnected.push(b.connection!.joinToConnectedMs);
  peerToConnected.push(a.connection!.setupMs);
}
await app.close();

function summary(name: string, values: number[]): string {
  const sorted = [...values].sort((x, y) => x - y);
  const median = sorted[Math.floor(sorted.length / 2)]!;
  return `${name.padEnd(44)} min ${sorted[0]!.toFixed(0)} ms  median ${median.toFixed(0)} ms  max ${sorted.at(-1)!.toFixed(0)} ms`;
}
console.log(`probe-to-probe call setup, ${RUNS} calls, Node ${process.version}, loopback`);
console.log(summary('second peer: join -> connected', joinToConnected));
console.log(summary('first peer: new-peer -> connected', peerToConnected));
// werift keeps UDP sockets and timers after close(): end here.
process.exit(0);
