/**
 * The pre-call network test: can this browser reach the call server, does the STUN server answer,
 * does the TURN relay answer over UDP, TCP and TLS. It runs in the background before joining and
 * never holds the join up. Each TURN transport is checked as the relay check of a relay-only call
 * is (two throwaway connections calling each other through the relay); STUN by gathering.
 * Aborting it (the person joined) closes its connections; the probes it stopped stay `pending`.
 */
import { parseIceConfig, type IceConfig } from '../client/index.ts';
import { systemClock } from '../client/clock.ts';
import { checkRelay } from '../client/relay-check.ts';

/** `ok` answered, `failed` did not, `none` not configured on this server, `pending` still running. */
export type CheckResult = 'ok' | 'failed' | 'none' | 'pending';

export interface NetworkCheck {
  readonly server: CheckResult;
  readonly stun: CheckResult;
  readonly turnUdp: CheckResult;
  readonly turnTcp: CheckResult;
  readonly turnTls: CheckResult;
  /** The server's policy: `relay` means every call goes through TURN. */
  readonly policy: RTCIceTransportPolicy | undefined;
}

const TIMEOUT_MS = 10_000;

type Transport = 'udp' | 'tcp' | 'tls';

function transportOf(url: string): Transport | undefined {
  if (url.startsWith('turns:')) return 'tls';
  if (!url.startsWith('turn:')) return undefined;
  return /[?&]transport=tcp\b/i.test(url) ? 'tcp' : 'udp';
}

/** The ICE servers of `config` reduced to the URLs `keep` accepts (and servers left with some). */
function only(config: IceConfig, keep: (url: string) => boolean): RTCIceServer[] {
  return config.iceServers.flatMap((server) => {
    const urls = (typeof server.urls === 'string' ? [server.urls] : server.urls).filter(keep);
    return urls.length > 0 ? [{ ...server, urls }] : [];
  });
}

/**
 * STUN answers when a server-reflexive candidate arrives. On a network without NAT the browser
 * drops that candidate (it equals a host one), so gathering that ends without an error from the
 * STUN server counts as an answer too; an unanswered binding request ends in an
 * `icecandidateerror` (701) before gathering completes.
 */
function checkStun(iceServers: RTCIceServer[], signal: AbortSignal | undefined): Promise<CheckResult> {
  return new Promise((resolve) => {
    const pc = new RTCPeerConnection({ iceServers });
    let errored = false;
    const finish = (result: CheckResult): void => {
      clearTimeout(timer);
      pc.onicecandidate = pc.onicecandidateerror = pc.onicegatheringstatechange = null;
      pc.close();
      resolve(result);
    };
    const timer = setTimeout(() => finish('failed'), TIMEOUT_MS);
    signal?.addEventListener('abort', () => finish('pending'), { once: true });
    pc.onicecandidate = ({ candidate }) => {
      if (candidate?.type === 'srflx') finish('ok');
    };
    pc.onicecandidateerror = (ev) => {
      if (/^stuns?:/.test(ev.url)) errored = true;
    };
    pc.onicegatheringstatechange = () => {
      if (pc.iceGatheringState === 'complete') finish(errored ? 'failed' : 'ok');
    };
    pc.createDataChannel('stun-check');
    pc.setLocalDescription().catch(() => finish('failed'));
  });
}

async function checkTurn(
  config: IceConfig,
  transport: Transport,
  signal: AbortSignal | undefined,
): Promise<CheckResult> {
  const iceServers = only(config, (url) => transportOf(url) === transport);
  if (iceServers.length === 0) return 'none';
  const result = await checkRelay({ iceServers }, (c) => new RTCPeerConnection(c), systemClock, TIMEOUT_MS, signal);
  if (signal?.aborted) return 'pending';
  // `no-path`: the relay allocated (it answers) but would not relay to this very machine.
  return result === 'ok' || result === 'no-path' ? 'ok' : 'failed';
}

/**
 * Runs the test; `onUpdate` gets every partial result. `signal` stops the probes that are still
 * running (they stay `pending`). Never rejects.
 */
export async function runNetworkCheck(
  serverUrl: string,
  onUpdate: (check: NetworkCheck) => void,
  signal?: AbortSignal,
): Promise<NetworkCheck> {
  let state: NetworkCheck = {
    server: 'pending',
    stun: 'pending',
    turnUdp: 'pending',
    turnTcp: 'pending',
    turnTls: 'pending',
    policy: undefined,
  };
  const update = (patch: Partial<NetworkCheck>): void => {
    state = { ...state, ...patch };
    onUpdate(state);
  };
  update({});
  let config: IceConfig | undefined;
  try {
    const res = await fetch(`${serverUrl}/api/ice-servers`, { cache: 'no-store' });
    config = res.ok ? parseIceConfig(await res.json()) : undefined;
  } catch {
    config = undefined;
  }
  if (!config) {
    update({ server: 'failed', stun: 'none', turnUdp: 'none', turnTcp: 'none', turnTls: 'none' });
    return state;
  }
  const ice = config;
  update({ server: 'ok', policy: ice.iceTransportPolicy });
  const stunServers = only(ice, (url) => /^stuns?:/.test(url));
  await Promise.all([
    (stunServers.length > 0 ? checkStun(stunServers, signal) : Promise.resolve<CheckResult>('none')).then((stun) =>
      update({ stun }),
    ),
    checkTurn(ice, 'udp', signal).then((turnUdp) => update({ turnUdp })),
    checkTurn(ice, 'tcp', signal).then((turnTcp) => update({ turnTcp })),
    checkTurn(ice, 'tls', signal).then((turnTls) => update({ turnTls })),
  ]);
  return state;
}

/** The verdict's key in the page's words (trust-strings.ts) and the relay transport it names. */
export function verdict(c: NetworkCheck): {
  key:
    | 'netChecking'
    | 'netServerDown'
    | 'netDirect'
    | 'netStunOnly'
    | 'netUdpBlocked'
    | 'netRelayOnly'
    | 'netNoRelay'
    | 'netNoPath'
    | 'netNothing';
  protocol: string;
} {
  const results = [c.server, c.stun, c.turnUdp, c.turnTcp, c.turnTls];
  if (c.server === 'failed') return { key: 'netServerDown', protocol: '' };
  if (results.includes('pending')) return { key: 'netChecking', protocol: '' };
  const relayOver = c.turnUdp === 'ok' ? 'UDP' : c.turnTcp === 'ok' ? 'TCP' : c.turnTls === 'ok' ? 'TLS' : '';
  const udpWorks = c.stun === 'ok' || c.turnUdp === 'ok';
  const anyTurn = [c.turnUdp, c.turnTcp, c.turnTls].some((r) => r !== 'none');
  if (!udpWorks && relayOver) return { key: 'netUdpBlocked', protocol: relayOver };
  if (c.policy === 'relay' && relayOver) return { key: 'netRelayOnly', protocol: relayOver };
  if (c.stun === 'ok' && relayOver) return { key: 'netDirect', protocol: relayOver };
  if (c.stun === 'ok' && !anyTurn) return { key: 'netStunOnly', protocol: '' };
  if (c.stun === 'ok') return { key: 'netNoRelay', protocol: '' };
  if (c.stun === 'none' && !anyTurn) return { key: 'netNothing', protocol: '' };
  if (relayOver) return { key: 'netRelayOnly', protocol: relayOver };
  return { key: 'netNoPath', protocol: '' };
}
