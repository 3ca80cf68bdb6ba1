/**
 * A minimal WebSocket client for the load generator, over a bare TCP socket.
 *
 * The load generator must cost much less per message than the relay it measures; the `ws` client
 * would cost about as much (a frame parser, UTF-8 checks, an event and a Buffer per message).
 * This one sends frames that were masked once in advance (with a random, non-zero key, so the
 * server really unmasks them, as with a browser), writes many at once, and reads incoming frames
 * with a small state machine that copies only the first bytes of each payload.
 */
import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { maskedFrame } from './frames.ts';

/** How many bytes of each incoming payload are kept for inspection. */
export const PREFIX_BYTES = 256;

const OP_TEXT = 0x1;
const OP_CLOSE = 0x8;
const OP_PING = 0x9;
const OP_PONG = 0xa;

/** Called per incoming text frame with its first bytes (a reused buffer: copy what you keep). */
export type FrameListener = (prefix: Buffer, prefixLength: number, payloadLength: number) => void;

export class RawClient {
  readonly socket: Socket;
  /** The masking key of every frame this client sends. */
  readonly mask: Buffer;
  onFrame: FrameListener = () => undefined;
  /** When set, whole payloads of text frames are collected here instead (for byte checks). */
  collect: Buffer[] | undefined;
  /** Called after a batch of frames from one read, so that replies go out in one write. */
  onBatchEnd: () => void = () => undefined;
  readonly closed: Promise<void>;

  #open = false;
  #handshake: Buffer | undefined = Buffer.alloc(0);
  readonly #header = Buffer.alloc(14);
  #headerLength = 0;
  #headerNeed = 2;
  #inPayload = false;
  #opcode = 0;
  #payloadLength = 0;
  #received = 0;
  readonly #prefix = Buffer.alloc(PREFIX_BYTES);
  #prefixLength = 0;
  #parts: Buffer[] = [];

  private constructor(socket: Socket) {
    this.socket = socket;
    this.mask = randomBytes(4);
    if (this.mask.readUInt32BE(0) === 0) this.mask[0] = 1;
    this.closed = new Promise((resolve) => socket.once('close', () => resolve()));
  }

  /**
   * Opens a WebSocket to ws://host:port/path from `localAddress`; rejects on refusal or after
   * `timeoutMs`.
   */
  static open(host: string, port: number, path: string, timeoutMs: number, localAddress: string): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host, port, noDelay: true, localAddress });
      const client = new RawClient(socket);
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error('WebSocket handshake timed out'));
      }, timeoutMs);
      socket.on('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
      socket.once('connect', () => {
        socket.write(
          `GET ${path} HTTP/1.1\r\nHost: ${host}:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
            `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
        );
      });
      socket.on('data', (chunk: Buffer) => {
        if (client.#open) {
          client.#read(chunk);
          return;
        }
        const head = Buffer.concat([client.#handshake ?? Buffer.alloc(0), chunk]);
        const end = head.indexOf('\r\n\r\n');
        if (end < 0) {
          client.#handshake = head;
          return;
        }
        clearTimeout(timer);
        if (!head.subarray(0, 13).toString('latin1').startsWith('HTTP/1.1 101')) {
          socket.destroy();
          reject(new Error(`upgrade refused: ${head.subarray(0, head.indexOf('\r\n')).toString('latin1')}`));
          return;
        }
        client.#open = true;
        client.#handshake = undefined;
        resolve(client);
        if (end + 4 < head.length) client.#read(head.subarray(end + 4));
      });
    });
  }

  get open(): boolean {
    return this.#open && !this.socket.destroyed;
  }

  /** Masks and sends one text frame (for small, one-off frames). */
  sendText(payload: string | Buffer): void {
    this.write(maskedFrame(OP_TEXT, typeof payload === 'string' ? Buffer.from(payload) : payload, this.mask));
  }

  /** Sends bytes already framed and masked with this client's key. */
  write(frame: Buffer): void {
    if (!this.socket.destroyed) this.socket.write(frame);
  }

  /** Starts a clean close (close frame, code 1000); the socket ends when the server answers. */
  close(): void {
    if (this.socket.destroyed) return;
    const code = Buffer.alloc(2);
    code.writeUInt16BE(1000);
    this.write(maskedFrame(OP_CLOSE, code, this.mask));
  }

  destroy(): void {
    this.socket.destroy();
  }

  #read(chunk: Buffer): void {
    let i = 0;
    const n = chunk.length;
    while (i < n) {
      if (!this.#inPayload) {
        this.#header[this.#headerLength++] = chunk[i++]!;
        if (this.#headerLength === 2) {
          const len7 = this.#header[1]! & 0x7f;
          this.#headerNeed = len7 === 126 ? 4 : len7 === 127 ? 10 : 2;
        }
        if (this.#headerLength < this.#headerNeed) continue;
        const len7 = this.#header[1]! & 0x7f;
        this.#opcode = this.#header[0]! & 0x0f;
        this.#payloadLength =
          len7 === 126 ? this.#header.readUInt16BE(2) : len7 === 127 ? this.#header.readUInt32BE(6) : len7;
        this.#headerLength = 0;
        this.#headerNeed = 2;
        this.#received = 0;
        this.#prefixLength = 0;
        if (this.#payloadLength === 0) this.#frameDone();
        else this.#inPayload = true;
        continue;
      }
      const take = Math.min(this.#payloadLength - this.#received, n - i);
      if (this.#prefixLength < PREFIX_BYTES) {
        const copy = Math.min(take, PREFIX_BYTES - this.#prefixLength);
        chunk.copy(this.#prefix, this.#prefixLength, i, i + copy);
        this.#prefixLength += copy;
      }
      if (this.collect) this.#parts.push(Buffer.from(chunk.subarray(i, i + take)));
      this.#received += take;
      i += take;
      if (this.#received === this.#payloadLength) {
        this.#inPayload = false;
        this.#frameDone();
      }
    }
    this.onBatchEnd();
  }

  #frameDone(): void {
    const opcode = this.#opcode;
    if (opcode === OP_PING) {
      this.write(maskedFrame(OP_PONG, this.#prefix.subarray(0, this.#prefixLength), this.mask));
    } else if (opcode === OP_CLOSE) {
      this.socket.end();
    } else if (opcode === OP_TEXT) {
      if (this.collect) {
        this.collect.push(Buffer.concat(this.#parts));
        this.#parts = [];
      }
      this.onFrame(this.#prefix, this.#prefixLength, this.#payloadLength);
    }
  }
}
