import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeClientMessage, MAX_ID_LENGTH } from '../../src/protocol/index.ts';

const LIMIT = 64 * 1024;
const decode = (frame: unknown): ReturnType<typeof decodeClientMessage> =>
  decodeClientMessage(typeof frame === 'string' ? frame : JSON.stringify(frame), LIMIT);

function code(frame: unknown): string {
  const result = decode(frame);
  return result.ok ? 'ok' : result.code;
}

describe('decodeClientMessage', () => {
  it('reads the tutorial join, leave and relay messages', () => {
    assert.deepEqual(decode({ cmd: 'join', roomId: '100', uid: 'a' }), {
      ok: true,
      message: { cmd: 'join', roomId: '100', uid: 'a', resume: undefined },
      verbatim: true,
    });
    assert.deepEqual(decode({ cmd: 'leave', roomId: '100', uid: 'a' }), {
      ok: true,
      message: { cmd: 'leave', roomId: '100', uid: 'a' },
      verbatim: true,
    });
    for (const cmd of ['offer', 'answer', 'candidate']) {
      const result = decode({ cmd, roomId: 'r', uid: 'a', remoteUid: 'b', msg: '{"sdp":"v=0"}' });
      assert.equal(result.ok, true);
      assert.equal(result.ok && result.message.cmd, cmd);
    }
  });

  it('takes numbers as their decimal strings and marks the frame for re-serialising', () => {
    const result = decode({ cmd: 'offer', roomId: 100, uid: 7, remoteUid: 8, msg: 'x' });
    assert.equal(result.ok && result.verbatim, false);
    // What the server re-serialises: every field, `msg` included, ids as strings.
    assert.deepEqual(JSON.parse(JSON.stringify(result.ok && result.message)), {
      cmd: 'offer',
      roomId: '100',
      uid: '7',
      remoteUid: '8',
      msg: 'x',
    });
  });

  it('refuses what is not a JSON object with bad-json', () => {
    for (const frame of ['', 'not json', '[1,2]', '"join"', '42', 'null', 'true', '{"cmd":"join"']) {
      assert.equal(code(frame), 'bad-json', frame);
    }
    assert.equal(decodeClientMessage(new Uint8Array([123, 125]), LIMIT).ok, false);
    const binary = decodeClientMessage(new Uint8Array([123, 125]), LIMIT);
    assert.equal(!binary.ok && binary.code, 'bad-json');
  });

  it('refuses missing, wrong-typed and badly sized fields with bad-message', () => {
    const cases: unknown[] = [
      {},
      { cmd: 5 },
      { cmd: 'join', uid: 'a' },
      { cmd: 'join', roomId: 'r' },
      { cmd: 'join', roomId: '', uid: 'a' },
      { cmd: 'join', roomId: 'r'.repeat(MAX_ID_LENGTH + 1), uid: 'a' },
      { cmd: 'join', roomId: 'r', uid: 'a\u0000b' },
      { cmd: 'join', roomId: 'r', uid: 'a\nb' },
      { cmd: 'join', roomId: { x: 1 }, uid: 'a' },
      { cmd: 'join', roomId: ['r'], uid: 'a' },
      { cmd: 'join', roomId: true, uid: 'a' },
      { cmd: 'join', roomId: 'r', uid: 'a', resume: 5 },
      { cmd: 'join', roomId: 'r', uid: 'a', resume: 'x'.repeat(200) },
      { cmd: 'offer', roomId: 'r', uid: 'a', remoteUid: 'b' },
      { cmd: 'offer', roomId: 'r', uid: 'a', remoteUid: 'b', msg: { type: 'offer' } },
      { cmd: 'candidate', roomId: 'r', uid: 'a', msg: 'x' },
    ];
    for (const frame of cases) assert.equal(code(frame), 'bad-message', JSON.stringify(frame));
  });

  it('accepts ids of exactly 64 characters and non-ASCII names', () => {
    assert.equal(code({ cmd: 'join', roomId: 'r'.repeat(MAX_ID_LENGTH), uid: '张三' }), 'ok');
  });

  it('refuses an unknown cmd with unknown-cmd and says which', () => {
    const result = decode({ cmd: 'dance', roomId: 'r', uid: 'a' });
    assert.equal(!result.ok && result.code, 'unknown-cmd');
    assert.match(!result.ok ? result.detail : '', /dance/);
  });

  it('refuses a frame over the limit with too-large before parsing it', () => {
    const big = JSON.stringify({ cmd: 'offer', roomId: 'r', uid: 'a', remoteUid: 'b', msg: 'x'.repeat(LIMIT) });
    assert.equal(code(big), 'too-large');
    assert.equal(decodeClientMessage('{', 10, 11).ok, false);
    const bytes = decodeClientMessage('{}', 10, 11);
    assert.equal(!bytes.ok && bytes.code, 'too-large');
  });
});
