/**
 * ICE candidates on the wire. ZeroRTC sends the standard RTCIceCandidateInit JSON plus the
 * tutorial's `label`/`id` fields, and reads either shape, so that tutorial clients and ours
 * understand each other.
 */

/** A relayed `msg` is a stringified JSON object; anything else reads as `undefined`. */
function parseObject(msg: string): Record<string, unknown> | undefined {
  let value: unknown;
  try {
    value = JSON.parse(msg);
  } catch {
    return undefined;
  }
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
}

/** Reads a candidate `msg`; `undefined` when it holds no candidate. */
export function parseCandidate(msg: string): RTCIceCandidateInit | undefined {
  const c = parseObject(msg);
  if (!c) return undefined;
  if (typeof c['candidate'] !== 'string') return undefined;
  const sdpMid = typeof c['sdpMid'] === 'string' ? c['sdpMid'] : typeof c['id'] === 'string' ? c['id'] : undefined;
  const index =
    typeof c['sdpMLineIndex'] === 'number'
      ? c['sdpMLineIndex']
      : typeof c['label'] === 'number'
        ? c['label']
        : undefined;
  return {
    candidate: c['candidate'],
    ...(sdpMid !== undefined && { sdpMid }),
    ...(index !== undefined && { sdpMLineIndex: index }),
    ...(typeof c['usernameFragment'] === 'string' && { usernameFragment: c['usernameFragment'] }),
  };
}

/** Serializes a local candidate in both shapes. */
export function serializeCandidate(c: RTCIceCandidateInit): string {
  return JSON.stringify({
    candidate: c.candidate,
    sdpMid: c.sdpMid ?? null,
    sdpMLineIndex: c.sdpMLineIndex ?? null,
    usernameFragment: c.usernameFragment ?? null,
    // The tutorial's names for the same two fields.
    label: c.sdpMLineIndex ?? null,
    id: c.sdpMid ?? null,
  });
}

/** Reads an offer/answer `msg` (the tutorial sends the stringified RTCSessionDescription). */
export function parseDescription(msg: string): RTCSessionDescriptionInit | undefined {
  const d = parseObject(msg);
  if (!d) return undefined;
  if ((d['type'] !== 'offer' && d['type'] !== 'answer') || typeof d['sdp'] !== 'string') return undefined;
  return { type: d['type'], sdp: d['sdp'] };
}
