/**
 * What ends a signaling connection for good, as opposed to a drop the client reconnects after:
 * the server's close codes (SPEC §5, docs/protocol.md "Close codes") and its join refusals.
 */
import { CLOSE_CODES, type ErrorMessage } from '../protocol/messages.ts';
import { clientCodeForServerError, ZeroRtcError } from './errors.ts';

/** Server refusals of a join that end the attempt (anything else is tried again). */
const FATAL_JOIN_ERRORS = new Set(['room-full', 'unauthorized', 'uid-taken', 'already-in-room']);

/**
 * The error that ends the call after the server closed the socket with `code`, or `undefined`
 * when the client should reconnect and resume (1006 drop, 1012 restart, 1001 going away...).
 */
export function closeError(code: number): ZeroRtcError | undefined {
  switch (code) {
    case CLOSE_CODES.replaced:
      return new ZeroRtcError('replaced', 'This call continued in another tab or device.');
    case CLOSE_CODES.policy:
      return new ZeroRtcError('unauthorized', 'The server refused this page.');
    case CLOSE_CODES.tooManyConnections:
      return new ZeroRtcError('server-error', 'Too many connections from this address.');
    default:
      return undefined;
  }
}

/** The error that ends the attempt after the server refused a join, or `undefined`. */
export function joinRefusal(message: ErrorMessage): ZeroRtcError | undefined {
  if (!FATAL_JOIN_ERRORS.has(message.code)) return undefined;
  return new ZeroRtcError(clientCodeForServerError(message.code), message.message, undefined, message.reason);
}
