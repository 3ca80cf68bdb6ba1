/**
 * The server's structured logger: constant messages with fields, errors under `err`,
 * secrets redacted wherever they might be passed by mistake. SDP is never given to it.
 */
import { pino, type Logger } from 'pino';

export type { Logger };

export const REDACT_PATHS = [
  'resume',
  '*.resume',
  'msg.msg',
  'secret',
  'turnSecret',
  '*.turnSecret',
  'credential',
  '*.credential',
  'token',
  '*.token',
  'req.headers.authorization',
  'req.headers.cookie',
];

/**
 * The command's log output: stdout, written asynchronously as pino's default is, and a way to
 * exit only once what it holds is written.
 */
export class StdoutLog {
  /**
   * Give it to {@link createLogger}. Typed through pino: sonic-boom, its type, is pino's
   * dependency, not ours, so the declaration files must not name it.
   */
  readonly stream: ReturnType<typeof pino.destination> = pino.destination({ dest: 1, sync: false });
  #gone = false;

  constructor() {
    // The reader went away (a closed pipe): pino stops writing to it; end() must not wait for it.
    this.stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE') this.#gone = true;
    });
  }

  /**
   * Writes what is held, then calls `done` (also when the reader turns out to be gone). Call it
   * before process.exit(): exiting with a line still being written leaves pino to write it
   * synchronously in the 'exit' handler, and sonic-boom's flushSync retries a closed pipe's
   * EPIPE forever, so the process would never exit.
   */
  end(done: () => void): void {
    if (this.#gone) {
      done();
      return;
    }
    let called = false;
    const once = (): void => {
      if (called) return;
      called = true;
      done();
    };
    this.stream.once('close', once);
    this.stream.once('error', once);
    this.stream.end();
  }
}

/** Creates the root logger. `destination` lets tests capture lines. */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  const options: pino.LoggerOptions = {
    level,
    base: { service: 'zerortc' },
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
  };
  return destination ? pino(options, destination) : pino(options);
}
