/**
 * The Node.js (V8) flags the ZeroRTC server runs with, in one place: the `zerortc` command
 * (bin.ts, which `npm start`, `npx zerortc` and the systemd unit run) applies them, and the
 * benchmark starts the server with them.
 *
 * Why: a relayed frame lives from its read until its write has gone out. With thousands of busy
 * connections, V8's default young generation (semi-spaces of at most 16 MB on 64-bit) is
 * collected often enough that frames still in flight survive two scavenges and are promoted;
 * old space then fills with dead frames and major collections (incremental marking steps of
 * 6-28 ms) set the tail latency. A larger semi-space lets in-flight frames die young. The value
 * was chosen with `npm run bench -- --browser-like --node-flags=...` (docs/benchmarks.md).
 */

export const NODE_FLAGS: readonly string[] = ['--max-semi-space-size=32'];
