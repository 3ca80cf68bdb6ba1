import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { runReport } from '../../src/cli/report.ts';
import { assessQuality, connectionPath } from '../../src/client/quality.ts';
import { browserOf, type CallReport } from '../../src/client/report.ts';
import { deriveSafetyCode, SafetyCodeTracker, sdpFingerprints, type SafetyCode } from '../../src/client/safety-code.ts';

const FP_A = 'sha-256 0A:1B:2C:3D:4E:5F:60:71:82:93:A4:B5:C6:D7:E8:F9:0A:1B:2C:3D:4E:5F:60:71:82:93:A4:B5:C6:D7:E8:F9';
const FP_B = 'sha-256 FF:EE:DD:CC:BB:AA:99:88:77:66:55:44:33:22:11:00:FF:EE:DD:CC:BB:AA:99:88:77:66:55:44:33:22:11:00';

describe('safety code', () => {
  it('reads, normalizes and deduplicates the fingerprints of an SDP', () => {
    const sdp = `v=0\r\na=fingerprint:SHA-256 ${FP_A.slice(8).toLowerCase()}\r\nm=audio\r\na=fingerprint:sha-256 ${FP_A.slice(8)}\r\n`;
    assert.deepEqual(sdpFingerprints(sdp), [FP_A]);
    assert.deepEqual(sdpFingerprints('v=0\r\n'), []);
  });

  it('is the same on both sides, and differs with another fingerprint or another room', async () => {
    const a = await deriveSafetyCode('room', [FP_A], [FP_B]);
    assert.match(a, /^\d{3} \d{3} \d{3} \d{3}$/);
    assert.equal(await deriveSafetyCode('room', [FP_B], [FP_A]), a);
    assert.notEqual(await deriveSafetyCode('room', [FP_A], [FP_A.replace('0A', '0B')]), a);
    assert.notEqual(await deriveSafetyCode('room2', [FP_A], [FP_B]), a);
    await assert.rejects(deriveSafetyCode('room', [], [FP_B]), /fingerprints from both/);
  });
});

/** Just what the tracker reads of a peer connection. */
class FakePc extends EventTarget {
  signalingState: RTCSignalingState = 'stable';
  localDescription = { type: 'offer', sdp: `a=fingerprint:${FP_A}\r\n` };
  remoteDescription = { type: 'answer', sdp: `a=fingerprint:${FP_B}\r\n` };
  renegotiate(remoteFingerprint: string): void {
    this.remoteDescription = { type: 'answer', sdp: `a=fingerprint:${remoteFingerprint}\r\n` };
    this.dispatchEvent(new Event('signalingstatechange'));
  }
}

describe('safety code tracker', () => {
  it('derives the code, keeps the mark through a renegotiation with the same certificates, clears it on a new one', async () => {
    const seen: (SafetyCode | undefined)[] = [];
    let notify: () => void = () => undefined;
    const tracker = new SafetyCodeTracker((code) => {
      seen.push(code);
      notify();
    });
    const next = (): Promise<void> => new Promise((resolve) => (notify = resolve));
    const pc = new FakePc();
    let changed = next();
    tracker.watch(pc as unknown as RTCPeerConnection, 'room');
    await changed;
    const first = tracker.current;
    assert.equal(first?.code, await deriveSafetyCode('room', [FP_A], [FP_B]));
    assert.equal(first?.verified, false);
    assert.equal(tracker.verify('000 000 000 000'), false, 'only the current code can be confirmed');
    assert.equal(tracker.verify(first.code), true);
    assert.equal(tracker.current?.verified, true);

    const count = seen.length;
    pc.renegotiate(FP_B); // same certificates
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(seen.length, count, 'no change for the same fingerprints');
    assert.equal(tracker.current?.verified, true);

    changed = next();
    pc.renegotiate(FP_B.replace('FF:EE', 'FF:EF'));
    await changed;
    assert.notEqual(tracker.current?.code, first.code);
    assert.equal(tracker.current?.verified, false, 'a new certificate clears the mark');

    tracker.watch(undefined, undefined);
    assert.equal(tracker.current, undefined);
  });
});

/** A connection still being set up: the code waits for it (the derivation would compete). */
class ConnectingPc extends FakePc {
  connectionState: RTCPeerConnectionState = 'connecting';
  become(state: RTCPeerConnectionState): void {
    this.connectionState = state;
    this.dispatchEvent(new Event('connectionstatechange'));
  }
}

describe('safety code during call setup', () => {
  const watchUntilCode = (pc: ConnectingPc): { tracker: SafetyCodeTracker; code: Promise<SafetyCode> } => {
    let resolve: (code: SafetyCode) => void = () => undefined;
    const code = new Promise<SafetyCode>((r) => (resolve = r));
    const tracker = new SafetyCodeTracker((c) => c && resolve(c));
    tracker.watch(pc as unknown as RTCPeerConnection, 'room');
    return { tracker, code };
  };

  it('is derived once the connection is up, not while ICE and DTLS are still running', async () => {
    const pc = new ConnectingPc();
    const { tracker, code } = watchUntilCode(pc);
    // Far longer than a derivation takes: nothing while connecting.
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(tracker.current, undefined);
    pc.become('connected');
    assert.equal((await code).code, await deriveSafetyCode('room', [FP_A], [FP_B]));
    tracker.watch(undefined, undefined);
  });

  it('is derived at once when the connection fails (a forged fingerprint fails DTLS)', async () => {
    const pc = new ConnectingPc();
    const { tracker, code } = watchUntilCode(pc);
    pc.become('failed');
    assert.equal((await code).code, await deriveSafetyCode('room', [FP_A], [FP_B]));
    tracker.watch(undefined, undefined);
  });
});

describe('quality', () => {
  it('is good, fair or poor by the documented thresholds', () => {
    assert.equal(assessQuality({ rttMs: 40, lossPercent: 0, fps: 30 }), 'good');
    assert.equal(assessQuality({ rttMs: 200, lossPercent: 0, fps: 30 }), 'fair');
    assert.equal(assessQuality({ rttMs: 40, lossPercent: 3, fps: undefined }), 'fair');
    assert.equal(assessQuality({ rttMs: 40, lossPercent: 0, fps: 15 }), 'fair');
    assert.equal(assessQuality({ rttMs: 450, lossPercent: 0, fps: 30 }), 'poor');
    assert.equal(assessQuality({ rttMs: 40, lossPercent: 9, fps: 30 }), 'poor');
    assert.equal(assessQuality({ rttMs: 40, lossPercent: 0, fps: 5 }), 'poor');
    assert.equal(assessQuality({ rttMs: undefined, lossPercent: undefined, fps: 30 }), undefined);
  });

  it('reads relayed over TCP from the selected pair (Chromium names it on the transport)', () => {
    const stats: [string, unknown][] = [
      ['T', { id: 'T', type: 'transport', timestamp: 1, selectedCandidatePairId: 'P' }],
      ['P', { id: 'P', type: 'candidate-pair', timestamp: 1, localCandidateId: 'L', remoteCandidateId: 'R' }],
      [
        'L',
        {
          id: 'L',
          type: 'local-candidate',
          timestamp: 1,
          candidateType: 'relay',
          protocol: 'udp',
          relayProtocol: 'tcp',
        },
      ],
      ['R', { id: 'R', type: 'remote-candidate', timestamp: 1, candidateType: 'host', protocol: 'udp' }],
    ];
    assert.deepEqual(connectionPath(stats), { path: 'relay', protocol: 'tcp', localType: 'relay', remoteType: 'host' });
  });

  it('reads direct over UDP from the pair Firefox marks selected', () => {
    const stats: [string, unknown][] = [
      [
        'P',
        {
          id: 'P',
          type: 'candidate-pair',
          timestamp: 1,
          selected: true,
          localCandidateId: 'L',
          remoteCandidateId: 'R',
        },
      ],
      ['L', { id: 'L', type: 'local-candidate', timestamp: 1, candidateType: 'host', protocol: 'udp' }],
      ['R', { id: 'R', type: 'remote-candidate', timestamp: 1, candidateType: 'srflx', protocol: 'udp' }],
    ];
    assert.equal(connectionPath(stats).path, 'direct');
    assert.equal(connectionPath([]).path, 'unknown');
  });
});

describe('report', () => {
  it('keeps only the browser name and version of a user agent', () => {
    assert.deepEqual(browserOf('Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 Firefox/140.0'), {
      name: 'Firefox',
      version: '140.0',
    });
    assert.deepEqual(browserOf('Mozilla/5.0 (X11) AppleWebKit/537.36 HeadlessChrome/156.0.0.0 Safari/537.36'), {
      name: 'Chrome',
      version: '156.0.0.0',
    });
  });
});

describe('zerortc report', () => {
  const dir = mkdtempSync(join(tmpdir(), 'zerortc-report-cli-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  const sample = (t: number, rtt: number, kbit: number): CallReport['samples'][number] => ({
    t,
    bitrateIn: kbit * 1000,
    bitrateOut: kbit * 1000,
    rttMs: rtt,
    lossPercent: 0.5,
    fps: 30,
    width: 640,
    height: 480,
    path: 'relay',
    protocol: 'tcp',
    localCandidateType: 'relay',
    remoteCandidateType: 'host',
    quality: 'good',
  });
  const report: CallReport = {
    format: 'zerortc-report/1',
    createdAt: '2026-12-01T03:00:40.000Z',
    startedAt: '2026-12-01T03:00:00.000Z',
    browser: { name: 'Firefox', version: '140.0', platform: 'desktop' },
    summary: { durationMs: 40_000, iceRestarts: 1, reconnects: 1, errors: ['ice-failed'], finalState: 'error' },
    timeline: [
      { t: 0, type: 'state', state: 'joining' },
      { t: 2100, type: 'state', state: 'connected' },
      { t: 3000, type: 'path', path: 'relay', protocol: 'tcp' },
      { t: 9000, type: 'safety-code', verified: true },
      { t: 20_000, type: 'ice-restart', attempt: 1 },
      { t: 20_000, type: 'state', state: 'reconnecting' },
      { t: 40_000, type: 'state', state: 'error' },
      { t: 40_000, type: 'error', code: 'ice-failed' },
    ],
    samples: [sample(3000, 20, 800), sample(6000, 25, 900), sample(9000, 180, 400), sample(12_000, 30, 850)],
  };

  function cli(args: string[]): { code: number; out: string; err: string } {
    let out = '';
    let err = '';
    const code = runReport(
      args,
      (t) => (out += t),
      (t) => (err += t),
    );
    return { code, out, err };
  }

  it('prints the call in words and a bitrate and round-trip chart', () => {
    const file = join(dir, 'r.json');
    writeFileSync(file, JSON.stringify(report));
    const { code, out } = cli([file]);
    assert.equal(code, 0);
    assert.match(out, /Browser: Firefox 140\.0 \(desktop\)/);
    assert.match(out, /Connected 0:02\.1 after joining\./);
    assert.match(out, /Path: relay over TCP from 0:03\.0\./);
    assert.match(out, /1 ICE restart\(s\), 1 reconnect\(s\), error\(s\): ice-failed\./);
    assert.match(out, /Safety code confirmed at 0:09\.0\./);
    assert.match(out, /Round trip median 30 ms \(max 180 ms\)/);
    assert.match(out, /Receive bitrate \(kbit\/s\):\n[^]*┤/);
    assert.match(out, /Round trip \(ms\):\n[^]*┤/);
  });

  it('writes the charts as SVG with --svg', () => {
    const file = join(dir, 'r.json');
    writeFileSync(file, JSON.stringify(report));
    const svg = join(dir, 'r.svg');
    assert.equal(cli([file, '--svg', svg]).code, 0);
    const text = readFileSync(svg, 'utf8');
    assert.equal((text.match(/<polyline /g) ?? []).length, 2);
  });

  it('says clearly what is wrong with a file that is not a report', () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{"format":"zerortc-report/1","createdAt":"x","startedAt":"x","browser":{},"summary":{}}');
    assert.deepEqual(cli([bad]), { code: 1, out: '', err: `zerortc report: ${bad}: browser.name must be a string\n` });
    writeFileSync(bad, 'not json');
    assert.match(cli([bad]).err, /not JSON/);
    writeFileSync(bad, '{"format":"other"}');
    assert.match(cli([bad]).err, /format "other" is not a ZeroRTC call report/);
    assert.match(cli([join(dir, 'missing.json')]).err, /ENOENT/);
    assert.equal(cli([]).code, 2);
    assert.equal(cli([bad, '--svg']).code, 2);
  });
});
