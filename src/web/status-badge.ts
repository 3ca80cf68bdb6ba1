/**
 * The header badge tells the truth about the call: peer-to-peer or relayed via TURN (and over
 * UDP, TCP or TLS), encrypted, verified or not, and a quality level, from getStats of the selected
 * candidate pair every 2 s. Tests read `data-path`, `data-protocol`, `data-verified` and
 * `data-quality` on #privacyBadge.
 */
import { assessQuality, connectionPath, summarizeStats, type CallClient, type StatsSummary } from '../client/index.ts';
import type { TrustStrings } from './trust-strings.ts';

const POLL_MS = 2000;

/** Wires #privacyBadge to the client. */
export function setupStatusBadge(client: CallClient, S: TrustStrings): void {
  const badge = document.getElementById('privacyBadge');
  if (!badge) throw new Error('#privacyBadge is missing');
  let previous: StatsSummary | undefined;
  let pc: RTCPeerConnection | undefined;

  const set = (text: string, data: Record<string, string>): void => {
    badge.textContent = text;
    for (const [k, v] of Object.entries(data)) badge.dataset[k] = v;
  };

  const idle = (): void => {
    previous = undefined;
    const inCall = client.state !== 'idle' && client.state !== 'left' && client.state !== 'error';
    set(inCall ? S.badgeConnecting : S.badgeIdle, {
      path: 'unknown',
      protocol: 'unknown',
      quality: '',
      verified: 'false',
    });
  };

  const update = async (): Promise<void> => {
    const current = client.peerConnection;
    if (current !== pc) {
      pc = current;
      previous = undefined;
    }
    if (!current || (client.state !== 'connected' && client.state !== 'reconnecting')) return idle();
    const report = await current.getStats();
    const route = connectionPath(report);
    const summary = summarizeStats(report, previous);
    previous = summary;
    if (route.path === 'unknown') return idle();
    const quality = assessQuality(summary);
    const verified = client.safetyCode?.verified === true;
    const parts = [
      `${route.path === 'relay' ? S.relay : S.direct}${route.protocol === 'unknown' ? '' : ` (${route.protocol.toUpperCase()})`}`,
      S.encrypted,
      verified ? S.verified : S.notVerified,
      ...(quality ? [`${S.qualityLabel}: ${S.quality[quality]}`] : []),
    ];
    set(parts.join(' · '), {
      path: route.path,
      protocol: route.protocol,
      quality: quality ?? '',
      verified: String(verified),
    });
  };

  const refresh = (): void => void update().catch(() => undefined);
  client.on('state', refresh);
  client.on('safety-code', refresh);
  setInterval(refresh, POLL_MS);
  idle();
}
