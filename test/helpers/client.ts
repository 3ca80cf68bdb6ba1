/**
 * A real WebSocket client that records what the server sends and lets a test await the next
 * message of a given cmd.
 */
import { WebSocket, type ClientOptions } from 'ws';

export type Frame = Record<string, unknown> & { cmd?: string };

/** Rejects after `ms` with a message naming what was awaited. */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export class TestClient {
  readonly ws: WebSocket;
  readonly received: Frame[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  #waiters: (() => void)[] = [];

  constructor(url: string, options?: ClientOptions) {
    this.ws = new WebSocket(url, options);
    this.ws.on('error', () => undefined);
    this.ws.on('message', (data: Buffer) => {
      this.received.push(JSON.parse(data.toString()) as Frame);
      for (const wake of this.#waiters.splice(0)) wake();
    });
    this.closed = new Promise((resolve) => {
      this.ws.on('close', (code: number, reason: Buffer) => {
        resolve({ code, reason: reason.toString() });
        for (const wake of this.#waiters.splice(0)) wake();
      });
    });
  }

  opened(): Promise<void> {
    if (this.ws.readyState === WebSocket.OPEN) return Promise.resolve();
    return withTimeout(
      new Promise((resolve, reject) => {
        this.ws.once('open', () => resolve());
        this.ws.once('close', () => reject(new Error('closed before open')));
      }),
      5000,
      'open',
    );
  }

  send(frame: unknown): void {
    this.ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  /** The next message not yet consumed whose cmd matches (any cmd when omitted). */
  next(cmd?: string, ms = 3000): Promise<Frame> {
    const find = (): Frame | undefined => {
      for (let i = 0; i < this.received.length; i++) {
        const frame = this.received[i]!;
        if (cmd === undefined || frame.cmd === cmd) {
          this.received.splice(i, 1);
          return frame;
        }
      }
      return undefined;
    };
    return withTimeout(
      new Promise<Frame>((resolve, reject) => {
        const check = (): void => {
          const frame = find();
          if (frame) resolve(frame);
          else if (this.ws.readyState === WebSocket.CLOSED)
            reject(new Error(`closed while waiting for ${cmd ?? 'a message'}`));
          else this.#waiters.push(check);
        };
        check();
      }),
      ms,
      cmd ?? 'a message',
    );
  }

  /** Resolves true if no message of `cmd` arrives within `ms` (for "must not happen" checks). */
  async none(cmd: string, ms: number): Promise<boolean> {
    try {
      await this.next(cmd, ms);
      return false;
    } catch {
      return true;
    }
  }

  close(): Promise<{ code: number; reason: string }> {
    this.ws.close(1000);
    return this.closed;
  }

  /** Ends the TCP connection without a close frame: an abnormal drop, as when a network goes. */
  drop(): void {
    this.ws.terminate();
  }
}

export async function connectClient(url: string, options?: ClientOptions): Promise<TestClient> {
  const client = new TestClient(url, options);
  await client.opened();
  return client;
}

/** Connects a client and joins a room; resolves with the client and its `joined` message. */
export async function joinRoom(
  url: string,
  roomId: string,
  uid: string,
): Promise<{ client: TestClient; joined: Frame }> {
  const client = await connectClient(url);
  client.send({ cmd: 'join', roomId, uid });
  const joined = await client.next('joined');
  return { client, joined };
}
