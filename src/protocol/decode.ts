/**
 * The one decoder: a raw frame in, a typed message or a typed error out. Nothing else in
 * ZeroRTC parses client frames, and nothing casts `JSON.parse` output to a message type.
 */
import type { ErrorCode } from './errors.ts';
import { MAX_ID_LENGTH, MAX_RESUME_LENGTH, type ClientMessage, type RelayCmd } from './messages.ts';

export interface DecodeError {
  readonly ok: false;
  readonly code: ErrorCode;
  /** What exactly was wrong, for the error reply's message. */
  readonly detail: string;
  /** The frame's `cmd`, when it could be read. */
  readonly cmd?: string;
}

export interface Decoded {
  readonly ok: true;
  readonly message: ClientMessage;
  /**
   * True when the frame can be forwarded byte for byte: every identity field was already a
   * string. False when a number had to be turned into its decimal string.
   */
  readonly verbatim: boolean;
}

export type DecodeResult = Decoded | DecodeError;

// Control characters (C0, DEL, C1) are refused in ids: they hide in logs and in UIs.
// eslint-disable-next-line no-control-regex
const CONTROL_CHARS = /[\u0000-\u001f\u007f-\u009f]/;

function isRelayCmd(cmd: string): cmd is RelayCmd {
  return cmd === 'offer' || cmd === 'answer' || cmd === 'candidate';
}

function fail(code: ErrorCode, detail: string, cmd?: string): DecodeError {
  return cmd === undefined ? { ok: false, code, detail } : { ok: false, code, detail, cmd };
}

type IdResult = { readonly id: string; readonly verbatim: boolean } | string;

/** Reads a room name or uid: a string of 1..64 characters, or a number taken as its decimal string. */
function readId(value: unknown, field: string): IdResult {
  let id: string;
  let verbatim = true;
  if (typeof value === 'string') {
    id = value;
  } else if (typeof value === 'number' && Number.isFinite(value)) {
    id = String(value);
    verbatim = false;
  } else {
    return value === undefined ? `"${field}" is missing.` : `"${field}" must be a string (or a number).`;
  }
  if (id.length === 0 || id.length > MAX_ID_LENGTH) {
    return `"${field}" must be 1 to ${MAX_ID_LENGTH} characters long.`;
  }
  if (CONTROL_CHARS.test(id)) return `"${field}" must not contain control characters.`;
  return { id, verbatim };
}

/**
 * Decodes one frame.
 * @param data a text frame's payload as a string, or a binary frame's bytes (always refused)
 * @param maxBytes the largest payload accepted
 * @param byteLength the payload's size in bytes, when `data` is text decoded from it
 */
export function decodeClientMessage(
  data: string | Uint8Array,
  maxBytes: number,
  byteLength: number = typeof data === 'string' ? data.length : data.byteLength,
): DecodeResult {
  if (byteLength > maxBytes) {
    return fail('too-large', `The frame is ${byteLength} bytes; the limit is ${maxBytes}.`);
  }
  if (typeof data !== 'string') return fail('bad-json', 'Binary frames are not accepted.');

  let value: unknown;
  try {
    value = JSON.parse(data);
  } catch {
    return fail('bad-json', 'The frame is not valid JSON.');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return fail('bad-json', 'The frame is JSON but not an object.');
  }
  const frame = value as Record<string, unknown>;
  const cmd = frame['cmd'];
  if (typeof cmd !== 'string') return fail('bad-message', '"cmd" must be a string.');
  if (cmd === 'ping') return { ok: true, message: { cmd }, verbatim: true };
  if (cmd !== 'join' && cmd !== 'leave' && !isRelayCmd(cmd)) {
    return fail('unknown-cmd', `"${cmd.slice(0, 32)}" is not a command.`, cmd.slice(0, 32));
  }

  const roomId = readId(frame['roomId'], 'roomId');
  if (typeof roomId === 'string') return fail('bad-message', roomId, cmd);
  const uid = readId(frame['uid'], 'uid');
  if (typeof uid === 'string') return fail('bad-message', uid, cmd);

  if (cmd === 'join') {
    const resume = frame['resume'];
    if (resume !== undefined && (typeof resume !== 'string' || resume.length > MAX_RESUME_LENGTH)) {
      return fail('bad-message', `"resume" must be a string of at most ${MAX_RESUME_LENGTH} characters.`, cmd);
    }
    return {
      ok: true,
      message: { cmd, roomId: roomId.id, uid: uid.id, resume },
      verbatim: roomId.verbatim && uid.verbatim,
    };
  }
  if (cmd === 'leave') {
    return {
      ok: true,
      message: { cmd, roomId: roomId.id, uid: uid.id },
      verbatim: roomId.verbatim && uid.verbatim,
    };
  }

  const remoteUid = readId(frame['remoteUid'], 'remoteUid');
  if (typeof remoteUid === 'string') return fail('bad-message', remoteUid, cmd);
  const msg = frame['msg'];
  if (typeof msg !== 'string') {
    return fail('bad-message', msg === undefined ? '"msg" is missing.' : '"msg" must be a string.', cmd);
  }
  return {
    ok: true,
    message: {
      cmd,
      roomId: roomId.id,
      uid: uid.id,
      remoteUid: remoteUid.id,
      msg,
    },
    verbatim: roomId.verbatim && uid.verbatim && remoteUid.verbatim,
  };
}
