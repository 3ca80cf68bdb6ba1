import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { candidateInfo, decodeCandidate, decodeDescription, encodeCandidate } from '../../src/cli/probe-wire.ts';
import { packetizeVp8 } from '../../src/cli/probe-media.ts';
import { turnAsStun } from '../../src/cli/probe-ice.ts';
import { parseTurnUrl } from '../../src/cli/turn-check.ts';

const LINE = 'candidate:1 1 udp 2130706431 127.0.0.1 50000 typ host';

describe('probe candidate messages', () => {
  it('sends the standard fields and the tutorial label/id in one object', () => {
    const msg = JSON.parse(encodeCandidate({ candidate: LINE, sdpMid: '0', sdpMLineIndex: 0 })) as Record<
      string,
      unknown
    >;
    assert.deepEqual(msg, { candidate: LINE, sdpMid: '0', sdpMLineIndex: 0, label: 0, id: '0' });
  });

  it('reads the tutorial shape {label, id, candidate}', () => {
    assert.deepEqual(decodeCandidate(JSON.stringify({ label: 1, id: 'audio', candidate: LINE })), {
      candidate: LINE,
      sdpMid: 'audio',
      sdpMLineIndex: 1,
      usernameFragment: undefined,
    });
  });

  it('reads RTCIceCandidateInit and refuses what is neither', () => {
    assert.equal(decodeCandidate(JSON.stringify({ candidate: LINE, sdpMid: '1', sdpMLineIndex: 1 }))?.sdpMid, '1');
    assert.equal(decodeCandidate('not json'), undefined);
    assert.equal(decodeCandidate(JSON.stringify({ sdp: 'x' })), undefined);
  });

  it('reads the candidate type and address of a candidate line', () => {
    assert.deepEqual(candidateInfo(LINE), { type: 'host', address: '127.0.0.1' });
    assert.equal(candidateInfo('candidate:2 1 udp 5 10.0.0.1 3478 typ relay raddr 0.0.0.0 rport 0').type, 'relay');
  });

  it('reads a stringified session description of the expected type only', () => {
    assert.deepEqual(decodeDescription(JSON.stringify({ type: 'offer', sdp: 'v=0' }), 'offer'), {
      type: 'offer',
      sdp: 'v=0',
    });
    assert.equal(decodeDescription(JSON.stringify({ type: 'answer', sdp: 'v=0' }), 'offer'), undefined);
  });
});

describe('probe media and TURN URLs', () => {
  it('splits a large VP8 frame into RTP payloads with the start bit on the first only', () => {
    const payloads = packetizeVp8(Buffer.alloc(2500, 7));
    assert.equal(payloads.length, 3);
    assert.deepEqual(
      payloads.map((p) => p[0]),
      [0x10, 0x00, 0x00],
    );
    assert.equal(
      payloads.reduce((n, p) => n + p.length - 1, 0),
      2500,
    );
  });

  it('parses turn: and turns: URLs with their transport and default ports', () => {
    assert.deepEqual(parseTurnUrl('turn:turn.example.com?transport=tcp'), {
      host: 'turn.example.com',
      port: 3478,
      transport: 'tcp',
    });
    assert.deepEqual(parseTurnUrl('turns:turn.example.com:443'), {
      host: 'turn.example.com',
      port: 443,
      transport: 'tls',
    });
    assert.deepEqual(parseTurnUrl('turn:127.0.0.1:3478'), { host: '127.0.0.1', port: 3478, transport: 'udp' });
    assert.equal(parseTurnUrl('stun:stun.example.com'), undefined);
  });
});

describe('turnAsStun', () => {
  it('points STUN at the first UDP TURN server, so werift never picks a public STUN server of its own', () => {
    assert.equal(
      turnAsStun(['turns:t.example:5349', 'turn:t.example:3478?transport=tcp', 'turn:t.example:3479']),
      'stun:t.example:3479',
    );
    assert.equal(turnAsStun(['turn:[::1]:3478?transport=udp']), 'stun:[::1]:3478');
    assert.equal(turnAsStun(['turns:t.example:5349']), undefined);
    assert.equal(turnAsStun([]), undefined);
  });
});
