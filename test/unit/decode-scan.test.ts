/**
 * The decoder reads frames from their bytes with its own JSON scan (src/protocol/json-scan.ts).
 * It must accept exactly what JSON.parse accepts and read the same fields: here it is checked
 * against JSON.parse on hand-picked edge cases and on thousands of mutated frames.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeClientFrame, type DecodeResult } from '../../src/protocol/index.ts';

const LIMIT = 1 << 20;

/** The ids a seated sender is expected to use, as the server passes them. */
const KNOWN = { roomId: 'room-1', uid: 'a' };

function decode(text: string, known = false): DecodeResult {
  return known
    ? decodeClientFrame(Buffer.from(text, 'utf8'), false, LIMIT, KNOWN, 'b')
    : decodeClientFrame(Buffer.from(text, 'utf8'), false, LIMIT);
}

function parses(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/** What JSON.parse makes of the frame, in the decoder's terms (bad-json or not). */
function checkAgainstJsonParse(text: string, known = false): void {
  const result = decode(text, known);
  const valid = parses(text);
  const badJson = !result.ok && result.code === 'bad-json';
  assert.equal(badJson, !valid || !isObject(text), `bad-json mismatch for ${JSON.stringify(text)}`);
  if (valid && result.ok) {
    const value = JSON.parse(text) as Record<string, unknown>;
    assert.equal(result.message.cmd, value['cmd'], text);
    const message = result.message;
    if (typeof value['roomId'] === 'string' && 'roomId' in message) assert.equal(message.roomId, value['roomId'], text);
    if (typeof value['uid'] === 'string' && 'uid' in message) assert.equal(message.uid, value['uid'], text);
    if (typeof value['remoteUid'] === 'string' && 'remoteUid' in message) {
      assert.equal(message.remoteUid, value['remoteUid'], text);
    }
    if ('msg' in result.message) assert.equal(result.message.msg, value['msg'], text);
  }
}

function isObject(text: string): boolean {
  const value: unknown = JSON.parse(text);
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A small deterministic PRNG (mulberry32), so that a failure can be replayed. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SDP = JSON.stringify({ type: 'offer', sdp: 'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\na=x:"q" \\ é 😀\r\n' });

describe('the decoder reads frames as JSON.parse does', () => {
  it('agrees on edge cases of the JSON grammar', () => {
    const cases = [
      '{}',
      ' \t\r\n{ } \n',
      '{"cmd":"join","roomId":"r","uid":"a"}',
      '{"cmd":"join","roomId":"r","uid":"a",}',
      '{"cmd":"join" "roomId":"r"}',
      '{"cmd":"join","roomId":"r","uid":"a"} x',
      '{"cmd":"join","roomId":"r","uid":"a"}{}',
      '\ufeff{"cmd":"join"}',
      '{"cmd":"jo\\u0069n","roomId":"r","uid":"a"}',
      '{"\\u0063md":"join","roomId":"r","uid":"a"}',
      '{"cmd":"join","roomId":"r\\"q","uid":"a"}',
      '{"cmd":"join","roomId":"r\\x","uid":"a"}',
      '{"cmd":"join","roomId":"r\\u00g0","uid":"a"}',
      '{"cmd":"join","roomId":"r\u0001","uid":"a"}',
      '{"cmd":"join","roomId":"r","uid":"a","x":[1,2,{"y":[true,false,null,-0.5e+3]}]}',
      '{"cmd":"join","roomId":"r","uid":"a","x":[1,2,]}',
      '{"cmd":"join","roomId":"r","uid":"a","x":01}',
      '{"cmd":"join","roomId":"r","uid":"a","x":1.}',
      '{"cmd":"join","roomId":"r","uid":"a","x":.5}',
      '{"cmd":"join","roomId":"r","uid":"a","x":-}',
      '{"cmd":"join","roomId":"r","uid":"a","x":1e}',
      '{"cmd":"join","roomId":"r","uid":"a","x":tru}',
      '{"cmd":"join","roomId":"r","uid":"a","x":NaN}',
      '{"cmd":"join","roomId":"r","uid":"a","x":{"a":{}}}',
      '{"cmd":"join","roomId":"r","uid":"a","x":{"a" {}}}',
      '{"cmd":"join","roomId":1e400,"uid":"a"}',
      '{"cmd":"join","roomId":"first","roomId":"second","uid":"a"}',
      `{"cmd":"offer","roomId":"r","uid":"a","remoteUid":"b","msg":${JSON.stringify(SDP)}}`,
      `{"cmd":"offer","roomId":"r","uid":"a","remoteUid":"b","msg":${JSON.stringify(SDP).slice(0, -1)}}`,
      '[1,2]',
      '"join"',
      '42',
      'null',
      '',
      '   ',
      '{',
      '{"cmd":',
      '{"cmd":"join',
      `${'['.repeat(10_000)}${']'.repeat(10_000)}`,
      `{"cmd":"join","roomId":"r","uid":"a","deep":${'['.repeat(10_000)}${']'.repeat(9_999)}}`,
    ];
    for (const text of cases) checkAgainstJsonParse(text);
  });

  it('keeps the last of duplicate members and reads escaped names, as JSON.parse does', () => {
    const result = decode('{"cmd":"join","roomId":"first","\\u0072oomId":"second","uid":"a"}');
    assert.equal(result.ok && 'roomId' in result.message && result.message.roomId, 'second');
    const relay = decode(`{"cmd":"offer","roomId":"r","uid":"a","remoteUid":"b","msg":${JSON.stringify(SDP)}}`);
    assert.equal(relay.ok && 'msg' in relay.message && relay.message.msg, SDP);
  });

  it('agrees on 20,000 frames with random bytes changed, cut or inserted', () => {
    const seeds = [
      `{"cmd":"offer","roomId":"room-1","uid":"a","remoteUid":"b","msg":${JSON.stringify(SDP)}}`,
      '{"cmd":"candidate","roomId":7,"uid":"张三","remoteUid":"b","msg":"{\\"candidate\\":\\"candidate:1 1 udp 1 203.0.113.7 4 typ host\\",\\"sdpMid\\":\\"0\\"}"}',
      '{"cmd":"join","roomId":"r","uid":"a","resume":"abc","extra":{"n":[1,-2.5e3,true,null,"s"]}}',
    ];
    const alphabet = '{}[]",:\\/ \t\n\r0123456789-+.eEtrufalsn\u0000\u001f\u007fé😀abuU';
    const next = random(13);
    for (let k = 0; k < 20_000; k++) {
      let text = seeds[k % seeds.length]!;
      const edits = 1 + Math.floor(next() * 3);
      for (let e = 0; e < edits; e++) {
        const at = Math.floor(next() * (text.length + 1));
        const char = alphabet[Math.floor(next() * alphabet.length)]!;
        const op = next();
        if (op < 0.4) text = text.slice(0, at) + char + text.slice(at + 1);
        else if (op < 0.7) text = text.slice(0, at) + char + text.slice(at);
        else if (op < 0.9) text = text.slice(0, at) + text.slice(at + 1);
        else text = text.slice(0, at);
      }
      // A cut can split a surrogate pair; a WebSocket text frame is valid UTF-8, so compare what
      // would go over the wire.
      // Every other frame as from a seated sender: the ids it is known by are taken from the seat
      // only when the bytes are exactly those ids.
      checkAgainstJsonParse(Buffer.from(text, 'utf8').toString('utf8'), k % 2 === 1);
    }
  });

  it("takes a seated sender's ids from its seat only when the bytes are those ids", () => {
    const frame = (uid: string): string =>
      `{"cmd":"candidate","roomId":"room-1","uid":${JSON.stringify(uid)},"remoteUid":"b","msg":"{}"}`;
    const seated = (text: string, known: { roomId: string; uid: string }): DecodeResult =>
      decodeClientFrame(Buffer.from(text, 'utf8'), false, LIMIT, known, 'b');
    const uidOf = (result: DecodeResult): string | undefined =>
      result.ok && 'uid' in result.message ? result.message.uid : undefined;
    // The UTF-8 bytes of "é" are C3 A9, the code units of "Ã©": a byte-to-code-unit match is not a match.
    assert.equal(uidOf(seated(frame('é'), { roomId: 'room-1', uid: 'Ã©' })), 'é');
    assert.equal(uidOf(seated(frame('Ã©'), { roomId: 'room-1', uid: 'é' })), 'Ã©');
    // An escaped spelling of the same id reads as the id, and the frame still goes on verbatim.
    const escaped = seated('{"cmd":"candidate","roomId":"room-1","uid":"\\u0061","remoteUid":"b","msg":"{}"}', KNOWN);
    assert.equal(uidOf(escaped), 'a');
    assert.equal(escaped.ok && escaped.verbatim, true);
    // Another id is still checked as any id is: control characters are refused.
    const control = seated(frame('a\u0001'), KNOWN);
    assert.equal(!control.ok && control.code, 'bad-message');
    // A number id is turned into its string and the frame is re-serialised, seat or not.
    const numeric = seated('{"cmd":"candidate","roomId":"room-1","uid":"a","remoteUid":7,"msg":"{}"}', KNOWN);
    assert.equal(numeric.ok && numeric.verbatim, false);
  });
});
