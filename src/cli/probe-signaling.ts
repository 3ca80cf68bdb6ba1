/**
 * The probe's side of the signaling WebSocket: connect, send, and take the server's messages in
 * order, either one at a time (`next`) while joining, or through a handler once the call runs.
 */
import { WebSocket } from 'ws';

/** A server message: a JSON object with a string `cmd`; other fields are read where used. */
export type ServerFrame = Readonly<Record<string, unknown>> & { readonly cmd: string };

export class SignalingError extends Error {}

function parseFrame(data: string): ServerFrame | undefined {
  try {
    const value: unknown = JSON.parse(data);
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
    const cmd = (value as Record<string, unknown>)['cmd'];
    return typeof cmd === 'string' ? (value as ServerFrame) : undefined;
  } catch {
    return undefined;
  }
}

/** A string field of a frame, or undefined. */
export function field(frame: ServerFrame, name: string): string | undefined {
  const value = frame[name];
  return typeof value === 'string' ? value : undefined;
}

export class Signaling {
  readonly #ws: WebSocket;
  readonly #queue: ServerFrame[] = [];
  #wake: (() => void) | undefined;
  #handler: ((frame: ServerFrame) => void) | undefined;
  #closed: { code: number; reason: string } | undefined;
  #onClose: ((code: number) => void) | undefined;

  private constructor(ws: WebSocket) {
    this.#ws = ws;
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      const frame = isBinary ? undefined : parseFrame(data.toString());
      if (!frame) return;
      if (this.#handler) this.#handler(frame);
      else {
        this.#queue.push(frame);
        this.#wake?.();
      }
    });
    ws.on('close', (code: number, reason: Buffer) => {
      this.#closed = { code, reason: reason.toString() };
      this.#wake?.();
      this.#onClose?.(code);
    });
  }

  /** Opens the WebSocket; rejects with a SignalingError in words when it cannot. */
  static connect(url: string, timeoutMs: number): Promise<Signaling> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, { handshakeTimeout: timeoutMs });
      let settled = false;
      ws.on('error', (err: Error) => {
        if (settled) return;
        settled = true;
        reject(new SignalingError(`cannot open the signaling WebSocket ${url}: ${err.message}`));
      });
      ws.once('unexpected-response', (_req, res) => {
        settled = true;
        ws.terminate();
        reject(new SignalingError(`the server refused the WebSocket ${url} with HTTP ${res.statusCode}`));
      });
      ws.once('open', () => {
        settled = true;
        resolve(new Signaling(ws));
      });
    });
  }

  send(frame: Record<string, unknown>): void {
    if (this.#ws.readyState === WebSocket.OPEN) this.#ws.send(JSON.stringify(frame));
  }

  /** The next frame whose cmd is one of `cmds` (others are dropped); rejects on close or timeout. */
  next(cmds: readonly string[], timeoutMs: number, what: string): Promise<ServerFrame> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#wake = undefined;
        reject(new SignalingError(`no ${what} within ${Math.round(timeoutMs / 1000)} s`));
      }, timeoutMs);
      const check = (): void => {
        for (let frame = this.#queue.shift(); frame; frame = this.#queue.shift()) {
          if (cmds.includes(frame.cmd)) {
            clearTimeout(timer);
            this.#wake = undefined;
            resolve(frame);
            return;
          }
        }
        if (this.#closed) {
          clearTimeout(timer);
          this.#wake = undefined;
          reject(
            new SignalingError(`the server closed the WebSocket (code ${this.#closed.code}) while waiting for ${what}`),
          );
        }
      };
      this.#wake = check;
      check();
    });
  }

  /** From now on every frame goes to `handler`, starting with any still queued. */
  handle(handler: (frame: ServerFrame) => void, onClose: (code: number) => void): void {
    this.#handler = handler;
    this.#onClose = onClose;
    for (let frame = this.#queue.shift(); frame; frame = this.#queue.shift()) handler(frame);
    if (this.#closed) onClose(this.#closed.code);
  }

  /** A clean close: the server treats it as leave. */
  close(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#ws.terminate();
        resolve();
      }, 1000);
      this.#ws.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
      this.#ws.close(1000);
    });
  }
}
