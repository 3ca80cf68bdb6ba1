/**
 * The probe's report for a person: one line per thing an operator checks, the verdict last.
 */
import type { CandidateCounts, ProbeReport } from './probe-types.ts';

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

function ms(value: number): string {
  return `${Math.round(value)} ms`;
}

function bytes(value: number): string {
  return value >= 1024 ? `${(value / 1024).toFixed(1)} KiB` : `${value} B`;
}

function counts(c: CandidateCounts): string {
  const parts = [`${c.host} host`, `${c.srflx} srflx`, `${c.relay} relay`];
  if (c.prflx > 0) parts.push(`${c.prflx} prflx`);
  return parts.join(', ');
}

function line(label: string, text: string): string {
  return `${label.padEnd(16)}${text}`;
}

export function formatReport(report: ProbeReport): string {
  const out: string[] = [`zerortc-probe: room "${report.roomId}" on ${report.wsUrl} as ${report.uid}`];
  if (report.iceServers) {
    const { stunUrls, turnUrls, policy, policyFrom } = report.iceServers;
    out.push(
      line(
        'ICE servers',
        `${stunUrls.length} STUN, ${turnUrls.length} TURN URL(s); transport policy ${policy} (from the ${policyFrom})`,
      ),
    );
  }
  report.turn.forEach((t, i) => {
    const text = t.ok
      ? `${t.url}: ok, relay ${t.relayAddress ?? '?'} (${ms(t.rttMs ?? 0)})`
      : `${t.url}: FAILED, ${t.problem ?? ''}`;
    out.push(line(i === 0 ? 'TURN' : '', text));
  });
  if (report.iceServers && report.turn.length === 0) out.push(line('TURN', 'none configured'));
  if (report.signaling) {
    const { connectMs, joinMs, polite } = report.signaling;
    const join = joinMs === undefined ? 'no answer to join' : `join → joined ${ms(joinMs)}`;
    out.push(
      line(
        'Signaling',
        `WebSocket open ${ms(connectMs)}, ${join}${polite === undefined ? '' : polite ? ' (polite)' : ' (impolite)'}`,
      ),
    );
  }
  if (report.peer) {
    const how = report.peer.role === 'offerer' ? 'new-peer: this side offers' : 'resp-join: this side answers';
    out.push(line('Peer', `${report.peer.remoteUid} (${how})`));
    out.push(line('Candidates', `gathered ${counts(report.candidates.gathered)}`));
    out.push(line('', `from peer ${counts(report.candidates.received)}`));
  }
  if (report.connection) {
    const { setupMs, joinToConnectedMs, local, remote } = report.connection;
    out.push(line('Connected', `${ms(setupMs)} after the peer was found (${ms(joinToConnectedMs)} after join)`));
    if (local && remote) out.push(line('Path', `${local.type} ${local.address} ⇄ ${remote.type} ${remote.address}`));
  }
  if (report.media) {
    const received = report.media.received.map(
      (r) => `${r.kind} ${r.packets} packets, ${bytes(r.bytes)}${r.kind === 'video' ? `, ${r.frames} frames` : ''}`,
    );
    out.push(
      line('Media received', `${received.length ? received.join('; ') : 'no track'} in ${report.media.seconds} s`),
    );
    const sent = report.media.sent.map((s) => `${s.kind} ${s.packets} packets, ${bytes(s.bytes)}`);
    out.push(line('Media sent', sent.join('; ')));
  }
  if (report.dataChannel) {
    const { state, rttMs, echoed } = report.dataChannel;
    const text =
      state === 'not-negotiated'
        ? 'not offered by the other side'
        : state === 'not-open'
          ? 'negotiated, never opened'
          : echoed && rttMs
            ? `open, round trip min ${Math.min(...rttMs)} ms, median ${median(rttMs)} ms, max ${Math.max(...rttMs)} ms (${rttMs.length} pings)`
            : 'open, the other side does not echo pings';
    out.push(line('Data channel', text));
  }
  for (const warning of report.warnings) out.push(line('Warning', warning));
  out.push(
    line(
      'Result',
      report.ok ? 'OK' : `FAILED (${report.failure?.code ?? 'unknown'}): ${report.failure?.message ?? ''}`,
    ),
  );
  return out.join('\n') + '\n';
}
