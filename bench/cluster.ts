/**
 * Signaling throughput and relay latency: one node, next to two nodes sharing Redis with the two
 * members of every room on different nodes (every relay crosses Redis pub/sub). Each node runs
 * in a process of its own; the clients run here. `npm run bench:cluster [-- --pairs N]`.
 *
 * Each pair keeps WINDOW candidates in flight in each direction; a member answers every
 * candidate it receives with one of its own until each side has sent MESSAGES. Latency is
 * measured one way (sender and receiver share this process's clock).
 */
import { parseArgs } from 'node:util';
import { connectClient, type TestClient } from '../test/helpers/client.ts';
import { spawnNode, startRedis, type ChildNode } from '../test/helpers/cluster.ts';

const { values } = parseArgs({
  options: {
    pairs: { type: 'string', default: '200' },
    messages: { type: 'string', default: '100' },
    window: { type: 'string', default: '4' },
  },
});
const PAIRS = Number(values.pairs);
const MESSAGES = Number(values.messages);
const WINDOW = Number(values.window);
const NODE_ARGS = ['--rate-limit', '0', '--max-conns-per-ip', '0', '--log-level', 'info'];

interface Row {
  readonly setup: string;
  readonly relayed: number;
  readonly seconds: number;
  readonly p50: number;
  readonly p99: number;
}

async function pair(urlA: string, urlB: string, roomId: string): Promise<[TestClient, TestClient]> {
  const a = await connectClient(urlA);
  a.send({ cmd: 'join', roomId, uid: 'a' });
  await a.next('joined', 10_000);
  const b = await connectClient(urlB);
  b.send({ cmd: 'join', roomId, uid: 'b' });
  await b.next('joined', 10_000);
  await a.next('new-peer', 10_000);
  a.received.length = 0;
  b.received.length = 0;
  return [a, b];
}

async function run(setup: string, urlsA: readonly string[], urlsB: readonly string[]): Promise<Row> {
  const pairs: [TestClient, TestClient][] = [];
  for (let i = 0; i < PAIRS; i++) {
    pairs.push(await pair(urlsA[i % urlsA.length]!, urlsB[i % urlsB.length]!, `bench-${setup}-${i}`));
  }
  const latencies: number[] = [];
  const started = performance.now();
  await Promise.all(
    pairs.map(
      ([a, b], i) =>
        new Promise<void>((resolve) => {
          const roomId = `bench-${setup}-${i}`;
          const sides = [
            { ws: a.ws, uid: 'a', remoteUid: 'b', sent: 0, got: 0 },
            { ws: b.ws, uid: 'b', remoteUid: 'a', sent: 0, got: 0 },
          ];
          const send = (side: (typeof sides)[number]): void => {
            if (side.sent >= MESSAGES) return;
            side.sent++;
            const msg = String(performance.now());
            side.ws.send(JSON.stringify({ cmd: 'candidate', roomId, uid: side.uid, remoteUid: side.remoteUid, msg }));
          };
          for (const side of sides) {
            side.ws.removeAllListeners('message');
            side.ws.on('message', (data: Buffer) => {
              const frame = JSON.parse(data.toString()) as { cmd?: string; msg?: string };
              if (frame.cmd !== 'candidate') return;
              latencies.push(performance.now() - Number(frame.msg));
              side.got++;
              send(side);
              if (sides.every((s) => s.got >= MESSAGES)) resolve();
            });
          }
          for (let w = 0; w < WINDOW; w++) for (const side of sides) send(side);
        }),
    ),
  );
  const seconds = (performance.now() - started) / 1000;
  for (const [a, b] of pairs) {
    a.ws.close();
    b.ws.close();
  }
  latencies.sort((x, y) => x - y);
  const at = (q: number): number => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]!;
  return { setup, relayed: latencies.length, seconds, p50: at(0.5), p99: at(0.99) };
}

async function main(): Promise<void> {
  const nodes: ChildNode[] = [];
  const redis = await startRedis();
  const rows: Row[] = [];
  try {
    const single = await spawnNode(NODE_ARGS);
    nodes.push(single);
    rows.push(await run('single node', [single.wsUrl], [single.wsUrl]));
    await single.stop();

    const cluster = await Promise.all([
      spawnNode([...NODE_ARGS, '--redis-url', redis.url]),
      spawnNode([...NODE_ARGS, '--redis-url', redis.url]),
    ]);
    nodes.push(...cluster);
    const [one, two] = cluster;
    rows.push(await run('2 nodes + Redis, same node', [one.wsUrl, two.wsUrl], [one.wsUrl, two.wsUrl]));
    rows.push(await run('2 nodes + Redis, across nodes', [one.wsUrl, two.wsUrl], [two.wsUrl, one.wsUrl]));
  } finally {
    await Promise.all(nodes.map((node) => node.stop()));
    await redis.close();
  }
  process.stdout.write(`${PAIRS} pairs, ${MESSAGES} candidates each way per pair, ${WINDOW} in flight per side\n\n`);
  process.stdout.write('| setup | relayed | messages/s | p50 ms | p99 ms |\n| --- | ---: | ---: | ---: | ---: |\n');
  for (const row of rows) {
    process.stdout.write(
      `| ${row.setup} | ${row.relayed} | ${Math.round(row.relayed / row.seconds)} | ${row.p50.toFixed(2)} | ${row.p99.toFixed(2)} |\n`,
    );
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
