/**
 * The Node.js (V8) flags the ZeroRTC server runs with, in one place: `npm start` reads them from
 * here, and so can any launcher of the `zerortc` command (see docs/operations.md).
 *
 * Why: a relayed frame lives from its read until its write has gone out. With thousands of busy
 * connections, V8's default young generation (semi-spaces of at most 16 MB on 64-bit) is
 * collected often enough that frames still in flight survive two scavenges and are promoted;
 * old space then fills with dead frames and major collections (incremental marking steps of
 * 6-28 ms) set the tail latency. A larger semi-space lets in-flight frames die young. The value
 * was chosen with `npm run bench -- --browser-like --node-flags=...` (docs/benchmarks.md).
 *
 * Run as a script (`node dist/server/node-flags.js`), this file prints the flags, space
 * separated, for shell launchers.
 */
import { argv, stdout } from 'node:process';
import { fileURLToPath } from 'node:url';

export const NODE_FLAGS: readonly string[] = ['--max-semi-space-size=32'];

if (argv[1] !== undefined && fileURLToPath(import.meta.url) === argv[1]) stdout.write(`${NODE_FLAGS.join(' ')}\n`);
