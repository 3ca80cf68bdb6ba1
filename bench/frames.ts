/**
 * Realistic signaling payloads for the benchmark, and WebSocket client frames built from them.
 *
 * An offer or answer is what the tutorial's client sends: `msg` holds `JSON.stringify(description)`,
 * so the SDP is escaped twice on the wire, as in a real call. The SDP is shaped like a Chrome offer
 * (audio + video, many codecs, extmaps, SSRCs) and padded with SSRC lines to a chosen size.
 *
 * `msg` starts with a fixed-width timestamp slot (TS_DIGITS decimal digits, microseconds of
 * performance.now() in the load generator) that the latency scenario fills in before sending.
 */

export const TS_DIGITS = 16;
const TS_PLACEHOLDER = '0'.repeat(TS_DIGITS);

export type RelayKind = 'offer' | 'answer' | 'candidate';

/** Target sizes of the whole frame payload, in bytes. */
export const FRAME_BYTES: Readonly<Record<RelayKind, number>> = { offer: 6500, answer: 5500, candidate: 0 };

const VIDEO_CODECS = ['VP8/90000', 'VP9/90000', 'H264/90000', 'H264/90000', 'H264/90000', 'AV1/90000', 'H265/90000'];

function sdp(kind: 'offer' | 'answer', targetChars: number): string {
  const lines = [
    'v=0',
    'o=- 4611731400430051336 2 IN IP4 127.0.0.1',
    's=-',
    't=0 0',
    'a=group:BUNDLE 0 1',
    'a=extmap-allow-mixed',
    'a=msid-semantic: WMS 9c4d1a2e-5f7b-4c3a-8e2d-1b6f0a9c7d3e',
    'm=audio 9 UDP/TLS/RTP/SAVPF 111 63 9 0 8 13 110 126',
    'c=IN IP4 0.0.0.0',
    'a=rtcp:9 IN IP4 0.0.0.0',
    'a=ice-ufrag:sXc0',
    'a=ice-pwd:9Ue3rFq1bGk2Zt7Lm0Pw4Nx8',
    'a=ice-options:trickle',
    'a=fingerprint:sha-256 7B:8B:F0:65:5F:78:E2:51:3B:AC:6F:F3:3F:46:1B:35:DC:B8:5F:64:1A:24:C2:43:F0:A1:58:D0:A1:2C:19:08',
    `a=setup:${kind === 'offer' ? 'actpass' : 'active'}`,
    'a=mid:0',
    'a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level',
    'a=extmap:2 http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time',
    'a=extmap:3 http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01',
    'a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid',
    'a=sendrecv',
    'a=msid:9c4d1a2e-5f7b-4c3a-8e2d-1b6f0a9c7d3e 3f1e2d4c-6b5a-4978-8c1d-2e3f4a5b6c7d',
    'a=rtcp-mux',
    'a=rtpmap:111 opus/48000/2',
    'a=rtcp-fb:111 transport-cc',
    'a=fmtp:111 minptime=10;useinbandfec=1',
    'a=rtpmap:63 red/48000/2',
    'a=fmtp:63 111/111',
    'a=rtpmap:9 G722/8000',
    'a=rtpmap:0 PCMU/8000',
    'a=rtpmap:8 PCMA/8000',
    'a=rtpmap:13 CN/8000',
    'a=rtpmap:110 telephone-event/48000',
    'a=rtpmap:126 telephone-event/8000',
    'a=ssrc:1001187654 cname:Vx3kQ9sLm2Pa7Rt1',
    'm=video 9 UDP/TLS/RTP/SAVPF 96 97 98 99 100 101 102 103 104 105 106 107 108 109',
    'c=IN IP4 0.0.0.0',
    'a=rtcp:9 IN IP4 0.0.0.0',
    'a=ice-ufrag:sXc0',
    'a=ice-pwd:9Ue3rFq1bGk2Zt7Lm0Pw4Nx8',
    'a=ice-options:trickle',
    'a=mid:1',
    'a=extmap:14 urn:ietf:params:rtp-hdrext:toffset',
    'a=extmap:13 urn:3gpp:video-orientation',
    'a=extmap:5 http://www.webrtc.org/experiments/rtp-hdrext/playout-delay',
    'a=extmap:6 http://www.webrtc.org/experiments/rtp-hdrext/video-content-type',
    'a=extmap:7 http://www.webrtc.org/experiments/rtp-hdrext/video-timing',
    'a=extmap:8 http://www.webrtc.org/experiments/rtp-hdrext/color-space',
    'a=extmap:10 urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id',
    'a=extmap:11 urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id',
    'a=sendrecv',
    'a=rtcp-mux',
    'a=rtcp-rsize',
  ];
  let pt = 96;
  for (const codec of VIDEO_CODECS) {
    const main = pt++;
    const rtx = pt++;
    lines.push(`a=rtpmap:${main} ${codec}`);
    for (const fb of ['goog-remb', 'transport-cc', 'ccm fir', 'nack', 'nack pli'])
      lines.push(`a=rtcp-fb:${main} ${fb}`);
    if (codec.startsWith('H264')) {
      lines.push(`a=fmtp:${main} level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f`);
    }
    lines.push(`a=rtpmap:${rtx} rtx/90000`, `a=fmtp:${rtx} apt=${main}`);
  }
  let ssrc = 2_000_000_000;
  while (lines.join('\r\n').length < targetChars) {
    lines.push(`a=ssrc:${ssrc} cname:Vx3kQ9sLm2Pa7Rt1`, `a=ssrc:${ssrc} msid:- 5e6f7a8b-9c0d-4e1f-a2b3-c4d5e6f7a8b9`);
    ssrc += 7919;
  }
  return `${lines.join('\r\n')}\r\n`;
}

const CANDIDATE = JSON.stringify({
  candidate:
    'candidate:842163049 1 udp 1677729535 203.0.113.7 46154 typ srflx raddr 192.168.1.20 rport 46154 generation 0 ufrag sXc0 network-cost 999',
  sdpMid: '0',
  sdpMLineIndex: 0,
  usernameFragment: 'sXc0',
});

/** The `msg` string of a relay message, timestamp slot first. */
function relayMsg(kind: RelayKind, frameBytes: number): string {
  if (kind === 'candidate') return TS_PLACEHOLDER + CANDIDATE;
  // The SDP grows by about a quarter once escaped twice; aim under the target, then trim by SSRC lines.
  let target = Math.floor(frameBytes * 0.78);
  for (;;) {
    const msg = TS_PLACEHOLDER + JSON.stringify({ type: kind, sdp: sdp(kind, target) });
    if (JSON.stringify(msg).length + 80 <= frameBytes || target < 1000) return msg;
    target -= 100;
  }
}

const msgCache = new Map<RelayKind, string>();

/** The payload (JSON text) of an offer, answer or candidate from `uid` to `remoteUid` in `roomId`. */
export function relayPayload(kind: RelayKind, roomId: string, uid: string, remoteUid: string): Buffer {
  let msg = msgCache.get(kind);
  if (msg === undefined) {
    msg = relayMsg(kind, FRAME_BYTES[kind]);
    msgCache.set(kind, msg);
  }
  return Buffer.from(JSON.stringify({ cmd: kind, roomId, uid, remoteUid, msg }));
}

/** Where the timestamp slot starts in a relay payload. */
export function timestampOffset(payload: Uint8Array): number {
  return Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength).indexOf('"msg":"') + 7;
}

/** A masked client frame (FIN set) carrying `payload`, as RFC 6455 §5.3 requires of clients. */
export function maskedFrame(opcode: number, payload: Uint8Array, mask: Uint8Array): Buffer {
  const length = payload.length;
  const extra = length < 126 ? 0 : length < 65536 ? 2 : 8;
  const frame = Buffer.allocUnsafe(2 + extra + 4 + length);
  frame[0] = 0x80 | opcode;
  let offset = 2;
  if (extra === 0) {
    frame[1] = 0x80 | length;
  } else if (extra === 2) {
    frame[1] = 0x80 | 126;
    frame.writeUInt16BE(length, 2);
    offset = 4;
  } else {
    frame[1] = 0x80 | 127;
    frame.writeUInt32BE(0, 2);
    frame.writeUInt32BE(length, 6);
    offset = 10;
  }
  frame.set(mask, offset);
  offset += 4;
  for (let i = 0; i < length; i++) frame[offset + i] = payload[i]! ^ mask[i & 3]!;
  return frame;
}

/**
 * A copy of a masked frame with `micros` written into its timestamp slot (the mask applied to
 * those digits only, so the rest of the frame is not masked again).
 */
export function stampedFrame(
  template: Buffer,
  payloadStart: number,
  tsOffset: number,
  mask: Uint8Array,
  micros: number,
): Buffer {
  const frame = Buffer.from(template);
  const digits = Math.round(micros).toString().padStart(TS_DIGITS, '0');
  for (let i = 0; i < TS_DIGITS; i++) {
    const at = tsOffset + i;
    frame[payloadStart + at] = digits.charCodeAt(i) ^ mask[at & 3]!;
  }
  return frame;
}

/** Reads the timestamp slot of a received (unmasked) payload prefix; NaN when there is none. */
export function readTimestamp(prefix: Buffer, length: number): number {
  const at = prefix.subarray(0, length).indexOf('"msg":"');
  if (at < 0 || at + 7 + TS_DIGITS > length) return Number.NaN;
  let value = 0;
  for (let i = at + 7; i < at + 7 + TS_DIGITS; i++) value = value * 10 + (prefix[i]! - 48);
  return value;
}
