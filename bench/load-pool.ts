/**
 * The load generator's clients (bench/load-generator.ts): the pool of raw WebSocket clients,
 * who each one is (client i is member `i % 2 === 0 ? 'a' : 'b'` of room `r${i >> 1}`), the
 * masked frames each one sends, and where the frames they receive go during a phase.
 */
import { performance } from 'node:perf_hooks';
import { maskedFrame, relayPayload, timestampOffset, type RelayKind } from './frames.ts';
import type { CloseResult, ConnectResult, LoadRequest } from './load-protocol.ts';
import { RawClient } from './raw-client.ts';

/** Hears every frame a client receives: its index, the frame's first bytes, their length. */
export type PhaseListener = (client: number, prefix: Buffer, length: number, payloadLength: number) => void;

const HOST = '127.0.0.1';
export const clients: (RawClient | undefined)[] = [];
let onFrame: PhaseListener = () => undefined;
let onBatchEnd: (client: number) => void = () => undefined;

/**
 * Where the clients' frames go for the phase that starts (`onBatchEnd`: a client has handed on
 * everything one read of its socket brought). Called without arguments: nowhere.
 */
export function listen(
  frame: PhaseListener = () => undefined,
  batchEnd: (client: number) => void = () => undefined,
): void {
  onFrame = frame;
  onBatchEnd = batchEnd;
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export function roomId(room: number): string {
  return `r${room}`;
}
export function uidOf(client: number): string {
  return client % 2 === 0 ? 'a' : 'b';
}
export function client(index: number): RawClient {
  const c = clients[index];
  if (!c) throw new Error(`client ${index} is not connected`);
  return c;
}

// ---- connect -------------------------------------------------------------------------------
export async function connectAll(req: Extract<LoadRequest, { op: 'connect' }>): Promise<ConnectResult> {
  const started = performance.now();
  const deadline = started + req.timeoutMs;
  let next = clients.length;
  const end = next + req.count;
  let opened = 0;
  let failed = 0;
  let firstError: string | undefined;
  const worker = async (): Promise<void> => {
    while (next < end && performance.now() < deadline) {
      const index = next++;
      try {
        const c = await RawClient.open(
          HOST,
          req.port,
          req.path,
          Math.max(1, Math.min(10_000, deadline - performance.now())),
          `127.0.${req.sourceNet}.${1 + Math.floor(index / req.perSourceAddress)}`,
        );
        c.onFrame = (prefix, length, payloadLength) => onFrame(index, prefix, length, payloadLength);
        c.onBatchEnd = () => onBatchEnd(index);
        c.socket.on('error', () => undefined);
        clients[index] = c;
        opened++;
      } catch (err) {
        failed++;
        firstError ??= err instanceof Error ? err.message : String(err);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(req.concurrency, req.count) }, worker));
  failed += end - next;
  const result: ConnectResult = { opened, failed, seconds: (performance.now() - started) / 1000 };
  if (firstError !== undefined) result.firstError = firstError;
  return result;
}

// ---- relay templates -------------------------------------------------------------------------

export interface Template {
  /** The offer (member a) or answer (member b), masked with the sender's key. */
  sdp: Buffer;
  candidate: Buffer;
  sdpPayloadStart: number;
  candidatePayloadStart: number;
  sdpTs: number;
  candidateTs: number;
}
export const templates: Template[] = [];

export function template(index: number): Template {
  let t = templates[index];
  if (t) return t;
  const c = client(index);
  const room = roomId(index >> 1);
  const uid = uidOf(index);
  const remote = uidOf(index + 1);
  const kind: RelayKind = uid === 'a' ? 'offer' : 'answer';
  const sdp = relayPayload(kind, room, uid, remote);
  const candidate = relayPayload('candidate', room, uid, remote);
  const sdpFrame = maskedFrame(0x1, sdp, c.mask);
  const candidateFrame = maskedFrame(0x1, candidate, c.mask);
  t = {
    sdp: sdpFrame,
    candidate: candidateFrame,
    sdpPayloadStart: sdpFrame.length - sdp.length,
    candidatePayloadStart: candidateFrame.length - candidate.length,
    sdpTs: timestampOffset(sdp),
    candidateTs: timestampOffset(candidate),
  };
  templates[index] = t;
  return t;
}

/** In every six messages a member sends, one is its SDP and five are ICE candidates. */
export const SEQUENCE = 6;

// ---- close -------------------------------------------------------------------------------

export async function closeAll(req: Extract<LoadRequest, { op: 'close' }>): Promise<CloseResult> {
  const open = clients.filter((c): c is RawClient => c !== undefined);
  // Close in slices so that the server is not handed 10,000 closes in one tick.
  for (let i = 0; i < open.length; i += 500) {
    for (const c of open.slice(i, i + 500)) c.close();
    await sleep(5);
  }
  let timer: NodeJS.Timeout | undefined;
  const all = Promise.all(open.map((c) => c.closed)).then(() => true);
  const timeout = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), req.timeoutMs)));
  const clean = await Promise.race([all, timeout]);
  clearTimeout(timer);
  let destroyed = 0;
  if (!clean) {
    for (const c of open) {
      if (!c.socket.destroyed) {
        destroyed++;
        c.destroy();
      }
    }
  }
  clients.length = 0;
  templates.length = 0;
  return { closed: open.length - destroyed, destroyed };
}
