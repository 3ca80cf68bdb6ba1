/**
 * The honest status of a call, from getStats of the selected candidate pair: direct or through
 * the TURN relay, over UDP, TCP or TLS, and a quality level from round trip, loss and frame rate.
 * Thresholds are documented in docs/client.md ("Connection status").
 */
import { selectedPair, statsMap, type StatsSummary } from './stats.ts';

/** How the media travels, as far as the selected candidate pair tells. */
export interface ConnectionPath {
  /** `relay` when either end of the selected pair is a TURN relay candidate. */
  readonly path: 'direct' | 'relay' | 'unknown';
  /**
   * The transport from this browser: for a local relay candidate, how we reach the TURN server
   * (`udp`, `tcp` or `tls`); otherwise the candidate's own protocol (`udp` or `tcp`).
   */
  readonly protocol: 'udp' | 'tcp' | 'tls' | 'unknown';
  /** Candidate types of the pair (`host`, `srflx`, `prflx`, `relay`). */
  readonly localType: string | undefined;
  readonly remoteType: string | undefined;
}

/** Quality levels shown to people. */
export type QualityLevel = 'good' | 'fair' | 'poor';

/** The thresholds of {@link assessQuality} (docs/client.md). */
export const QUALITY_THRESHOLDS = {
  /** Good needs all of these. */
  good: { maxRttMs: 150, maxLossPercent: 2, minFps: 20 },
  /** Any of these makes it poor. */
  poor: { minRttMs: 400, minLossPercent: 8, maxFps: 10 },
} as const;

function protocolOf(value: unknown): ConnectionPath['protocol'] {
  return value === 'udp' || value === 'tcp' || value === 'tls' ? value : 'unknown';
}

/** Reads the selected pair's path and transport from a stats report. */
export function connectionPath(report: RTCStatsReport | Iterable<[string, unknown]>): ConnectionPath {
  const stats = statsMap(report);
  const pair = selectedPair(stats);
  const local = pair && stats.get(String(pair['localCandidateId']));
  const remote = pair && stats.get(String(pair['remoteCandidateId']));
  if (!local && !remote) return { path: 'unknown', protocol: 'unknown', localType: undefined, remoteType: undefined };
  const localType = typeof local?.['candidateType'] === 'string' ? local['candidateType'] : undefined;
  const remoteType = typeof remote?.['candidateType'] === 'string' ? remote['candidateType'] : undefined;
  const relayed = localType === 'relay' || remoteType === 'relay';
  // Chromium and Firefox name the protocol to the TURN server `relayProtocol` on a relay candidate.
  const protocol = protocolOf(
    localType === 'relay' ? (local?.['relayProtocol'] ?? local?.['protocol']) : local?.['protocol'],
  );
  return { path: relayed ? 'relay' : 'direct', protocol, localType, remoteType };
}

/**
 * good / fair / poor from round trip, loss and (when video arrives) frame rate; `undefined` while
 * there is not enough to judge (no round trip and no loss figure yet).
 */
export function assessQuality(s: Pick<StatsSummary, 'rttMs' | 'lossPercent' | 'fps'>): QualityLevel | undefined {
  if (s.rttMs === undefined && s.lossPercent === undefined) return undefined;
  const { good, poor } = QUALITY_THRESHOLDS;
  const rtt = s.rttMs ?? 0;
  const loss = s.lossPercent ?? 0;
  if (rtt >= poor.minRttMs || loss >= poor.minLossPercent || (s.fps !== undefined && s.fps < poor.maxFps)) {
    return 'poor';
  }
  if (rtt <= good.maxRttMs && loss <= good.maxLossPercent && (s.fps === undefined || s.fps >= good.minFps)) {
    return 'good';
  }
  return 'fair';
}
