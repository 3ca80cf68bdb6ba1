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

/** Creates the root logger. `destination` lets tests capture lines. */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  const options: pino.LoggerOptions = {
    level,
    base: { service: 'zerortc' },
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
  };
  return destination ? pino(options, destination) : pino(options);
}
