/**
 * A summary of `RTCPeerConnection.getStats()` for people: bitrates, round-trip time, loss,
 * resolution, frame rate, and whether the path is direct or relayed. Also the raw counters the
 * browser tests use to prove that media flows.
 */

/** One summary. Rates are computed against the previous summary (undefined on the first). */
export interface StatsSummary {
  /** When the report was taken, ms (the stats' own clock). */
  readonly timestamp: number;
  /** Received bits per second, audio + video. */
  readonly bitrateIn: number | undefined;
  /** Sent bits per second, audio + video. */
  readonly bitrateOut: number | undefined;
  /** Round-trip time of the selected candidate pair, ms. */
  readonly rttMs: number | undefined;
  /** Received packets lost, percent of expected, since the previous summary. */
  readonly lossPercent: number | undefined;
  /** Decoded remote video size. */
  readonly width: number | undefined;
  readonly height: number | undefined;
  /** Decoded remote frames per second. */
  readonly fps: number | undefined;
  /** `relay` when the path goes through TURN; `direct` otherwise; `unknown` before a pair is selected. */
  readonly path: 'direct' | 'relay' | 'unknown';
  /** Counters since the call started. */
  readonly bytesReceived: number;
  readonly bytesSent: number;
  readonly packetsReceived: number;
  readonly packetsLost: number;
  readonly framesDecoded: number;
  readonly framesSent: number;
  readonly audioBytesReceived: number;
  readonly audioSamplesReceived: number;
  /** Remote audio energy (grows while sound arrives). */
  readonly audioEnergyReceived: number;
}

/** One entry of a stats report. */
export type Stat = Record<string, unknown> & { type: string; id: string; timestamp: number };

function num(v: unknown): number {
  return typeof v === 'number' && Number.isFinite(v) ? v : 0;
}

/** A stats report as a map from id to entry. */
export type StatsMap = ReadonlyMap<string, Stat>;

/** Reads a stats report (the browser's, or any iterable of [id, entry]) into a map. */
export function statsMap(report: RTCStatsReport | Iterable<[string, unknown]>): Map<string, Stat> {
  const stats = new Map<string, Stat>();
  for (const [id, value] of report as Iterable<[string, unknown]>) stats.set(id, value as Stat);
  return stats;
}

/** The candidate pair ICE selected, if any. */
export function selectedPair(stats: StatsMap, selectedPairId?: string): Stat | undefined {
  let id = selectedPairId;
  for (const s of stats.values()) {
    if (id !== undefined) break;
    if (s.type === 'transport' && typeof s['selectedCandidatePairId'] === 'string') id = s['selectedCandidatePairId'];
  }
  const pair = id !== undefined ? stats.get(id) : undefined;
  // Firefox marks the pair instead of naming it on the transport.
  return pair ?? [...stats.values()].find((s) => s.type === 'candidate-pair' && s['selected'] === true);
}

/** Summarizes a stats report; pass the previous summary to get rates. */
export function summarizeStats(
  report: RTCStatsReport | Iterable<[string, unknown]>,
  previous?: StatsSummary,
): StatsSummary {
  const stats = statsMap(report);
  let timestamp = 0;
  let bytesReceived = 0;
  let bytesSent = 0;
  let packetsReceived = 0;
  let packetsLost = 0;
  let framesDecoded = 0;
  let framesSent = 0;
  let audioBytesReceived = 0;
  let audioSamplesReceived = 0;
  let audioEnergyReceived = 0;
  let width: number | undefined;
  let height: number | undefined;
  let fps: number | undefined;
  let rttMs: number | undefined;
  let path: StatsSummary['path'] = 'unknown';
  let selectedPairId: string | undefined;

  for (const s of stats.values()) {
    timestamp = Math.max(timestamp, num(s.timestamp));
    if (s.type === 'inbound-rtp') {
      bytesReceived += num(s['bytesReceived']);
      packetsReceived += num(s['packetsReceived']);
      packetsLost += Math.max(0, num(s['packetsLost']));
      if (s['kind'] === 'video') {
        framesDecoded += num(s['framesDecoded']);
        if (typeof s['frameWidth'] === 'number') width = s['frameWidth'];
        if (typeof s['frameHeight'] === 'number') height = s['frameHeight'];
        if (typeof s['framesPerSecond'] === 'number') fps = s['framesPerSecond'];
      } else if (s['kind'] === 'audio') {
        audioBytesReceived += num(s['bytesReceived']);
        audioSamplesReceived += num(s['totalSamplesReceived']);
        audioEnergyReceived += num(s['totalAudioEnergy']);
      }
    } else if (s.type === 'outbound-rtp') {
      bytesSent += num(s['bytesSent']);
      framesSent += num(s['framesSent']);
    } else if (s.type === 'transport' && typeof s['selectedCandidatePairId'] === 'string') {
      selectedPairId = s['selectedCandidatePairId'];
    }
  }
  const pair = selectedPair(stats, selectedPairId);
  if (pair) {
    if (typeof pair['currentRoundTripTime'] === 'number') rttMs = pair['currentRoundTripTime'] * 1000;
    const local = stats.get(String(pair['localCandidateId']));
    const remote = stats.get(String(pair['remoteCandidateId']));
    if (local || remote)
      path = local?.['candidateType'] === 'relay' || remote?.['candidateType'] === 'relay' ? 'relay' : 'direct';
  }

  let bitrateIn: number | undefined;
  let bitrateOut: number | undefined;
  let lossPercent: number | undefined;
  if (previous && timestamp > previous.timestamp) {
    const seconds = (timestamp - previous.timestamp) / 1000;
    bitrateIn = (Math.max(0, bytesReceived - previous.bytesReceived) * 8) / seconds;
    bitrateOut = (Math.max(0, bytesSent - previous.bytesSent) * 8) / seconds;
    const lost = Math.max(0, packetsLost - previous.packetsLost);
    const got = Math.max(0, packetsReceived - previous.packetsReceived);
    lossPercent = lost + got > 0 ? (100 * lost) / (lost + got) : 0;
  }
  return {
    timestamp,
    bitrateIn,
    bitrateOut,
    rttMs,
    lossPercent,
    width,
    height,
    fps,
    path,
    bytesReceived,
    bytesSent,
    packetsReceived,
    packetsLost,
    framesDecoded,
    framesSent,
    audioBytesReceived,
    audioSamplesReceived,
    audioEnergyReceived,
  };
}
