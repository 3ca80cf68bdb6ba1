/**
 * The benchmark's load generator: a child process of bench/signaling.ts, pinned to its own core,
 * driven over IPC one scenario at a time: joins, relayed load in a closed loop and at a fixed rate
 * (its clients: load-pool.ts). Every wait is bounded; when the parent goes away, it closes
 * everything and exits.
 */
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { readTimestamp, relayPayload, stampedFrame } from './frames.ts';
import { cpuMark, cpuSince } from './cpu-share.ts';
import {
  client,
  clients,
  closeAll,
  connectAll,
  listen,
  roomId,
  SEQUENCE,
  sleep,
  template,
  templates,
  uidOf,
} from './load-pool.ts';
import type {
  JoinResult,
  LatencyResult,
  LoadReply,
  LoadRequest,
  ThroughputResult,
  VerifyResult,
} from './load-protocol.ts';

// ---- join ----------------------------------------------------------------------------------

const CMD_AT = '{"cmd":"'.length;
const LETTER_E = 'e'.charCodeAt(0);
const LETTER_N = 'n'.charCodeAt(0);
const LETTER_R = 'r'.charCodeAt(0);

async function joinAll(req: Extract<LoadRequest, { op: 'join' }>): Promise<JoinResult> {
  const rooms = Math.min(req.rooms, clients.length >> 1);
  const seen = new Uint8Array(rooms);
  let nextRoom = 0;
  let joined = 0;
  let failed = 0;
  let firstError: string | undefined;
  let finish: () => void = () => undefined;
  const done = new Promise<void>((resolve) => (finish = resolve));

  const start = (room: number): void => {
    for (const index of [room * 2, room * 2 + 1]) {
      client(index).sendText(`{"cmd":"join","roomId":"${roomId(room)}","uid":"${uidOf(index)}"}`);
    }
  };
  const settle = (): void => {
    if (nextRoom < rooms) start(nextRoom++);
    else if (joined + failed === rooms) finish();
  };
  listen((index, prefix, length) => {
    const room = index >> 1;
    if (room >= rooms || seen[room] === 3 || seen[room] === 4) return;
    const letter = prefix[CMD_AT];
    if (letter === LETTER_E) {
      firstError ??= prefix.subarray(0, length).toString();
      seen[room] = 4;
      failed++;
      settle();
    } else if (letter === LETTER_N || letter === LETTER_R) {
      seen[room] = (seen[room] ?? 0) | (1 << (index & 1));
      if (seen[room] === 3) {
        joined++;
        settle();
      }
    }
  });
  const started = performance.now();
  while (nextRoom < Math.min(req.window, rooms)) start(nextRoom++);
  if (rooms === 0) finish();
  const timer = setTimeout(finish, req.timeoutMs);
  await done;
  clearTimeout(timer);
  const seconds = (performance.now() - started) / 1000;
  listen();
  const result: JoinResult = { joined, failed: rooms - joined, seconds, roomsPerSecond: joined / seconds };
  if (firstError !== undefined) result.firstError = firstError;
  return result;
}

async function verify(req: Extract<LoadRequest, { op: 'verify' }>): Promise<VerifyResult> {
  const sender = client(0);
  const receiver = client(1);
  const expected = relayPayload('offer', roomId(0), 'a', 'b');
  const got: Buffer[] = [];
  receiver.collect = got;
  sender.write(template(0).sdp);
  const deadline = performance.now() + req.timeoutMs;
  while (got.length === 0 && performance.now() < deadline) await sleep(5);
  receiver.collect = undefined;
  const frame = got[0];
  if (!frame) return { ok: false, detail: 'no offer arrived' };
  if (frame.equals(expected)) return { ok: true, detail: `offer of ${frame.length} bytes relayed byte for byte` };
  let same: boolean;
  try {
    same = JSON.stringify(JSON.parse(frame.toString())) === JSON.stringify(JSON.parse(expected.toString()));
  } catch {
    same = false;
  }
  return { ok: same, detail: same ? 'offer relayed with the same fields, re-serialised' : 'offer changed in transit' };
}

// ---- throughput: closed loop -----------------------------------------------------------------

async function throughput(req: Extract<LoadRequest, { op: 'throughput' }>): Promise<ThroughputResult> {
  const members = Math.min(req.rooms, clients.length >> 1) * 2;
  for (let i = 0; i < members; i++) template(i);
  // Each member starts at its own place in its sequence, so that every window, however short,
  // carries the steady mix (one SDP in six) whatever the server's speed: all starting with their
  // SDP made the mix of a short window depend on how far the warm-up got (at 10,000 connections a
  // member sends only a handful of messages a window).
  const sent = Uint32Array.from({ length: members }, (_, i) => i % SEQUENCE);
  const owed = new Uint32Array(members);
  let received = 0;
  let bytes = 0;
  let errors = 0;
  let running = true;

  const sendOwed = (index: number): void => {
    const n = owed[index]!;
    if (n === 0) return;
    owed[index] = 0;
    const t = templates[index]!;
    const c = client(index);
    c.socket.cork();
    for (let k = 0; k < n; k++) c.socket.write(sent[index]!++ % SEQUENCE === 0 ? t.sdp : t.candidate);
    c.socket.uncork();
  };
  listen((index, prefix, _length, payloadLength) => {
    if (prefix[CMD_AT] === LETTER_E) {
      errors++;
      return;
    }
    received++;
    bytes += payloadLength;
    if (running && index < members) owed[index]!++;
  }, sendOwed);

  for (let i = 0; i < members; i++) {
    owed[i] = req.window;
    sendOwed(i);
  }
  await sleep(req.warmupMs);
  const mark = cpuMark(req.serverPid);
  const from = received;
  const fromBytes = bytes;
  await sleep(req.measureMs);
  const cpu = cpuSince(mark, req.serverPid);
  const seconds = (performance.now() - mark.wall) / 1000;
  const messages = received - from;
  const payloadBytes = bytes - fromBytes;
  running = false;
  // Let what is in flight arrive (bounded), so that the next scenario starts quiet.
  for (let last = -1, waited = 0; last !== received && waited < 3000; waited += 100) {
    last = received;
    await sleep(100);
  }
  listen();
  return {
    messages,
    seconds,
    messagesPerSecond: messages / seconds,
    megabytesPerSecond: payloadBytes / seconds / 1e6,
    cpu,
    errors,
  };
}

// ---- latency: open loop at a fixed rate ----------------------------------------------------

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

async function latency(req: Extract<LoadRequest, { op: 'latency' }>): Promise<LatencyResult> {
  const members = Math.min(req.rooms, clients.length >> 1) * 2;
  for (let i = 0; i < members; i++) template(i);
  const total = Math.round((req.rate * (req.warmupMs + req.measureMs)) / 1000);
  // Each room starts at its own place in the sequence (see throughput): the steady mix from the start.
  const perRoom = Uint32Array.from({ length: members >> 1 }, (_, room) => (room % SEQUENCE) * 2);
  const samples = new Float64Array(total);
  const lags = new Float64Array(total);
  let count = 0;
  let received = 0;
  let errors = 0;
  let sent = 0;

  const t0 = performance.now() + 20;
  const cutoffMicros = (t0 + req.warmupMs) * 1000;
  listen((_index, prefix, length) => {
    if (prefix[CMD_AT] === LETTER_E) {
      errors++;
      return;
    }
    const now = performance.now() * 1000;
    received++;
    // The slot holds the time the message was due, not when it went out: a late send counts.
    const ts = readTimestamp(prefix, length);
    if (Number.isNaN(ts)) return;
    if (ts >= cutoffMicros && count < total) samples[count++] = (now - ts) / 1000;
  });

  const sendOne = (n: number): void => {
    // Room by room in turn; within a room, the members take turns, each with its own sequence.
    const rooms = members >> 1;
    const room = n % rooms;
    const k = perRoom[room]!++;
    const index = room * 2 + (k & 1);
    const t = templates[index]!;
    const sdp = (k >> 1) % SEQUENCE === 0;
    const due = (t0 + (n * 1000) / req.rate) * 1000;
    const frame = sdp
      ? stampedFrame(t.sdp, t.sdpPayloadStart, t.sdpTs, client(index).mask, due)
      : stampedFrame(t.candidate, t.candidatePayloadStart, t.candidateTs, client(index).mask, due);
    client(index).write(frame);
    lags[n] = (performance.now() * 1000 - due) / 1000;
  };

  const loop = monitorEventLoopDelay({ resolution: 5 });
  loop.enable();
  const mark = cpuMark(req.serverPid);
  await new Promise<void>((resolve) => {
    const hardStop = t0 + req.warmupMs + req.measureMs + 5000;
    const ticker = setInterval(() => {
      const now = performance.now();
      const due = Math.min(total, Math.floor(((now - t0) * req.rate) / 1000));
      while (sent < due) sendOne(sent++);
      if (sent >= total || now > hardStop) {
        clearInterval(ticker);
        resolve();
      }
    }, 1);
  });
  const cpu = cpuSince(mark, req.serverPid);
  const sendSeconds = (performance.now() - t0) / 1000;
  for (let waited = 0; received + errors < sent && waited < 3000; waited += 20) await sleep(20);
  loop.disable();
  listen();
  const sortedLags = lags.slice(0, sent).sort();

  const sorted = samples.slice(0, count).sort();
  return {
    sent,
    received,
    samples: count,
    p50Ms: percentile(sorted, 50),
    p90Ms: percentile(sorted, 90),
    p99Ms: percentile(sorted, 99),
    maxMs: count > 0 ? sorted[count - 1]! : Number.NaN,
    achievedRate: sent / sendSeconds,
    sendLagP99Ms: percentile(sortedLags, 99),
    sendLagMaxMs: sent > 0 ? sortedLags[sent - 1]! : Number.NaN,
    loopP99Ms: loop.percentile(99) / 1e6,
    loopMaxMs: loop.max / 1e6,
    seconds: sendSeconds,
    cpu,
    errors,
  };
}

// ---- IPC ---------------------------------------------------------------------------------

async function run(req: LoadRequest): Promise<unknown> {
  switch (req.op) {
    case 'connect':
      return connectAll(req);
    case 'join':
      return joinAll(req);
    case 'verify':
      return verify(req);
    case 'throughput':
      return throughput(req);
    case 'latency':
      return latency(req);
    case 'close':
      return closeAll(req);
  }
}

if (process.send) {
  process.on('message', (message: { id: number; request: LoadRequest }) => {
    run(message.request).then(
      (result) => process.send?.({ id: message.id, ok: true, result } satisfies LoadReply),
      (err: unknown) =>
        process.send?.({
          id: message.id,
          ok: false,
          error: err instanceof Error ? err.message : String(err),
        } satisfies LoadReply),
    );
  });
  process.on('disconnect', () => {
    for (const c of clients) c?.destroy();
    process.exit(0);
  });
  process.send({ id: 0, ok: true, result: 'ready' } satisfies LoadReply);
}
