/**
 * One probe run: fetch ICE servers, check TURN, join the room, call whoever is there, measure,
 * hang up. Never throws: whatever went wrong ends up in the report's `failure`, in words.
 */
import { randomBytes } from 'node:crypto';
import { RTCPeerConnection, type MediaStreamTrack, type RTCDataChannel } from 'werift';
import { createMediaSource, countTrack, type ReceivedCounts, type SentCounts } from './probe-media.ts';
import { Signaling, SignalingError, field, type ServerFrame } from './probe-signaling.ts';
import {
  candidateInfo,
  decodeCandidate,
  decodeDescription,
  encodeCandidate,
  encodeDescription,
  isLoopback,
} from './probe-wire.ts';
import { checkTurn, parseTurnUrl, type TurnCheckResult } from './turn-check.ts';

export type IcePolicy = 'all' | 'relay';

export interface ProbeOptions {
  /** The signaling WebSocket, e.g. wss://call.example.com/ws. */
  readonly wsUrl: string;
  readonly roomId: string;
  readonly uid?: string | undefined;
  /** How long to wait for a peer, and then for the connection, ms. */
  readonly timeoutMs: number;
  /** How long to count media once connected, ms. */
  readonly mediaMs: number;
  /** Overrides the server's policy when set. */
  readonly iceTransportPolicy?: IcePolicy | undefined;
  /** Adds 127.0.0.1 as a host candidate and uses loopback candidates only (tests on one machine). */
  readonly loopback: boolean;
}

export type FailureCode =
  | 'server-unreachable'
  | 'signaling-error'
  | 'room-full'
  | 'no-peer'
  | 'peer-left'
  | 'ice-failed'
  | 'turn-failed'
  | 'not-relayed'
  | 'no-media'
  | 'data-channel-failed';

export interface CandidateCounts {
  host: number;
  srflx: number;
  prflx: number;
  relay: number;
}

export interface PathEnd {
  readonly type: string;
  readonly address: string;
}

export interface ProbeReport {
  ok: boolean;
  failure?: { code: FailureCode; message: string };
  wsUrl: string;
  roomId: string;
  uid: string;
  iceServers?: { stunUrls: string[]; turnUrls: string[]; policy: IcePolicy; policyFrom: 'server' | 'flag' };
  turn: TurnCheckResult[];
  signaling?: { connectMs: number; joinMs?: number; polite?: boolean };
  peer?: { remoteUid: string; role: 'offerer' | 'answerer' };
  candidates: { gathered: CandidateCounts; received: CandidateCounts };
  connection?: { setupMs: number; joinToConnectedMs: number; local?: PathEnd; remote?: PathEnd };
  media?: { seconds: number; received: ReceivedCounts[]; sent: readonly SentCounts[] };
  dataChannel?: { state: 'open' | 'not-negotiated' | 'not-open'; rttMs?: number[]; echoed: boolean };
  warnings: string[];
}

export class ProbeFailure extends Error {
  readonly code: FailureCode;
  constructor(code: FailureCode, message: string) {
    super(message);
    this.code = code;
  }
}

interface IceServer {
  urls: string[];
  username?: string;
  credential?: string;
}

const PING_COUNT = 5;

function iceServersUrl(wsUrl: string): string {
  const url = new URL(wsUrl);
  url.protocol = url.protocol === 'wss:' ? 'https:' : 'http:';
  url.pathname = '/api/ice-servers';
  url.search = '';
  url.hash = '';
  return url.toString();
}

function emptyCounts(): CandidateCounts {
  return { host: 0, srflx: 0, prflx: 0, relay: 0 };
}

async function fetchIceServers(wsUrl: string): Promise<{ iceServers: IceServer[]; policy: IcePolicy }> {
  const url = iceServersUrl(wsUrl);
  let response: Response;
  try {
    response = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  } catch (err) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    throw new ProbeFailure(
      'server-unreachable',
      `cannot reach the ZeroRTC server at ${url}: ${cause?.code ?? cause?.message ?? (err as Error).message}`,
    );
  }
  if (!response.ok)
    throw new ProbeFailure(
      'server-unreachable',
      `GET ${url} answered HTTP ${response.status}: is this a ZeroRTC server?`,
    );
  const body: unknown = await response.json().catch(() => undefined);
  const list = typeof body === 'object' && body !== null ? (body as Record<string, unknown>)['iceServers'] : undefined;
  if (!Array.isArray(list)) throw new ProbeFailure('server-unreachable', `GET ${url} did not answer with iceServers`);
  const iceServers: IceServer[] = [];
  for (const entry of list as unknown[]) {
    if (typeof entry !== 'object' || entry === null) continue;
    const { urls, username, credential } = entry as Record<string, unknown>;
    const all = (Array.isArray(urls) ? (urls as unknown[]) : [urls]).filter((u): u is string => typeof u === 'string');
    iceServers.push({
      urls: all,
      ...(typeof username === 'string' ? { username } : {}),
      ...(typeof credential === 'string' ? { credential } : {}),
    });
  }
  const policy = (body as Record<string, unknown>)['iceTransportPolicy'] === 'relay' ? 'relay' : 'all';
  return { iceServers, policy };
}

/** Milliseconds to one decimal, for the report. */
function round(value: number): number {
  return Math.round(value * 10) / 10;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

export { median };

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
  // 1. ICE servers, as the call page gets them.
  const { iceServers, policy: serverPolicy } = await fetchIceServers(options.wsUrl);
  const policy = options.iceTransportPolicy ?? serverPolicy;
  const stunUrls = iceServers.flatMap((s) => s.urls.filter((u) => /^stuns?:/i.test(u)));
  const turnUrls = iceServers.flatMap((s) => s.urls.filter((u) => /^turns?:/i.test(u)));
  report.iceServers = {
    stunUrls,
    turnUrls,
    policy,
    policyFrom: options.iceTransportPolicy === undefined ? 'server' : 'flag',
  };

  // 2. TURN: does each server answer, and does it take the credentials?
  const turnChecks = iceServers.flatMap((server) =>
    server.urls
      .filter((url) => parseTurnUrl(url) !== undefined)
      .map((url) => checkTurn(url, server.username ?? '', server.credential ?? '')),
  );
  report.turn = await Promise.all(turnChecks);
  const turnFailures = report.turn.filter((t) => !t.ok);
  const turnProblem = turnFailures.map((t) => `${t.url}: ${t.problem ?? 'failed'}`).join('; ');
  if (policy === 'relay') {
    if (turnUrls.length === 0)
      throw new ProbeFailure(
        'turn-failed',
        'the ICE transport policy is relay, but the server hands out no TURN server',
      );
    if (turnFailures.length === report.turn.length)
      throw new ProbeFailure('turn-failed', `TURN failed, so a relay-only call cannot work: ${turnProblem}`);
  }
  // werift takes the first TURN URL it is given; with one that refuses the credentials, a call
  // that could go direct did not connect (seen with werift 0.24): hand it only TURN URLs that
  // just allocated, STUN URLs as they are.
  const working = new Set(report.turn.filter((t) => t.ok).map((t) => t.url));
  const rtcIceServers = iceServers
    .map((s) => ({ ...s, urls: s.urls.filter((url) => parseTurnUrl(url) === undefined || working.has(url)) }))
    .filter((s) => s.urls.length > 0);
  // Without a STUN URL werift falls back to a public STUN server of its own choosing (and waits
  // for it). A TURN server answers STUN on its UDP port: use the first working one instead.
  const stunFromTurn = stunUrls.length === 0 ? turnAsStun([...working]) : undefined;
  if (stunFromTurn !== undefined) rtcIceServers.unshift({ urls: [stunFromTurn] });

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

function describeIceFailure(policy: IcePolicy, candidates: ProbeReport['candidates']): string {
  const { gathered, received } = candidates;
  if (policy === 'relay' && gathered.relay === 0) return 'no relay candidate was gathered (TURN allocation failed)';
  if (gathered.host + gathered.srflx + gathered.relay === 0) return 'this side gathered no ICE candidate';
  if (received.host + received.srflx + received.relay + received.prflx === 0)
    return 'no ICE candidate came from the other side';
  return 'ICE connectivity checks failed: no candidate pair works (a firewall, or TURN needed)';
}

async function selectedPath(pc: RTCPeerConnection): Promise<{ local?: PathEnd; remote?: PathEnd } | undefined> {
  try {
    const stats = await pc.getStats();
    const byId = new Map<string, Record<string, unknown>>();
    stats.forEach((value: unknown, key: string) => byId.set(key, value as Record<string, unknown>));
    const transport = [...byId.values()].find((s) => s['type'] === 'transport' && s['selectedCandidatePairId']);
    const pair =
      (transport && byId.get(String(transport['selectedCandidatePairId']))) ??
      [...byId.values()].find((s) => s['type'] === 'candidate-pair' && s['nominated'] === true);
    if (!pair) return undefined;
    const end = (id: unknown): PathEnd | undefined => {
      const candidate = byId.get(String(id));
      return candidate
        ? {
            type: String(candidate['candidateType']),
            address: `${String(candidate['address'])}:${String(candidate['port'])}`,
          }
        : undefined;
    };
    const local = end(pair['localCandidateId']);
    const remote = end(pair['remoteCandidateId']);
    return { ...(local ? { local } : {}), ...(remote ? { remote } : {}) };
  } catch {
    return undefined;
  }
}

/** Data channel round trips: each side echoes `ping` as `pong` and times its own pings. */
function startPings(report: ProbeReport): {
  attach(channel: RTCDataChannel): void;
  result(channel: RTCDataChannel | undefined): NonNullable<ProbeReport['dataChannel']>;
} {
  const rtts: number[] = [];
  let opened = false;
  const pending = new Map<number, number>();
  return {
    attach(channel) {
      const ping = (seq: number): void => {
        pending.set(seq, performance.now());
        channel.send(JSON.stringify({ type: 'ping', seq }));
      };
      const onOpen = (): void => {
        if (opened) return;
        opened = true;
        ping(0);
      };
      channel.onMessage.subscribe((data) => {
        let message: Record<string, unknown> | undefined;
        try {
          const value: unknown = JSON.parse(data.toString());
          message = typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
        } catch {
          message = undefined;
        }
        if (!message || typeof message['seq'] !== 'number') return;
        const seq = message['seq'];
        if (message['type'] === 'ping') channel.send(JSON.stringify({ type: 'pong', seq }));
        if (message['type'] === 'pong' && pending.has(seq)) {
          rtts.push(round(performance.now() - pending.get(seq)!));
          pending.delete(seq);
          if (seq + 1 < PING_COUNT) ping(seq + 1);
        }
      });
      channel.stateChanged.subscribe((state) => {
        if (state === 'open') onOpen();
      });
      if (channel.readyState === 'open') onOpen();
      channel.error.subscribe((err) => report.warnings.push(`data channel: ${err.message}`));
    },
    result(channel) {
      if (!channel) return { state: 'not-negotiated', echoed: false };
      return { state: opened ? 'open' : 'not-open', echoed: rtts.length > 0, ...(rtts.length ? { rttMs: rtts } : {}) };
    },
  };
}

/** `stun:host:port` of the first UDP TURN URL, which coturn (like any TURN server) answers. */
export function turnAsStun(turnUrls: readonly string[]): string | undefined {
  for (const url of turnUrls) {
    const parsed = parseTurnUrl(url);
    if (parsed?.transport === 'udp') {
      const host = parsed.host.includes(':') ? `[${parsed.host}]` : parsed.host;
      return `stun:${host}:${parsed.port}`;
    }
  }
  return undefined;
}
