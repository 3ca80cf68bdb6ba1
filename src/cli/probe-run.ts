/**
 * One probe run: fetch ICE servers, check TURN, join the room, call whoever is there, measure,
 * hang up. Never throws: whatever went wrong ends up in the report's `failure`, in words.
 */
import { randomBytes } from 'node:crypto';
import { RTCPeerConnection, type MediaStreamTrack, type RTCDataChannel } from 'werift';
import { describeIceFailure, planIce, selectedPath } from './probe-ice.ts';
import { createMediaSource, countTrack, type ReceivedCounts } from './probe-media.ts';
import { startPings } from './probe-pings.ts';
import { Signaling, SignalingError, field, type ServerFrame } from './probe-signaling.ts';
import { ProbeFailure, emptyCounts, round, type ProbeOptions, type ProbeReport } from './probe-types.ts';
import {
  candidateInfo,
  decodeCandidate,
  decodeDescription,
  encodeCandidate,
  encodeDescription,
  isLoopback,
} from './probe-wire.ts';

// The run's callers (the CLI, bench/) take its report type from here.
export type { ProbeOptions, ProbeReport } from './probe-types.ts';

/** Runs the probe; resolves with the report (failure included) once it has hung up. */
export async function runProbe(options: ProbeOptions): Promise<ProbeReport> {
  const report: ProbeReport = {
    ok: false,
    wsUrl: options.wsUrl,
    roomId: options.roomId,
    uid: options.uid ?? `probe-${randomBytes(4).toString('hex')}`,
    turn: [],
    candidates: { gathered: emptyCounts(), received: emptyCounts() },
    warnings: [],
  };
  const cleanup: (() => Promise<void> | void)[] = [];
  try {
    await call(options, report, cleanup);
    report.ok = true;
  } catch (err) {
    report.failure =
      err instanceof ProbeFailure
        ? { code: err.code, message: err.message }
        : err instanceof SignalingError
          ? { code: 'signaling-error', message: err.message }
          : { code: 'signaling-error', message: `unexpected error: ${(err as Error).message}` };
  } finally {
    for (const step of cleanup.reverse()) await Promise.resolve(step()).catch(() => undefined);
  }
  return report;
}

async function call(
  options: ProbeOptions,
  report: ProbeReport,
  cleanup: (() => Promise<void> | void)[],
): Promise<void> {
  // 1. ICE servers, as the call page gets them; 2. TURN: does each server answer, and does it
  // take the credentials?
  const { policy, rtcIceServers, turnFailures, turnProblem } = await planIce(options, report);

  // 3. Signaling: connect and join.
  const connectStart = performance.now();
  let signaling: Signaling;
  try {
    signaling = await Signaling.connect(options.wsUrl, 10_000);
  } catch (err) {
    throw new ProbeFailure('server-unreachable', (err as Error).message);
  }
  cleanup.push(() => signaling.close());
  const connectMs = round(performance.now() - connectStart);
  report.signaling = { connectMs };
  const joinStart = performance.now();
  signaling.send({ cmd: 'join', roomId: options.roomId, uid: report.uid });
  const joined = await signaling.next(['joined', 'error'], 10_000, 'answer to join');
  throwIfError(joined);
  report.signaling = {
    connectMs,
    joinMs: round(performance.now() - joinStart),
    ...(typeof joined['polite'] === 'boolean' ? { polite: joined['polite'] } : {}),
  };

  // 4. Wait for the other side: new-peer (we offer) or resp-join (we answer), as the tutorial does.
  let found: ServerFrame;
  try {
    found = await signaling.next(['resp-join', 'new-peer', 'error'], options.timeoutMs, 'peer');
  } catch (err) {
    if (err instanceof SignalingError && err.message.startsWith('no peer'))
      throw new ProbeFailure(
        'no-peer',
        `nobody joined room "${options.roomId}" within ${Math.round(options.timeoutMs / 1000)} s`,
      );
    throw err;
  }
  throwIfError(found);
  const remoteUid = field(found, 'remoteUid') ?? '';
  const role = found.cmd === 'new-peer' ? 'offerer' : 'answerer';
  report.peer = { remoteUid, role };
  const peerFound = performance.now();

  // 5. The call.
  const pc = new RTCPeerConnection({
    iceServers: rtcIceServers,
    iceTransportPolicy: policy,
    // One transport for audio, video and data, as browsers do: a third of the candidates.
    bundlePolicy: 'max-bundle',
    ...(options.loopback
      ? {
          iceAdditionalHostAddresses: ['127.0.0.1'],
          iceUseIpv6: false,
          // The machine's other addresses would reach the other side as peer-reflexive ones.
          iceFilterCandidatePair: (pair) =>
            isLoopback(pair.localCandidate.host) && isLoopback(pair.remoteCandidate.host),
        }
      : {}),
  });
  cleanup.push(() => pc.close());
  const media = createMediaSource();
  cleanup.push(() => media.stop());
  const received: ReceivedCounts[] = [];
  let counting = false;
  pc.onTrack.subscribe((track: MediaStreamTrack) => received.push(countTrack(track, () => counting)));

  const relay = (cmd: 'offer' | 'answer' | 'candidate', msg: string): void =>
    signaling.send({ cmd, roomId: options.roomId, uid: report.uid, remoteUid, msg });

  pc.onIceCandidate.subscribe((candidate) => {
    if (!candidate?.candidate) return;
    const info = candidateInfo(candidate.candidate);
    if (info.type) report.candidates.gathered[info.type]++;
    if (options.loopback && !isLoopback(info.address)) return;
    relay(
      'candidate',
      encodeCandidate({
        candidate: candidate.candidate,
        sdpMid: candidate.sdpMid,
        sdpMLineIndex: candidate.sdpMLineIndex,
      }),
    );
  });

  let channel: RTCDataChannel | undefined;
  const pings = startPings(report);
  if (role === 'offerer') {
    pc.addTransceiver(media.video, { direction: 'sendrecv' });
    pc.addTransceiver(media.audio, { direction: 'sendrecv' });
    channel = pc.createDataChannel('zerortc-probe');
    pings.attach(channel);
  } else {
    pc.onDataChannel.subscribe((remote: RTCDataChannel) => {
      channel = remote;
      pings.attach(remote);
    });
  }

  // Everything that ends the call early rejects `ended`.
  let endCall: (failure: ProbeFailure) => void = () => undefined;
  const ended = new Promise<never>((_, reject) => (endCall = reject));
  ended.catch(() => undefined);
  let peerLeft = false;
  let stopWindow: () => void = () => undefined;

  const onRemoteDescription = async (frame: ServerFrame): Promise<void> => {
    const type = frame.cmd === 'offer' ? 'offer' : 'answer';
    const description = decodeDescription(field(frame, 'msg') ?? '', type);
    if (!description) {
      report.warnings.push(`ignored an ${type} whose msg is not a session description`);
      return;
    }
    await pc.setRemoteDescription(description);
    if (type === 'offer') {
      for (const track of [media.video, media.audio])
        if (pc.getTransceivers().some((t) => t.kind === track.kind)) pc.addTrack(track);
      const answer = await pc.createAnswer();
      await pc.setLocalDescription(answer);
      relay('answer', encodeDescription({ type: 'answer', sdp: pc.localDescription?.sdp ?? answer.sdp }));
    }
  };
  const onRemoteCandidate = async (frame: ServerFrame): Promise<void> => {
    const candidate = decodeCandidate(field(frame, 'msg') ?? '');
    if (!candidate) {
      report.warnings.push('ignored a candidate whose msg is neither shape');
      return;
    }
    if (!candidate.candidate) return; // end of candidates
    const info = candidateInfo(candidate.candidate);
    if (info.type) report.candidates.received[info.type]++;
    if (options.loopback && !isLoopback(info.address)) return;
    await pc.addIceCandidate({
      candidate: candidate.candidate,
      sdpMid: candidate.sdpMid ?? null,
      sdpMLineIndex: candidate.sdpMLineIndex ?? null,
      usernameFragment: candidate.usernameFragment ?? null,
    });
  };

  signaling.handle(
    (frame) => {
      const fail = (err: unknown): void => {
        report.warnings.push(`could not apply the peer's ${frame.cmd}: ${(err as Error).message}`);
      };
      switch (frame.cmd) {
        case 'offer':
        case 'answer':
          onRemoteDescription(frame).catch(fail);
          break;
        case 'candidate':
          onRemoteCandidate(frame).catch(fail);
          break;
        case 'peer-leave':
          peerLeft = true;
          if (counting) stopWindow();
          else endCall(new ProbeFailure('peer-left', `${remoteUid} left the room before the call connected`));
          break;
        case 'peer-reconnecting':
          report.warnings.push(`${remoteUid} dropped and may come back (peer-reconnecting)`);
          break;
        case 'error':
          report.warnings.push(`server error ${field(frame, 'code') ?? ''}: ${field(frame, 'message') ?? ''}`);
          break;
        default:
          break;
      }
    },
    (code) => {
      if (!counting) endCall(new ProbeFailure('signaling-error', `the server closed the WebSocket (code ${code})`));
    },
  );

  const connected = new Promise<void>((resolve, reject) => {
    pc.connectionStateChange.subscribe((state) => {
      if (state === 'connected') resolve();
      if (state === 'failed') reject(new ProbeFailure('ice-failed', describeIceFailure(policy, report.candidates)));
    });
  });
  connected.catch(() => undefined);

  if (role === 'offerer') {
    const offer = await pc.createOffer();
    await pc.setLocalDescription(offer);
    relay('offer', encodeDescription({ type: 'offer', sdp: pc.localDescription?.sdp ?? offer.sdp }));
  }

  let connectTimer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    connectTimer = setTimeout(
      () =>
        reject(
          new ProbeFailure(
            'ice-failed',
            `no connection to ${remoteUid} within ${Math.round(options.timeoutMs / 1000)} s: ${describeIceFailure(policy, report.candidates)}`,
          ),
        ),
      options.timeoutMs,
    );
  });
  timedOut.catch(() => undefined);
  try {
    await Promise.race([connected, ended, timedOut]);
  } finally {
    clearTimeout(connectTimer);
  }
  const now = performance.now();
  report.connection = { setupMs: round(now - peerFound), joinToConnectedMs: round(now - joinStart) };

  // 6. Media and data channel for a few seconds.
  counting = true;
  media.start();
  const windowStart = performance.now();
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, options.mediaMs);
    stopWindow = () => {
      clearTimeout(timer);
      resolve();
    };
    if (peerLeft) stopWindow();
  });
  counting = false;
  const mediaSeconds = Math.round((performance.now() - windowStart) / 100) / 10;
  report.media = { seconds: mediaSeconds, received, sent: media.sent };
  const path = await selectedPath(pc);
  if (path) report.connection = { ...report.connection, ...path };
  report.dataChannel = pings.result(channel);

  // 7. Verdict.
  if (received.every((r) => r.packets === 0))
    throw new ProbeFailure(
      'no-media',
      `connected, but no media arrived from ${remoteUid} in ${mediaSeconds} s (does the other side send a camera or microphone?)`,
    );
  if (channel && report.dataChannel.state !== 'open')
    throw new ProbeFailure('data-channel-failed', 'the data channel was negotiated but never opened');
  if (policy === 'relay' && path?.local?.type !== 'relay' && path?.remote?.type !== 'relay')
    throw new ProbeFailure('not-relayed', 'the ICE transport policy is relay, but the call did not go through TURN');
  if (turnFailures.length > 0)
    throw new ProbeFailure('turn-failed', `the call connected, but TURN failed: ${turnProblem}`);
}

function throwIfError(frame: ServerFrame): void {
  if (frame.cmd !== 'error') return;
  const code = field(frame, 'code') ?? 'error';
  const message = field(frame, 'message') ?? '';
  if (code === 'room-full') throw new ProbeFailure('room-full', `the room is full: ${message}`);
  throw new ProbeFailure('signaling-error', `the server refused the join (${code}): ${message}`);
}
