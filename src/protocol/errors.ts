/**
 * The catalogue of error codes the server sends in `{cmd: 'error', code, message}`.
 * Codes are stable: clients switch on them. Messages are sentences a person can act on.
 * Every code here is documented in docs/errors.md (a test keeps the two in step).
 */
export const ERRORS = {
  'bad-json': 'The message is not a JSON object. Send one JSON object per text frame.',
  'bad-message': 'A field is missing or has the wrong type or size. Check the fields this command needs.',
  'unknown-cmd': 'This command is not part of the protocol. See docs/protocol.md.',
  'too-large': 'The message is larger than this server accepts. Send a smaller message.',
  'rate-limited': 'Too many messages in a short time. Slow down and try again.',
  'room-full': 'This room already has two people in it. Choose another room.',
  'not-in-room':
    'This connection has not joined that room under that uid. Join the room first, then speak as the uid you joined with.',
  'peer-not-found': 'The other member of the room is not the remoteUid given.',
  'uid-taken':
    'Someone in this room already uses that uid. Choose another uid, or resume with the credential you were given.',
  'already-in-room': 'This connection is already in another room. Leave that room before joining another one.',
  unauthorized: 'You are not allowed to use this server from here.',
  unavailable: 'The room store cannot be reached right now. Try again in a few seconds.',
} as const;

export type ErrorCode = keyof typeof ERRORS;

export const ERROR_CODES = Object.keys(ERRORS) as readonly ErrorCode[];

/** Is `code` one of the server's error codes? */
export function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === 'string' && Object.hasOwn(ERRORS, code);
}
