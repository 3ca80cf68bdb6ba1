/**
 * A validating scan of one JSON text held as UTF-8 bytes, for the decoder (decode.ts). It accepts
 * exactly the texts `JSON.parse` accepts (RFC 8259: the same whitespace, strings, escapes,
 * numbers, literals and nesting) and records where the values of an object's top-level members
 * are, so that the decoder builds strings only for the few short fields it reads. A relayed SDP
 * is checked byte by byte but never turned into a string: that string and the frame's text were
 * most of the garbage a relayed frame made.
 *
 * The input is valid UTF-8 (the WebSocket layer checks every text frame; strings are encoded by
 * the decoder), so bytes of 0x80 and above are ordinary string content here.
 */

/** What the scan found at the top level. */
export const SCAN_OK = 0;
export const SCAN_NOT_JSON = 1;
export const SCAN_NOT_OBJECT = 2;

/** What kind of value a recorded member holds. 0: the member was not there. */
export const VALUE_STRING = 1;
export const VALUE_NUMBER = 2;
export const VALUE_OTHER = 3;

/**
 * Where the value of each wanted member is, four numbers per member: kind, start, end, and 1 when
 * the string has escapes. A string's start and end exclude its quotes. Later duplicates win, as
 * in `JSON.parse`.
 */
export type Slots = Int32Array;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const LBRACE = 0x7b;
const RBRACE = 0x7d;
const LBRACKET = 0x5b;
const RBRACKET = 0x5d;
const MINUS = 0x2d;
const PLUS = 0x2b;
const DOT = 0x2e;
const ZERO = 0x30;
const NINE = 0x39;

/** 1 for the bytes that end the fast run inside a string: a quote, a backslash, a control character. */
const STRING_STOP = new Uint8Array(256);
for (let c = 0; c < 0x20; c++) STRING_STOP[c] = 1;
STRING_STOP[QUOTE] = 1;
STRING_STOP[BACKSLASH] = 1;

/** 1 for the characters that may follow a backslash, apart from `u`. */
const SIMPLE_ESCAPE = new Uint8Array(256);
for (const c of '"\\/bfnrt') SIMPLE_ESCAPE[c.charCodeAt(0)] = 1;

/** 1 for hexadecimal digits. */
const HEX = new Uint8Array(256);
for (const c of '0123456789abcdefABCDEF') HEX[c.charCodeAt(0)] = 1;

/** Set by scanString: whether the string just scanned had an escape. */
let escaped = false;

function isWhitespace(c: number | undefined): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

function skipWhitespace(b: Uint8Array, i: number): number {
  while (isWhitespace(b[i])) i++;
  return i;
}

/**
 * True when none of the four bytes of `w` is a quote, a backslash or a control character (the
 * classic SWAR tests for a zero byte and for a byte below 0x20; a false alarm only sends the scan
 * to the byte-by-byte loop, which decides).
 */
function plainWord(w: number): boolean {
  const quote = w ^ 0x22222222;
  const backslash = w ^ 0x5c5c5c5c;
  const alarms = ((w - 0x20202020) & ~w) | ((quote - 0x01010101) & ~quote) | ((backslash - 0x01010101) & ~backslash);
  return (alarms & 0x80808080) === 0;
}

/** From just after an opening quote: the index of the closing quote, or -1. */
function scanString(b: Uint8Array, i: number, n: number): number {
  escaped = false;
  for (;;) {
    // Four bytes at a time, read one by one: a DataView per frame to read words would be garbage.
    while (i + 4 <= n && plainWord(b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24))) i += 4;
    let k = 0;
    while (i < n && STRING_STOP[b[i]!] === 0 && k < 4) {
      i++;
      k++;
    }
    if (k === 4) continue; // a false alarm

    if (i >= n) return -1;
    const c = b[i]!;
    if (c === QUOTE) return i;
    if (c !== BACKSLASH) return -1; // a raw control character
    escaped = true;
    const e = b[i + 1];
    if (e === undefined) return -1;
    if (SIMPLE_ESCAPE[e] === 1) {
      i += 2;
    } else if (e === 0x75) {
      if (
        HEX[b[i + 2] ?? 0] !== 1 ||
        HEX[b[i + 3] ?? 0] !== 1 ||
        HEX[b[i + 4] ?? 0] !== 1 ||
        HEX[b[i + 5] ?? 0] !== 1
      ) {
        return -1;
      }
      i += 6;
    } else {
      return -1;
    }
  }
}

function isDigit(c: number | undefined): boolean {
  return c !== undefined && c >= ZERO && c <= NINE;
}

/** A number from its first byte: the index after it, or -1. */
function scanNumber(b: Uint8Array, i: number): number {
  if (b[i] === MINUS) i++;
  if (b[i] === ZERO) i++;
  else if (isDigit(b[i])) while (isDigit(b[i])) i++;
  else return -1;
  if (b[i] === DOT) {
    i++;
    if (!isDigit(b[i])) return -1;
    while (isDigit(b[i])) i++;
  }
  if (b[i] === 0x65 || b[i] === 0x45) {
    i++;
    if (b[i] === PLUS || b[i] === MINUS) i++;
    if (!isDigit(b[i])) return -1;
    while (isDigit(b[i])) i++;
  }
  return i;
}

function scanLiteral(b: Uint8Array, i: number, word: string): number {
  for (let k = 0; k < word.length; k++) if (b[i + k] !== word.charCodeAt(k)) return -1;
  return i + word.length;
}

/** From a `"` that opens a member name: past the name, the colon and the whitespace, or -1. */
function scanMemberName(b: Uint8Array, i: number, n: number): number {
  if (b[i] !== QUOTE) return -1;
  const end = scanString(b, i + 1, n);
  if (end < 0) return -1;
  i = skipWhitespace(b, end + 1);
  if (b[i] !== COLON) return -1;
  return skipWhitespace(b, i + 1);
}

/**
 * Any JSON value starting at `i` (no whitespace before it): the index after it, or -1. Nesting
 * is followed with an explicit stack, so depth costs memory, never the call stack.
 */
function scanValue(b: Uint8Array, i: number, n: number): number {
  // 1 for an object, 0 for an array; made only when a container has members.
  let stack: number[] | undefined;
  for (;;) {
    const c = b[i];
    if (c === QUOTE) {
      i = scanString(b, i + 1, n);
      if (i < 0) return -1;
      i++;
    } else if (c === LBRACE) {
      i = skipWhitespace(b, i + 1);
      if (b[i] === RBRACE) {
        i++;
      } else {
        (stack ??= []).push(1);
        i = scanMemberName(b, i, n);
        if (i < 0) return -1;
        continue;
      }
    } else if (c === LBRACKET) {
      i = skipWhitespace(b, i + 1);
      if (b[i] === RBRACKET) {
        i++;
      } else {
        (stack ??= []).push(0);
        continue;
      }
    } else if (c === MINUS || isDigit(c)) {
      i = scanNumber(b, i);
    } else if (c === 0x74) {
      i = scanLiteral(b, i, 'true');
    } else if (c === 0x66) {
      i = scanLiteral(b, i, 'false');
    } else if (c === 0x6e) {
      i = scanLiteral(b, i, 'null');
    } else {
      return -1;
    }
    if (i < 0) return -1;
    // After a value: close what ends here, or move to the next member or element.
    for (;;) {
      if (stack === undefined || stack.length === 0) return i;
      i = skipWhitespace(b, i);
      const inObject = stack[stack.length - 1] === 1;
      const d = b[i];
      if (d === COMMA) {
        i = skipWhitespace(b, i + 1);
        if (inObject) {
          i = scanMemberName(b, i, n);
          if (i < 0) return -1;
        }
        break;
      }
      if (d !== (inObject ? RBRACE : RBRACKET)) return -1;
      stack.pop();
      i++;
    }
  }
}

/**
 * Scans a whole JSON text that should be an object. `slotOf(b, start, end, escaped)` names the
 * slot of a member (by its name's bytes, quotes excluded) or returns -1 for members nobody reads.
 * Returns SCAN_OK, SCAN_NOT_JSON, or SCAN_NOT_OBJECT (valid JSON of another type).
 */
export function scanObject(
  b: Uint8Array,
  slots: Slots,
  slotOf: (b: Uint8Array, start: number, end: number, escaped: boolean) => number,
): number {
  slots.fill(0);
  const n = b.length;
  let i = skipWhitespace(b, 0);
  if (b[i] !== LBRACE) {
    if (i >= n) return SCAN_NOT_JSON;
    const end = scanValue(b, i, n);
    return end >= 0 && skipWhitespace(b, end) === n ? SCAN_NOT_OBJECT : SCAN_NOT_JSON;
  }
  i = skipWhitespace(b, i + 1);
  if (b[i] !== RBRACE) {
    for (;;) {
      if (b[i] !== QUOTE) return SCAN_NOT_JSON;
      const nameEnd = scanString(b, i + 1, n);
      if (nameEnd < 0) return SCAN_NOT_JSON;
      const slot = slotOf(b, i + 1, nameEnd, escaped);
      i = skipWhitespace(b, nameEnd + 1);
      if (b[i] !== COLON) return SCAN_NOT_JSON;
      i = skipWhitespace(b, i + 1);
      const c = b[i];
      let end: number;
      if (c === QUOTE) {
        end = scanString(b, i + 1, n);
        if (end < 0) return SCAN_NOT_JSON;
        if (slot >= 0) {
          slots[slot * 4] = VALUE_STRING;
          slots[slot * 4 + 1] = i + 1;
          slots[slot * 4 + 2] = end;
          slots[slot * 4 + 3] = escaped ? 1 : 0;
        }
        end++;
      } else {
        end = scanValue(b, i, n);
        if (end < 0) return SCAN_NOT_JSON;
        if (slot >= 0) {
          slots[slot * 4] = c === MINUS || isDigit(c) ? VALUE_NUMBER : VALUE_OTHER;
          slots[slot * 4 + 1] = i;
          slots[slot * 4 + 2] = end;
          slots[slot * 4 + 3] = 0;
        }
      }
      i = skipWhitespace(b, end);
      if (b[i] === COMMA) {
        i = skipWhitespace(b, i + 1);
        continue;
      }
      if (b[i] === RBRACE) break;
      return SCAN_NOT_JSON;
    }
  }
  return skipWhitespace(b, i + 1) === n ? SCAN_OK : SCAN_NOT_JSON;
}
