/**
 * The probe's ICE side outside the call itself: the ICE servers as the call page gets them, a
 * TURN check of each, the list handed to werift, and, afterwards, the path the call took or why
 * ICE failed, in words.
 */
import type { RTCPeerConnection } from 'werift';
import { ProbeFailure, type IcePolicy, type PathEnd, type ProbeOptions, type ProbeReport } from './probe-types.ts';
import { checkTurn, parseTurnUrl, type TurnCheckResult } from './turn-check.ts';

export interface IceServer {
  urls: string[];
  username?: string;
  credential?: string;
}

function iceServersUrl(wsUrl: string): string {
  const url = new URL(wsUrl);
  url.protocol = url.protocol === 'wss:' ? 'https:' : 'http:';
  url.pathname = '/api/ice-servers';
  url.search = '';
  url.hash = '';
  return url.toString();
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

/** What the call needs from the ICE servers step: the policy, werift's list, TURN's failures. */
export interface IcePlan {
  readonly policy: IcePolicy;
  readonly rtcIceServers: IceServer[];
  readonly turnFailures: readonly TurnCheckResult[];
  /** The failed TURN URLs and why, in one line. */
  readonly turnProblem: string;
}

/**
 * Fetches the ICE servers, checks each TURN URL (results in `report.turn`) and throws when a
 * relay-only call cannot work.
 */
export async function planIce(options: ProbeOptions, report: ProbeReport): Promise<IcePlan> {
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
  return { policy, rtcIceServers, turnFailures, turnProblem };
}

export function describeIceFailure(policy: IcePolicy, candidates: ProbeReport['candidates']): string {
  const { gathered, received } = candidates;
  if (policy === 'relay' && gathered.relay === 0) return 'no relay candidate was gathered (TURN allocation failed)';
  if (gathered.host + gathered.srflx + gathered.relay === 0) return 'this side gathered no ICE candidate';
  if (received.host + received.srflx + received.relay + received.prflx === 0)
    return 'no ICE candidate came from the other side';
  return 'ICE connectivity checks failed: no candidate pair works (a firewall, or TURN needed)';
}

export async function selectedPath(pc: RTCPeerConnection): Promise<{ local?: PathEnd; remote?: PathEnd } | undefined> {
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
