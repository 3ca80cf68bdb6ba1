/**
 * What travels in the `msg` string of offer, answer and candidate messages. ZeroRTC's clients
 * send the standard RTCIceCandidateInit JSON; the tutorial's client sends
 * `{label: sdpMLineIndex, id: sdpMid, candidate}`. The probe sends both sets of fields in one
 * object and reads either.
 */

export interface CandidateInit {
  readonly candidate: string;
  readonly sdpMid?: string | undefined;
  readonly sdpMLineIndex?: number | undefined;
  readonly usernameFragment?: string | undefined;
}

export interface SessionDescriptionInit {
  readonly type: 'offer' | 'answer';
  readonly sdp: string;
}

export type CandidateType = 'host' | 'srflx' | 'prflx' | 'relay';

function parseObject(msg: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(msg);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** The `msg` of a candidate message: standard fields plus the tutorial's label and id. */
export function encodeCandidate(candidate: CandidateInit): string {
  return JSON.stringify({
    candidate: candidate.candidate,
    sdpMid: candidate.sdpMid ?? null,
    sdpMLineIndex: candidate.sdpMLineIndex ?? null,
    ...(candidate.usernameFragment ? { usernameFragment: candidate.usernameFragment } : {}),
    label: candidate.sdpMLineIndex ?? null,
    id: candidate.sdpMid ?? null,
  });
}

/** Reads either candidate shape; undefined when `msg` is neither. An empty candidate ends the list. */
export function decodeCandidate(msg: string): CandidateInit | undefined {
  const value = parseObject(msg);
  if (!value || typeof value['candidate'] !== 'string') return undefined;
  const mid = value['sdpMid'] ?? value['id'];
  const index = value['sdpMLineIndex'] ?? value['label'];
  const ufrag = value['usernameFragment'];
  return {
    candidate: value['candidate'],
    sdpMid: typeof mid === 'string' ? mid : typeof mid === 'number' ? String(mid) : undefined,
    sdpMLineIndex: typeof index === 'number' ? index : undefined,
    usernameFragment: typeof ufrag === 'string' ? ufrag : undefined,
  };
}

export function encodeDescription(description: SessionDescriptionInit): string {
  return JSON.stringify({ type: description.type, sdp: description.sdp });
}

export function decodeDescription(msg: string, type: 'offer' | 'answer'): SessionDescriptionInit | undefined {
  const value = parseObject(msg);
  if (!value || typeof value['sdp'] !== 'string') return undefined;
  if (value['type'] !== undefined && value['type'] !== type) return undefined;
  return { type, sdp: value['sdp'] };
}

/** The `typ` and address of an SDP candidate line (`candidate:… typ host …`). */
export function candidateInfo(line: string): { type: CandidateType | undefined; address: string | undefined } {
  const parts = line.replace(/^a=/, '').split(/\s+/);
  const typIndex = parts.indexOf('typ');
  const type = typIndex >= 0 ? parts[typIndex + 1] : undefined;
  const known = type === 'host' || type === 'srflx' || type === 'prflx' || type === 'relay' ? type : undefined;
  return { type: known, address: parts[4] };
}

/** True for IPv4 loopback addresses (127.0.0.0/8). */
export function isLoopback(address: string | undefined): boolean {
  return address !== undefined && /^127\./.test(address);
}
