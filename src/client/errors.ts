import type { AuthReason } from '../protocol/messages.ts';

/**
 * Typed errors of the client library. Every error a person can meet has a stable `code`; the
 * call page maps codes to words (see src/web/i18n.ts and docs/client.md).
 */

/** Stable error codes raised by the client library. */
export const CLIENT_ERROR_CODES = [
  /** Camera and microphone were refused (by the person or by a policy). */
  'media-denied',
  /** No camera and no microphone were found. */
  'media-not-found',
  /** The camera or microphone is in use by another program, or failed to start. */
  'media-in-use',
  /** Screen sharing was refused or is not supported. */
  'screen-share-failed',
  /** The room already has two people. */
  'room-full',
  /** The signaling server cannot be reached. */
  'server-unreachable',
  /** The server answers but cannot take calls right now (a cluster node without its Redis). */
  'unavailable',
  /** TURN refused our credentials or gave no relay candidate. */
  'turn-failed',
  /** The media connection failed and ICE restarts did not bring it back. */
  'ice-failed',
  /** The server refused this page (origin, token). */
  'unauthorized',
  /** The uid is held in this room by another live connection. */
  'uid-taken',
  /** This seat was taken over by another tab or device (resumed elsewhere). */
  'replaced',
  /** This browser lacks WebRTC or media APIs. */
  'unsupported',
  /** The server refused a request for another reason (see `message`). */
  'server-error',
] as const;

/** One of {@link CLIENT_ERROR_CODES}. */
export type ClientErrorCode = (typeof CLIENT_ERROR_CODES)[number];

/** An error with a stable {@link ClientErrorCode}. */
export class ZeroRtcError extends Error {
  /** Stable code to switch on. */
  readonly code: ClientErrorCode;
  /**
   * With `unauthorized` from the server: which room-token check failed (`no-token`, `expired`,
   * `wrong-room`, `seat-taken`... see docs/access.md), so that a page can say it in words.
   */
  readonly reason: AuthReason | undefined;

  /**
   * @param code stable code
   * @param message an English sentence for logs; pages show their own words for `code`
   * @param cause the underlying error, if any
   * @param reason the server's `reason` of an `unauthorized` refusal
   */
  constructor(code: ClientErrorCode, message: string, cause?: unknown, reason?: AuthReason) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'ZeroRtcError';
    this.code = code;
    this.reason = reason;
  }
}

/** Maps a server error code (`{cmd:'error', code}`) to a client error code. */
export function clientCodeForServerError(code: string): ClientErrorCode {
  switch (code) {
    case 'room-full':
    case 'unauthorized':
    case 'uid-taken':
    case 'unavailable':
      return code;
    default:
      return 'server-error';
  }
}

/** Maps a getUserMedia/getDisplayMedia rejection to a typed error. */
export function mediaError(err: unknown, screen = false): ZeroRtcError {
  const name = err instanceof Error || isDomException(err) ? (err as { name: string }).name : '';
  if (screen) return new ZeroRtcError('screen-share-failed', `Screen sharing failed (${name || 'unknown'}).`, err);
  switch (name) {
    case 'NotAllowedError':
    case 'SecurityError':
      return new ZeroRtcError('media-denied', 'Camera and microphone access was refused.', err);
    case 'NotFoundError':
    case 'OverconstrainedError':
      return new ZeroRtcError('media-not-found', 'No camera or microphone was found.', err);
    case 'TypeError':
      return new ZeroRtcError('unsupported', 'This browser cannot capture media here (is the page on https?).', err);
    default:
      return new ZeroRtcError('media-in-use', `The camera or microphone could not start (${name || 'unknown'}).`, err);
  }
}

function isDomException(err: unknown): boolean {
  return typeof err === 'object' && err !== null && typeof (err as { name?: unknown }).name === 'string';
}
