/**
 * A network lab for browser tests: an "internet" and homes behind NAT routers, made of network
 * namespaces inside the test suite's own `unshare --net` namespace, with addresses from RFC 5737
 * only. Every namespace is held by a `unshare --net sleep infinity` process (no /run/netns, so
 * nothing shows on the host) and entered with `nsenter`; `close()` kills those processes by PID,
 * which removes the namespaces and every veth in them.
 *
 *   suite namespace = the internet: bridge zl-inet 203.0.113.1/24 (ZeroRTC server, coturn)
 *     |-- router a  wan 203.0.113.11 --- home a  eth0 198.51.100.10/26 (gateway .1)
 *     |-- router b  wan 203.0.113.12 --- home b  eth0 198.51.100.130/26 (gateway .129)
 *     `-- router m  wan 203.0.113.13 --- home a  wwan (198.51.100.70/26 after switchNetwork)
 *
 * Router m is a mobile carrier: `switchNetwork('a')` is a phone leaving Wi-Fi, home a's eth0
 * loses its address for good and wwan gets one. Each router masquerades its LAN behind its WAN
 * address, endpoint-independently (Linux keeps the source port) or symmetrically
 * (`--random-fully`: a new port per destination), and can drop UDP, cut the link, or make it
 * lossy and slow (iptables' statistic match, and the nfq-delay helper on an NFQUEUE since this
 * kernel has no sch_netem).
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';

const exec = promisify(execFile);

/** The internet side of the lab: the server and coturn listen here. */
export const INTERNET_IP = '203.0.113.1';

export type HomeName = 'a' | 'b';
type RouterName = HomeName | 'm';
export type NatKind = 'endpoint-independent' | 'symmetric';

interface RouterPlan {
  readonly wan: string;
  readonly lan: string;
  readonly prefix: string;
}

const ROUTERS: Record<RouterName, RouterPlan> = {
  a: { wan: '203.0.113.11', lan: '198.51.100.1', prefix: '198.51.100.0/26' },
  m: { wan: '203.0.113.13', lan: '198.51.100.65', prefix: '198.51.100.64/26' },
  b: { wan: '203.0.113.12', lan: '198.51.100.129', prefix: '198.51.100.128/26' },
};

/** The home's address on its Wi-Fi (eth0) and, for home a, on the mobile network (wwan). */
export const HOME_IPS = { a: '198.51.100.10', b: '198.51.100.130', mobile: '198.51.100.70' } as const;

/** The public (NAT) address of each router. */
export const PUBLIC_IPS = { a: ROUTERS.a.wan, b: ROUTERS.b.wan, mobile: ROUTERS.m.wan } as const;

/** The lab's state and knobs. */
export interface NetLab {
  /** PID of the process holding a home's namespace (for `nsenter -t PID -n`). */
  homePid(home: HomeName): number;
  /** A script that runs `binary` inside the home's namespace (a browser driver's executable). */
  wrapper(home: HomeName, binary: string): string;
  /** Runs a shell script inside a home's or router's namespace. */
  run(where: HomeName | `router-${RouterName}`, script: string): Promise<string>;
  /** How the router of `home` (and the mobile router) translates addresses. */
  setNat(home: HomeName, kind: NatKind): Promise<void>;
  /**
   * The firewall of the router of `home`: `open`; `no-udp` drops every UDP packet (TCP goes
   * through); `web-only` drops UDP and TCP to port 3478 too (TURN's usual port): only
   * TCP to other ports, such as 443 and the page's own, goes out, as in a strict office.
   */
  firewall(home: HomeName, mode: 'open' | 'no-udp' | 'web-only'): Promise<void>;
  /** Drops everything at the router of `home` until called with false: a link cut. */
  cut(home: HomeName, on: boolean): Promise<void>;
  /** Random loss (0-1) and a fixed delay (ms) in each direction at the router of `home`. */
  impair(home: HomeName, impairment: { loss: number; delayMs: number } | undefined): Promise<void>;
  /** Home a leaves its Wi-Fi for good and joins the mobile network. */
  switchNetwork(): Promise<void>;
  /** Back to the starting point: home a on its Wi-Fi, no cut, no impairment, open firewalls, EIM NAT. */
  reset(): Promise<void>;
  close(): Promise<void>;
}

async function holder(): Promise<ChildProcess> {
  const child = spawn('unshare', ['--net', 'sleep', 'infinity'], { stdio: 'ignore' });
  await new Promise<void>((resolve, reject) => {
    child.once('spawn', () => resolve());
    child.once('error', reject);
  });
  // unshare execs sleep after the unshare(2) call; wait until the namespace is the new one.
  for (let i = 0; i < 100; i++) {
    const [mine, its] = await Promise.all([
      exec('readlink', ['/proc/self/ns/net']),
      exec('readlink', [`/proc/${child.pid}/ns/net`]).catch(() => ({ stdout: '' })),
    ]);
    const sleeping = await exec('readlink', [`/proc/${child.pid}/exe`]).catch(() => ({ stdout: '' }));
    if (its.stdout && its.stdout !== mine.stdout && sleeping.stdout.includes('sleep')) return child;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error('the namespace holder did not start');
}

async function sh(pid: number | undefined, script: string): Promise<string> {
  try {
    const { stdout } =
      pid === undefined
        ? await exec('bash', ['-ec', script])
        : await exec('nsenter', ['-t', String(pid), '-n', 'bash', '-ec', script]);
    return stdout;
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`lab command failed: ${script}\n${e.stderr ?? e.message}`, { cause: err });
  }
}

/** Compiles the delay helper once per lab (gcc and libnetfilter-queue-dev: scripts/system-deps.sh). */
async function buildDelayHelper(dir: string): Promise<string> {
  const out = join(dir, 'nfq-delay');
  await exec('gcc', ['-O2', '-o', out, join(import.meta.dirname, 'nfq-delay.c'), '-lnetfilter_queue']);
  return out;
}

/** Builds the lab. Call `close()` in an after-hook. */
export async function startNetLab(): Promise<NetLab> {
  const dir = mkdtempSync(join(tmpdir(), 'zerortc-netlab-'));
  const holders: ChildProcess[] = [];
  const delayers = new Map<HomeName, ChildProcess>();
  const pids = new Map<string, number>();
  const pid = (name: string): number => {
    const p = pids.get(name);
    if (p === undefined) throw new Error(`no namespace ${name}`);
    return p;
  };
  const inNs = (where: string, script: string): Promise<string> => sh(pid(where), script);

  const close = async (): Promise<void> => {
    for (const child of [...delayers.values(), ...holders]) {
      if (child.exitCode === null && child.pid !== undefined) {
        const exited = new Promise((r) => child.once('exit', r));
        process.kill(child.pid, 'SIGKILL');
        await exited;
      }
    }
    await sh(undefined, 'ip link del zl-inet 2>/dev/null || true');
    rmSync(dir, { recursive: true, force: true });
  };

  try {
    for (const name of ['router-a', 'router-b', 'router-m', 'a', 'b']) {
      const child = await holder();
      holders.push(child);
      pids.set(name, child.pid ?? 0);
    }
    // The internet: a bridge the routers' WAN ports join. The homes' prefixes are not routed
    // here: only NAT'ed traffic crosses, and a packet to a home's own address dies silently, as
    // on the internet. (Not an `unreachable` or `blackhole` route: those fail the sender's
    // sendto() at once, and coturn closes an allocation whose relay socket sees that, when it
    // relays an ICE check to a peer's private host candidate.)
    await sh(
      undefined,
      [
        // The internet is a plain switch: bridged frames must not go through this namespace's
        // netfilter (br_netfilter is loaded on this machine), whose conntrack lost most of the
        // relayed media between the two routers.
        'if [ -e /proc/sys/net/bridge ]; then sysctl -qw net.bridge.bridge-nf-call-iptables=0 net.bridge.bridge-nf-call-ip6tables=0 net.bridge.bridge-nf-call-arptables=0; fi',
        'ip link add zl-inet type bridge',
        `ip addr add ${INTERNET_IP}/24 dev zl-inet`,
        'ip link set zl-inet up',
      ].join(' && '),
    );
    for (const [name, plan] of Object.entries(ROUTERS) as [RouterName, RouterPlan][]) {
      const r = pid(`router-${name}`);
      await sh(
        undefined,
        [
          `ip link add zl-wan-${name} type veth peer name wan netns ${r}`,
          `ip link set zl-wan-${name} master zl-inet up`,
        ].join(' && '),
      );
      const home = name === 'm' ? 'a' : name;
      const homeIf = name === 'm' ? 'wwan' : 'eth0';
      await inNs(
        `router-${name}`,
        [
          'ip link set lo up',
          `ip link add lan type veth peer name ${homeIf} netns ${pid(home)}`,
          `ip addr add ${plan.wan}/24 dev wan`,
          `ip addr add ${plan.lan}/26 dev lan`,
          'ip link set wan up',
          'ip link set lan up',
          `ip route add default via ${INTERNET_IP}`,
          'sysctl -qw net.ipv4.ip_forward=1',
          // Chains the knobs fill; FORWARD visits them in this order.
          'iptables -N lab-cut',
          'iptables -N lab-udp',
          'iptables -N lab-impair',
          'iptables -A FORWARD -j lab-cut',
          'iptables -A FORWARD -j lab-udp',
          'iptables -A FORWARD -j lab-impair',
          'iptables -t nat -A POSTROUTING -o wan -j MASQUERADE',
          // As a home router's firewall does: nothing from the internet is for the router itself.
          // Without it, a peer's hole-punching packet that arrives before our own first packet
          // leaves a conntrack entry that takes the port our NAT mapping needs, and the mapping
          // moves to another port: two endpoint-independent NATs could not meet directly.
          'iptables -A INPUT -i wan -j DROP',
        ].join(' && '),
      );
    }
    await inNs(
      'a',
      [
        'ip link set lo up',
        'ip link set eth0 up',
        'ip link set wwan up',
        `ip addr add ${HOME_IPS.a}/26 dev eth0`,
        `ip route add default via ${ROUTERS.a.lan}`,
      ].join(' && '),
    );
    await inNs(
      'b',
      [
        'ip link set lo up',
        'ip link set eth0 up',
        `ip addr add ${HOME_IPS.b}/26 dev eth0`,
        `ip route add default via ${ROUTERS.b.lan}`,
      ].join(' && '),
    );
  } catch (err) {
    await close();
    throw err;
  }

  const delayHelper = await buildDelayHelper(dir);

  const setNat = async (home: HomeName, kind: NatKind): Promise<void> => {
    const flag = kind === 'symmetric' ? ' --random-fully' : '';
    for (const r of home === 'a' ? (['a', 'm'] as const) : (['b'] as const)) {
      await inNs(
        `router-${r}`,
        `iptables -t nat -F POSTROUTING && iptables -t nat -A POSTROUTING -o wan -j MASQUERADE${flag}`,
      );
    }
  };

  const impair = async (home: HomeName, impairment: { loss: number; delayMs: number } | undefined): Promise<void> => {
    const router = `router-${home}`;
    await inNs(router, 'iptables -F lab-impair');
    const old = delayers.get(home);
    delayers.delete(home);
    if (old && old.exitCode === null && old.pid !== undefined) {
      const exited = new Promise((r) => old.once('exit', r));
      process.kill(old.pid, 'SIGKILL');
      await exited;
    }
    if (!impairment) return;
    const queue = home === 'a' ? 1 : 2;
    if (impairment.delayMs > 0) {
      const child = spawn(
        'nsenter',
        ['-t', String(pid(router)), '-n', delayHelper, String(queue), String(impairment.delayMs)],
        {
          stdio: ['ignore', 'pipe', 'inherit'],
        },
      );
      delayers.set(home, child);
      const lines = createInterface({ input: child.stdout });
      await new Promise<void>((resolve, reject) => {
        lines.once('line', () => resolve());
        child.once('exit', (code) => reject(new Error(`nfq-delay exited with ${code}`)));
      });
    }
    const rules: string[] = [];
    if (impairment.loss > 0) {
      rules.push(`iptables -A lab-impair -m statistic --mode random --probability ${impairment.loss} -j DROP`);
    }
    if (impairment.delayMs > 0) rules.push(`iptables -A lab-impair -j NFQUEUE --queue-num ${queue}`);
    if (rules.length) await inNs(router, rules.join(' && '));
  };

  const lab: NetLab = {
    homePid: (home) => pid(home),
    wrapper(home, binary) {
      const path = join(dir, `${home}-${binary.split('/').pop() ?? 'bin'}`);
      writeFileSync(path, `#!/bin/sh\nexec nsenter -t ${pid(home)} -n ${binary} "$@"\n`);
      chmodSync(path, 0o755);
      return path;
    },
    run: (where, script) => inNs(where, script),
    setNat,
    async firewall(home, mode) {
      const rules = ['iptables -F lab-udp'];
      if (mode !== 'open') rules.push('iptables -A lab-udp -p udp -j DROP');
      if (mode === 'web-only') rules.push('iptables -A lab-udp -p tcp --dport 3478 -j DROP');
      await inNs(`router-${home}`, rules.join(' && '));
    },
    cut: (home, on) =>
      inNs(`router-${home}`, `iptables -F lab-cut${on ? ' && iptables -A lab-cut -j DROP' : ''}`).then(() => undefined),
    impair,
    async switchNetwork() {
      await inNs(
        'a',
        [
          'ip addr flush dev eth0',
          `ip addr add ${HOME_IPS.mobile}/26 dev wwan`,
          `ip route replace default via ${ROUTERS.m.lan}`,
        ].join(' && '),
      );
    },
    async reset() {
      await impair('a', undefined);
      await impair('b', undefined);
      for (const r of ['a', 'b', 'm'] as const) await inNs(`router-${r}`, 'iptables -F lab-cut && iptables -F lab-udp');
      await setNat('a', 'endpoint-independent');
      await setNat('b', 'endpoint-independent');
      await inNs(
        'a',
        [
          'ip addr flush dev wwan',
          'ip addr flush dev eth0',
          `ip addr add ${HOME_IPS.a}/26 dev eth0`,
          `ip route replace default via ${ROUTERS.a.lan}`,
        ].join(' && '),
      );
    },
    close,
  };
  return lab;
}
