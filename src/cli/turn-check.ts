/**
 * Asks a TURN server for a relay allocation with the credentials ZeroRTC handed out, and says in
 * words what happened. A WebRTC stack only reports "no relay candidate"; an operator needs to
 * know whether the server answered at all, and which error it gave (401 = wrong secret or
 * clock skew, 403 = forbidden peer or address, 437/486 = allocation limits).
 *
 * Speaks just enough STUN (RFC 5389) and TURN (RFC 5766): Allocate without credentials (to learn
 * realm and nonce), Allocate with the long-term credential, then Refresh with lifetime 0 to give
 * the allocation back. Over UDP, TCP or TLS, as the URL says.
 */
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { connect as connectTcp, isIP, type Socket } from 'node:net';
import { connect as connectTls } from 'node:tls';

export interface TurnCheckResult {
  readonly url: string;
  /** True when the server gave a relay allocation for these credentials. */
  readonly ok: boolean;
  /** The relayed transport address the server allocated. */
  readonly relayAddress?: string;
  /** The server's STUN error, when it refused. */
  readonly errorCode?: number;
  readonly errorReason?: string;
  /** What went wrong, in words, when ok is false. */
  readonly problem?: string;
  /** Time from the first request to the answer that decided the check, ms. */
  readonly rttMs?: number;
}

export interface TurnUrl {
  readonly host: string;
  readonly port: number;
  readonly transport: 'udp' | 'tcp' | 'tls';
}

/** Parses `turn:host[:port][?transport=udp|tcp]` and `turns:host[:port]`; undefined if it is not one. */
export function parseTurnUrl(url: string): TurnUrl | undefined {
  const match = /^(turns?):(\[[^\]]+\]|[^:?]+)(?::(\d+))?(?:\?transport=(udp|tcp))?$/i.exec(url.trim());
  if (!match) return undefined;
  const secure = match[1]!.toLowerCase() === 'turns';
  const host = match[2]!.replace(/^\[|\]$/g, '');
  const port = match[3] === undefined ? (secure ? 5349 : 3478) : Number(match[3]);
  const transport = secure ? 'tls' : match[4]?.toLowerCase() === 'tcp' ? 'tcp' : 'udp';
  return { host, port, transport };
}

const MAGIC_COOKIE = 0x2112a442;
const TYPE = {
  allocateRequest: 0x0003,
  allocateSuccess: 0x0103,
  allocateError: 0x0113,
  refreshRequest: 0x0004,
} as const;
const ATTR = {
  username: 0x0006,
  messageIntegrity: 0x0008,
  errorCode: 0x0009,
  lifetime: 0x000d,
  realm: 0x0014,
  nonce: 0x0015,
  xorRelayedAddress: 0x0016,
  requestedTransport: 0x0019,
} as const;
/** REQUESTED-TRANSPORT value for UDP (the only one TURN allocates for WebRTC). */
const UDP_PROTOCOL = 17;

interface StunMessage {
  readonly type: number;
  readonly transactionId: Buffer;
  readonly attributes: Map<number, Buffer>;
}

function attribute(type: number, value: Buffer): Buffer {
  const header = Buffer.alloc(4);
  header.writeUInt16BE(type, 0);
  header.writeUInt16BE(value.length, 2);
  const padding = Buffer.alloc((4 - (value.length % 4)) % 4);
  return Buffer.concat([header, value, padding]);
}

function encode(type: number, attributes: Buffer[], integrityKey?: Buffer): { bytes: Buffer; transactionId: Buffer } {
  const transactionId = randomBytes(12);
  const header = Buffer.alloc(20);
  header.writeUInt16BE(type, 0);
  header.writeUInt32BE(MAGIC_COOKIE, 4);
  transactionId.copy(header, 8);
  let body = Buffer.concat(attributes);
  if (integrityKey) {
    // The length in the header counts MESSAGE-INTEGRITY itself (24 bytes) before it is computed.
    header.writeUInt16BE(body.length + 24, 2);
    const hmac = createHmac('sha1', integrityKey)
      .update(Buffer.concat([header, body]))
      .digest();
    body = Buffer.concat([body, attribute(ATTR.messageIntegrity, hmac)]);
  }
  header.writeUInt16BE(body.length, 2);
  return { bytes: Buffer.concat([header, body]), transactionId };
}

function decode(bytes: Buffer): StunMessage | undefined {
  if (bytes.length < 20 || bytes.readUInt32BE(4) !== MAGIC_COOKIE) return undefined;
  const length = bytes.readUInt16BE(2);
  if (bytes.length < 20 + length) return undefined;
  const attributes = new Map<number, Buffer>();
  for (let at = 20; at + 4 <= 20 + length;) {
    const type = bytes.readUInt16BE(at);
    const size = bytes.readUInt16BE(at + 2);
    if (!attributes.has(type)) attributes.set(type, bytes.subarray(at + 4, at + 4 + size));
    at += 4 + size + ((4 - (size % 4)) % 4);
  }
  return { type: bytes.readUInt16BE(0), transactionId: bytes.subarray(8, 20), attributes };
}

function errorOf(message: StunMessage): { code: number; reason: string } | undefined {
  const value = message.attributes.get(ATTR.errorCode);
  if (!value || value.length < 4) return undefined;
  return { code: (value[2]! & 0x7) * 100 + value[3]!, reason: value.subarray(4).toString('utf8') };
}

function xorAddress(value: Buffer): string | undefined {
  if (value.length < 8 || value[1] !== 0x01) return undefined; // IPv4 only: enough for a report
  const port = value.readUInt16BE(2) ^ (MAGIC_COOKIE >>> 16);
  const address = (value.readUInt32BE(4) ^ MAGIC_COOKIE) >>> 0;
  return `${address >>> 24}.${(address >>> 16) & 0xff}.${(address >>> 8) & 0xff}.${address & 0xff}:${port}`;
}

/** One request, one answer with the same transaction id, over a transport that may drop packets. */
interface Transaction {
  request(bytes: Buffer, transactionId: Buffer, timeoutMs: number): Promise<StunMessage>;
  close(): void;
}

class NoAnswerError extends Error {}

async function openUdp(target: TurnUrl): Promise<Transaction> {
  const socket = createSocket(isIP(target.host) === 6 ? 'udp6' : 'udp4');
  socket.on('error', () => undefined);
  let waiter: ((message: StunMessage) => void) | undefined;
  socket.on('message', (data: Buffer) => {
    const message = decode(data);
    if (message) waiter?.(message);
  });
  await new Promise<void>((resolve) => socket.bind(0, resolve));
  return {
    request(bytes, transactionId, timeoutMs) {
      return new Promise((resolve, reject) => {
        // UDP loses packets: resend at 0.5 s, 1.5 s, ... as STUN's retransmission schedule does.
        const timers: NodeJS.Timeout[] = [];
        const send = (): void => socket.send(bytes, target.port, target.host);
        const done = (): void => {
          for (const timer of timers) clearTimeout(timer);
          waiter = undefined;
        };
        waiter = (message) => {
          if (!message.transactionId.equals(transactionId)) return;
          done();
          resolve(message);
        };
        send();
        for (let delay = 500; delay < timeoutMs; delay *= 2) timers.push(setTimeout(send, delay));
        timers.push(
          setTimeout(() => {
            done();
            reject(new NoAnswerError(`no answer within ${timeoutMs / 1000} s`));
          }, timeoutMs),
        );
      });
    },
    close() {
      socket.close();
    },
  };
}

async function openStream(target: TurnUrl, timeoutMs: number): Promise<Transaction> {
  const socket: Socket =
    target.transport === 'tls'
      ? connectTls({ host: target.host, port: target.port, servername: isIP(target.host) ? undefined : target.host })
      : connectTcp({ host: target.host, port: target.port });
  let buffered = Buffer.alloc(0);
  let waiter: ((message: StunMessage) => void) | undefined;
  let failure: Error | undefined;
  socket.on('data', (data: Buffer) => {
    buffered = Buffer.concat([buffered, data]);
    while (buffered.length >= 20 && buffered.length >= 20 + buffered.readUInt16BE(2)) {
      const size = 20 + buffered.readUInt16BE(2);
      const message = decode(buffered.subarray(0, size));
      buffered = buffered.subarray(size);
      if (message) waiter?.(message);
    }
  });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new NoAnswerError(`no connection within ${timeoutMs / 1000} s`)), timeoutMs);
    socket.once(target.transport === 'tls' ? 'secureConnect' : 'connect', () => {
      clearTimeout(timer);
      resolve();
    });
    socket.once('error', (err) => {
      clearTimeout(timer);
      failure = err;
      reject(err);
    });
  }).catch((err: unknown) => {
    socket.destroy();
    throw err;
  });
  socket.on('error', (err) => (failure = err));
  return {
    request(bytes, transactionId, requestTimeoutMs) {
      return new Promise((resolve, reject) => {
        if (failure) return reject(failure);
        const timer = setTimeout(() => {
          waiter = undefined;
          reject(new NoAnswerError(`no answer within ${requestTimeoutMs / 1000} s`));
        }, requestTimeoutMs);
        waiter = (message) => {
          if (!message.transactionId.equals(transactionId)) return;
          clearTimeout(timer);
          waiter = undefined;
          resolve(message);
        };
        socket.write(bytes);
      });
    },
    close() {
      socket.destroy();
    },
  };
}

function describeError(code: number, reason: string): string {
  const hint: Record<number, string> = {
    401: "the credentials from /api/ice-servers were refused: is --turn-secret the same as coturn's static-auth-secret, and are both clocks right?",
    403: 'the TURN server forbids this request (denied address or user)',
    437: 'allocation mismatch (an old allocation from the same address and port)',
    441: 'wrong credentials',
    442: 'the TURN server does not relay UDP',
    486: 'allocation quota reached (user-quota or total-quota in turnserver.conf)',
    508: 'the TURN server has no relay port left (min-port/max-port)',
  };
  const words = hint[code] ?? 'the TURN server refused the allocation';
  return `error ${code}${reason ? ` ${reason}` : ''}: ${words}`;
}

/**
 * Allocates a relay on the TURN server at `url` with `username`/`credential`, releases it, and
 * returns what happened. Never throws.
 */
export async function checkTurn(
  url: string,
  username: string,
  credential: string,
  timeoutMs = 3000,
): Promise<TurnCheckResult> {
  const target = parseTurnUrl(url);
  if (!target) return { url, ok: false, problem: 'not a turn: or turns: URL' };
  const started = performance.now();
  const elapsed = (): number => Math.round(performance.now() - started);
  let transaction: Transaction;
  try {
    transaction = target.transport === 'udp' ? await openUdp(target) : await openStream(target, timeoutMs);
  } catch (err) {
    return { url, ok: false, problem: `could not reach the TURN server: ${(err as Error).message}` };
  }
  const transport = attribute(ATTR.requestedTransport, Buffer.from([UDP_PROTOCOL, 0, 0, 0]));
  try {
    // An Allocate without credentials: the server answers 401 with its realm and a nonce.
    const first = encode(TYPE.allocateRequest, [transport]);
    let answer = await transaction.request(first.bytes, first.transactionId, timeoutMs);
    for (let attempt = 0; attempt < 2; attempt++) {
      if (answer.type === TYPE.allocateSuccess) break; // a server without authentication
      const error = errorOf(answer);
      const realm = answer.attributes.get(ATTR.realm);
      const nonce = answer.attributes.get(ATTR.nonce);
      if (
        answer.type !== TYPE.allocateError ||
        !error ||
        !realm ||
        !nonce ||
        (error.code !== 401 && error.code !== 438)
      )
        break;
      if (attempt === 1 && error.code === 401) break; // refused with our credentials
      const key = createHash('md5')
        .update(`${username}:${realm.toString('utf8')}:${credential}`)
        .digest();
      const signed = encode(
        TYPE.allocateRequest,
        [
          transport,
          attribute(ATTR.username, Buffer.from(username)),
          attribute(ATTR.realm, realm),
          attribute(ATTR.nonce, nonce),
        ],
        key,
      );
      answer = await transaction.request(signed.bytes, signed.transactionId, timeoutMs);
      if (answer.type === TYPE.allocateSuccess) {
        const release = encode(
          TYPE.refreshRequest,
          [
            attribute(ATTR.lifetime, Buffer.from([0, 0, 0, 0])),
            attribute(ATTR.username, Buffer.from(username)),
            attribute(ATTR.realm, realm),
            attribute(ATTR.nonce, nonce),
          ],
          key,
        );
        await transaction.request(release.bytes, release.transactionId, 1000).catch(() => undefined);
      }
    }
    const rttMs = elapsed();
    if (answer.type === TYPE.allocateSuccess) {
      const relayed = answer.attributes.get(ATTR.xorRelayedAddress);
      const relayAddress = relayed ? xorAddress(relayed) : undefined;
      return { url, ok: true, rttMs, ...(relayAddress ? { relayAddress } : {}) };
    }
    const error = errorOf(answer);
    if (!error) return { url, ok: false, rttMs, problem: 'the TURN server gave an answer that is not an allocation' };
    return {
      url,
      ok: false,
      rttMs,
      errorCode: error.code,
      errorReason: error.reason,
      problem: describeError(error.code, error.reason),
    };
  } catch (err) {
    const problem =
      err instanceof NoAnswerError ? `the TURN server did not answer (${err.message})` : (err as Error).message;
    return { url, ok: false, problem };
  } finally {
    transaction.close();
  }
}
