/**
 * Calls across the network lab (netlab.ts): the ZeroRTC server and coturn on the lab's internet,
 * a Chromium inside each home, and what the tests read of a call there (the selected candidate
 * pair from getStats). One world serves many scenarios: the knobs of the lab change between them.
 */
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { buildPage, CHROMIUM, CHROMIUM_ARGS, tempDir } from './browser.ts';
import { startCoturn, type Coturn } from './coturn.ts';
import { callMediaFlowing, callState, fromPlaywright, joinCall, type EnginePage } from './engines.ts';
import { INTERNET_IP, startNetLab, type HomeName, type NetLab } from './netlab.ts';
import { startServer, type TestServer } from './server.ts';

export const LAB_TURN_SECRET = 'netlab-turn-secret';
/** coturn's ports on the lab's internet: the usual ones, TLS on 443 as firewalls allow it. */
export const LAB_TURN_PORT = 3478;
export const LAB_TURNS_PORT = 443;

/** Everything a lab scenario needs, started once per test file. */
export interface LabWorld {
  readonly lab: NetLab;
  readonly coturn: Coturn;
  readonly server: TestServer;
  /** The call page's URL, on the lab's internet. */
  readonly url: string;
  readonly chromium: Readonly<Record<HomeName, Browser>>;
  /** Opens the call page in a fresh context of the Chromium in `home`. */
  openChromium(home: HomeName): Promise<EnginePage>;
  close(): Promise<void>;
}

/** The selected candidate pair, as getStats reports it. */
export interface SelectedPair {
  readonly local: CandidateInfo | undefined;
  readonly remote: CandidateInfo | undefined;
  /** Seconds, from the last STUN consent check. */
  readonly rtt: number | undefined;
}

export interface CandidateInfo {
  readonly type: string;
  readonly address: string;
  /** `udp`, `tcp` or `tls` for a relay candidate: how we reach the TURN server. */
  readonly relayProtocol: string | undefined;
}

/**
 * Flags for a Chromium in a home: no loopback candidates (the lab has real interfaces), and the
 * page's plain-HTTP origin on the lab's internet treated as secure so that it may use the camera.
 */
export function labChromiumArgs(url: string): string[] {
  return [
    ...CHROMIUM_ARGS.filter((a) => a !== '--allow-loopback-in-peer-connection'),
    `--unsafely-treat-insecure-origin-as-secure=${url}`,
    '--ignore-certificate-errors',
  ];
}

/**
 * Starts the lab, coturn (UDP, TCP, TLS on 443), the server (with its built-in STUN server) and a
 * Chromium in each home.
 */
export async function startLabWorld(options: { relayOnly?: boolean } = {}): Promise<LabWorld> {
  const tmp = tempDir('zerortc-lab-');
  const lab = await startNetLab();
  const started: { coturn?: Coturn; server?: TestServer; browsers: Browser[] } = { browsers: [] };
  const close = async (): Promise<void> => {
    await Promise.all(started.browsers.map((b) => b.close().catch(() => undefined)));
    await started.server?.close();
    await started.coturn?.stop();
    await lab.close();
    tmp.dispose();
  };
  try {
    const [webRoot, coturn] = await Promise.all([
      buildPage(join(tmp.path, 'web')),
      startCoturn({ secret: LAB_TURN_SECRET, ip: INTERNET_IP, port: LAB_TURN_PORT, tlsPort: LAB_TURNS_PORT }),
    ]);
    started.coturn = coturn;
    const server = await startServer(
      {
        host: INTERNET_IP,
        logLevel: 'warn',
        // No --stun-urls: the page gets ZeroRTC's own STUN server (the --port number on UDP).
        turnUrls: [...coturn.urls, coturn.tlsUrl ?? ''],
        turnSecret: LAB_TURN_SECRET,
        turnTtl: 600,
        ...(options.relayOnly && { iceTransportPolicy: 'relay' as const }),
      },
      { webRoot },
    );
    started.server = server;
    const url = `http://${INTERNET_IP}:${server.port}`;
    const launch = (home: HomeName): Promise<Browser> =>
      chromium.launch({ executablePath: lab.wrapper(home, CHROMIUM), args: labChromiumArgs(url), headless: true });
    const [a, b] = await Promise.all([launch('a'), launch('b')]);
    started.browsers.push(a, b);
    const browsers = { a, b };
    return {
      lab,
      coturn,
      server,
      url,
      chromium: browsers,
      async openChromium(home) {
        const context = await browsers[home].newContext({ viewport: { width: 960, height: 640 }, locale: 'en-US' });
        const page = await context.newPage();
        await page.goto(url);
        return fromPlaywright(page);
      },
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}

/** The candidate pair ICE selected on the page's peer connection (Chromium and Firefox). */
export function selectedPair(page: EnginePage): Promise<SelectedPair> {
  return page.evaluate(async () => {
    const pc = window.zerortc.client.peerConnection;
    if (!pc) return { local: undefined, remote: undefined, rtt: undefined };
    const stats = new Map<string, Record<string, unknown>>();
    (await pc.getStats()).forEach((s: Record<string, unknown>) => stats.set(String(s['id']), s));
    const all = [...stats.values()];
    const transport = all.find((s) => s['type'] === 'transport' && s['selectedCandidatePairId']);
    // Chromium names the pair on the transport; Firefox flags it `selected`.
    const pair =
      stats.get(String(transport?.['selectedCandidatePairId'])) ??
      all.find((s) => s['type'] === 'candidate-pair' && s['selected'] === true);
    // No named inner functions: the test runner's transform would wrap them in a helper the page lacks.
    const [local, remote] = [pair?.['localCandidateId'], pair?.['remoteCandidateId']].map((id) => {
      const c = stats.get(String(id));
      if (!c) return undefined;
      return {
        type: String(c['candidateType']),
        address: String(c['address'] ?? c['ip']),
        relayProtocol: typeof c['relayProtocol'] === 'string' ? c['relayProtocol'] : undefined,
      };
    });
    const rtt = pair?.['currentRoundTripTime'];
    return {
      local,
      remote,
      rtt: typeof rtt === 'number' ? rtt : undefined,
    };
  }, undefined);
}

/** Waits until `check` holds for the selected pair; returns it. Throws with the last pair seen. */
export async function waitForPair(
  page: EnginePage,
  check: (pair: SelectedPair) => boolean,
  what: string,
  timeout = 20_000,
): Promise<SelectedPair> {
  const deadline = Date.now() + timeout;
  for (;;) {
    const pair = await selectedPair(page);
    if (check(pair)) return pair;
    if (Date.now() > deadline) {
      throw new Error(`${page.engine}: selected pair never ${what}: ${JSON.stringify(pair)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/**
 * Puts two lab pages in one call as people would: `a` joins first and waits alone, then `b`
 * joins; resolves when both are `connected` with media flowing both ways.
 */
export async function connectCall(a: EnginePage, b: EnginePage, room: string): Promise<void> {
  await joinCall(a, room);
  await callState(a, 'waiting');
  await joinCall(b, room);
  await Promise.all([callState(a, 'connected', 40_000), callState(b, 'connected', 40_000)]);
  await Promise.all([callMediaFlowing(a), callMediaFlowing(b)]);
}

/**
 * After a disruption: resolves once both pages say `connected` and remote media advances on both,
 * all within `timeout` ms. The media check has what is left of the budget, not a fresh one: a
 * page may still say `connected` for a moment before it notices that its network went away.
 */
export async function mediaBackWithin(a: EnginePage, b: EnginePage, timeout: number): Promise<void> {
  const deadline = Date.now() + timeout;
  const left = (): number => Math.max(1, deadline - Date.now());
  await Promise.all([callState(a, 'connected', left()), callState(b, 'connected', left())]);
  await Promise.all([callMediaFlowing(a, left()), callMediaFlowing(b, left())]);
}
