/**
 * The one decoder: a raw frame in, a typed message or a typed error out. Nothing else in
 * ZeroRTC parses client frames, and nothing casts `JSON.parse` output to a message type.
 */
import type { ErrorCode } from './errors.ts';
import { SCAN_NOT_JSON, SCAN_NOT_OBJECT, scanObject, VALUE_NUMBER, VALUE_STRING, type Slots } from './json-scan.ts';
import {
  CLIENT_CMDS,
  MAX_ID_LENGTH,
  MAX_RESUME_LENGTH,
  MAX_TOKEN_LENGTH,
  type ClientCmd,
  type ClientMessage,
  type RelayCmd,
  type RelayMessage,
} from './messages.ts';

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

function fail(code: ErrorCode, detail: string, cmd?: string): DecodeError {
  return cmd === undefined ? { ok: false, code, detail } : { ok: false, code, detail, cmd };
}

// ---- bytes to strings ------------------------------------------------------------------------

interface Utf8 {
  decode(bytes: Uint8Array): string;
}
interface Utf8Encoder {
  encode(text: string): Uint8Array;
}
// Both exist in every browser and in Node.js; the protocol module is built without DOM or Node types.
const platform = globalThis as unknown as {
  TextDecoder: new () => Utf8;
  TextEncoder: new () => Utf8Encoder;
};
const utf8Decoder = new platform.TextDecoder();
const utf8Encoder = new platform.TextEncoder();

/** Node.js Buffers copy Latin-1 (so ASCII) bytes into a string without a view or a decoder. */
interface Latin1Slicer {
  latin1Slice(start: number, end: number): string;
}

/** The text of bytes start..end. Short ASCII text (every id in practice) takes the quickest way. */
function utf8(b: Uint8Array, start: number, end: number): string {
  if (end - start <= 64) {
    let ascii = true;
    for (let i = start; i < end; i++) if (b[i]! >= 0x80) ascii = false;
    if (ascii) {
      if (typeof (b as Partial<Latin1Slicer>).latin1Slice === 'function') {
        return (b as unknown as Latin1Slicer).latin1Slice(start, end);
      }
      return String.fromCharCode.apply(null, b.subarray(start, end) as unknown as number[]);
    }
  }
  return utf8Decoder.decode(b.subarray(start, end));
}

/**
 * A relay message read from a frame's bytes. Its `msg` (a whole SDP, for an offer) becomes a
 * string only when asked for: the server forwards the frame itself and never does, unless an id
 * was a number and the frame must be re-serialised. A class, not an object literal with a getter:
 * V8 builds those slowly.
 */
class ScannedRelay implements RelayMessage {
  readonly cmd: RelayCmd;
  readonly roomId: string;
  readonly uid: string;
  readonly remoteUid: string;
  readonly #bytes: Uint8Array;
  readonly #start: number;
  readonly #end: number;
  readonly #escaped: boolean;

  constructor(
    cmd: RelayCmd,
    roomId: string,
    uid: string,
    remoteUid: string,
    bytes: Uint8Array,
    start: number,
    end: number,
    escaped: boolean,
  ) {
    this.cmd = cmd;
    this.roomId = roomId;
    this.uid = uid;
    this.remoteUid = remoteUid;
    this.#bytes = bytes;
    this.#start = start;
    this.#end = end;
    this.#escaped = escaped;
  }

  get msg(): string {
    return stringAt(this.#bytes, this.#start, this.#end, this.#escaped);
  }

  /** All five fields, `msg` included (a getter on the prototype is not serialised on its own). */
  toJSON(): RelayMessage {
    return { cmd: this.cmd, roomId: this.roomId, uid: this.uid, remoteUid: this.remoteUid, msg: this.msg };
  }
}

/** A scanned string's value: its escapes, already checked by the scan, undone by JSON.parse. */
function stringAt(b: Uint8Array, start: number, end: number, hasEscapes: boolean): string {
  const raw = utf8(b, start, end);
  return hasEscapes ? (JSON.parse(`"${raw}"`) as string) : raw;
}

// ---- the members the decoder reads -------------------------------------------------------------

const CMD = 0;
const ROOM_ID = 1;
const UID = 2;
const REMOTE_UID = 3;
const MSG = 4;
const RESUME = 5;
const TOKEN = 6;
const NAMES = ['cmd', 'roomId', 'uid', 'remoteUid', 'msg', 'resume', 'token'];
const NAME_BYTES = NAMES.map((name) => utf8Encoder.encode(name));
const CMDS: readonly ClientCmd[] = CLIENT_CMDS;
const CMD_BYTES = CMDS.map((cmd) => utf8Encoder.encode(cmd));

/** Reused by every decode: decoding is synchronous, so no two decodes share it at once. */
const slots: Slots = new Int32Array(NAMES.length * 4);

function sameBytes(b: Uint8Array, start: number, end: number, want: Uint8Array): boolean {
  if (end - start !== want.length) return false;
  for (let i = 0; i < want.length; i++) if (b[start + i] !== want[i]) return false;
  return true;
}

function slotOf(b: Uint8Array, start: number, end: number, hasEscapes: boolean): number {
  if (hasEscapes) return NAMES.indexOf(stringAt(b, start, end, true));
  const length = end - start;
  if (length !== 3 && length !== 5 && length !== 6 && length !== 9) return -1;
  for (let k = 0; k < NAME_BYTES.length; k++) if (sameBytes(b, start, end, NAME_BYTES[k]!)) return k;
  return -1;
}

export type IdResult = { readonly id: string; readonly verbatim: boolean } | string;

/** The checks every room name and uid passes, wherever it came from; a string is the problem. */
function checkId(id: string, verbatim: boolean, field: string): IdResult {
  if (id.length === 0 || id.length > MAX_ID_LENGTH) {
    return `"${field}" must be 1 to ${MAX_ID_LENGTH} characters long.`;
  }
  if (CONTROL_CHARS.test(id)) return `"${field}" must not contain control characters.`;
  return { id, verbatim };
}

/**
 * Reads a room name or uid given as a value (an HTTP body, a command-line option): a string of
 * 1..64 characters, or a number taken as its decimal string; a string is the problem.
 */
export function readId(value: unknown, field: string): IdResult {
  if (typeof value === 'string') return checkId(value, true, field);
  if (typeof value === 'number' && Number.isFinite(value)) return checkId(String(value), false, field);
  return value === undefined ? `"${field}" is missing.` : `"${field}" must be a string (or a number).`;
}

/** Why an id slot was refused: made only for a refused frame. */
class IdProblem {
  readonly detail: string;
  constructor(detail: string) {
    this.detail = detail;
  }
}

/**
 * True when bytes start..end are exactly `known` and it is ASCII (for other text, bytes and
 * UTF-16 code units do not compare one to one: false, and the slot is decoded).
 */
function isKnownText(b: Uint8Array, start: number, end: number, known: string): boolean {
  if (end - start !== known.length) return false;
  for (let i = 0; i < known.length; i++) {
    const c = known.charCodeAt(i);
    if (c >= 0x80 || b[start + i] !== c) return false;
  }
  return true;
}

/**
 * Reads a room name or uid from its slot of the scanned frame, as {@link readId} does. When the
 * slot holds exactly `known` (the sender's own room, uid or peer, already checked when it joined),
 * that string is the answer: a relayed frame makes no new strings for its ids.
 */
function readIdSlot(b: Uint8Array, slot: number, field: string, known: string | undefined): string | IdProblem {
  const kind = slots[slot * 4];
  const start = slots[slot * 4 + 1]!;
  const end = slots[slot * 4 + 2]!;
  if (kind === VALUE_STRING && known !== undefined && slots[slot * 4 + 3] === 0 && isKnownText(b, start, end, known)) {
    return known;
  }
  let read: IdResult | undefined;
  if (kind === VALUE_STRING) {
    read = checkId(stringAt(b, start, end, slots[slot * 4 + 3] === 1), true, field);
  } else if (kind === VALUE_NUMBER) {
    // The tutorial's clients may send numbers: the id is the number's canonical text.
    const number = Number(utf8(b, start, end));
    if (Number.isFinite(number)) read = checkId(String(number), false, field);
  }
  read ??= kind === 0 ? `"${field}" is missing.` : `"${field}" must be a string (or a number).`;
  return typeof read === 'string' ? new IdProblem(read) : read.id;
}

/** True when every id of the frame was a string, so the frame can be forwarded as it is. */
function idsVerbatim(withRemoteUid: boolean): boolean {
  return (
    slots[ROOM_ID * 4] === VALUE_STRING &&
    slots[UID * 4] === VALUE_STRING &&
    (!withRemoteUid || slots[REMOTE_UID * 4] === VALUE_STRING)
  );
}

/** An optional string member of at most `max` characters: undefined, the string, or the problem. */
function optionalString(
  b: Uint8Array,
  slot: number,
  field: string,
  max: number,
): { readonly value: string | undefined } | string {
  const kind = slots[slot * 4];
  if (kind === 0) return { value: undefined };
  const value =
    kind === VALUE_STRING
      ? stringAt(b, slots[slot * 4 + 1]!, slots[slot * 4 + 2]!, slots[slot * 4 + 3] === 1)
      : undefined;
  if (value === undefined || value.length > max) return `"${field}" must be a string of at most ${max} characters.`;
  return { value };
}

/**
 * Decodes one frame given as text (tests, tools). Bytes here mean a binary frame, which is
 * refused; the server hands text frames as bytes to decodeClientFrame.
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
  return decodeClientFrame(utf8Encoder.encode(data), false, Number.POSITIVE_INFINITY);
}

/**
 * The room and uid a seated connection is expected to send (its seat), whose strings the decoder
 * hands back instead of making new ones when a frame's bytes match them.
 */
export interface KnownIds {
  readonly roomId: string;
  readonly uid: string;
}

/**
 * Decodes one frame as it came off the WebSocket: its payload bytes (valid UTF-8 for a text
 * frame: the WebSocket layer checks it) and whether it was binary. Every byte is checked as
 * `JSON.parse` would check it, but only the short identity fields become strings, and not even
 * those when they are the `known` ones: the relayed `msg` is read from the bytes only if someone
 * asks for it.
 * @param known the sender's seat, if it has one
 * @param knownRemoteUid the sender's peer's uid, if it has a peer
 */
export function decodeClientFrame(
  payload: Uint8Array,
  isBinary: boolean,
  maxBytes: number,
  known?: KnownIds,
  knownRemoteUid?: string,
): DecodeResult {
  const b = payload;
  if (b.byteLength > maxBytes) {
    return fail('too-large', `The frame is ${b.byteLength} bytes; the limit is ${maxBytes}.`);
  }
  if (isBinary) return fail('bad-json', 'Binary frames are not accepted.');

  const scan = scanObject(b, slots, slotOf);
  if (scan === SCAN_NOT_JSON) return fail('bad-json', 'The frame is not valid JSON.');
  if (scan === SCAN_NOT_OBJECT) return fail('bad-json', 'The frame is JSON but not an object.');

  if (slots[CMD * 4] !== VALUE_STRING) return fail('bad-message', '"cmd" must be a string.');
  const cmdStart = slots[CMD * 4 + 1]!;
  const cmdEnd = slots[CMD * 4 + 2]!;
  let cmd: ClientCmd | undefined;
  if (slots[CMD * 4 + 3] === 0) {
    for (let k = 0; k < CMDS.length; k++) if (sameBytes(b, cmdStart, cmdEnd, CMD_BYTES[k]!)) cmd = CMDS[k];
  } else {
    const text = stringAt(b, cmdStart, cmdEnd, true);
    cmd = CMDS.find((known) => known === text);
  }
  if (cmd === undefined) {
    const text = stringAt(b, cmdStart, cmdEnd, slots[CMD * 4 + 3] === 1).slice(0, 32);
    return fail('unknown-cmd', `"${text}" is not a command.`, text);
  }
  if (cmd === 'ping') return { ok: true, message: { cmd }, verbatim: true };

  const roomId = readIdSlot(b, ROOM_ID, 'roomId', known?.roomId);
  if (typeof roomId !== 'string') return fail('bad-message', roomId.detail, cmd);
  const uid = readIdSlot(b, UID, 'uid', known?.uid);
  if (typeof uid !== 'string') return fail('bad-message', uid.detail, cmd);

  if (cmd === 'join') {
    const resume = optionalString(b, RESUME, 'resume', MAX_RESUME_LENGTH);
    if (typeof resume === 'string') return fail('bad-message', resume, cmd);
    const token = optionalString(b, TOKEN, 'token', MAX_TOKEN_LENGTH);
    if (typeof token === 'string') return fail('bad-message', token, cmd);
    return {
      ok: true,
      message: {
        cmd,
        roomId,
        uid,
        resume: resume.value,
        ...(token.value !== undefined && { token: token.value }),
      },
      verbatim: idsVerbatim(false),
    };
  }
  if (cmd === 'leave' || cmd === 'ice-servers') {
    return {
      ok: true,
      message: { cmd, roomId, uid },
      verbatim: idsVerbatim(false),
    };
  }

  const remoteUid = readIdSlot(b, REMOTE_UID, 'remoteUid', knownRemoteUid);
  if (typeof remoteUid !== 'string') return fail('bad-message', remoteUid.detail, cmd);
  const msgKind = slots[MSG * 4];
  if (msgKind !== VALUE_STRING) {
    return fail('bad-message', msgKind === 0 ? '"msg" is missing.' : '"msg" must be a string.', cmd);
  }
  return {
    ok: true,
    message: new ScannedRelay(
      cmd,
      roomId,
      uid,
      remoteUid,
      b,
      slots[MSG * 4 + 1]!,
      slots[MSG * 4 + 2]!,
      slots[MSG * 4 + 3] === 1,
    ),
    verbatim: idsVerbatim(true),
  };
}
