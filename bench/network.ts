/**
 * Calls on real networks, in the network lab of the tests (test/helpers/netlab.ts): for each
 * scenario, the call setup time (second person's click on join to both pages `connected`), and
 * for the link cut and the change of network the time to recover (link restored, or network
 * changed, to both pages `connected` again with remote frames advancing). Min, median and max
 * over N calls. The first row, the lab with nothing in the way (endpoint-independent NAT both
 * sides, direct), is the baseline of the same run.
 *
 * Needs root and its own network namespace, like the tests:
 *   unshare --net bash -c 'ip link set lo up && npm run bench:network'
 *   CALLS=10 ... npm run bench:network -- --write   # also updates docs/benchmarks.md
 *   SCENARIO=change ... npm run bench:network       # only the scenarios whose name has "change"
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { callMediaFlowing, callState, joinCall, type EnginePage } from '../test/helpers/engines.ts';
import { mediaBackWithin, startLabWorld, type LabWorld } from '../test/helpers/lab-call.ts';
import { launchLabFirefox, type LabFirefox } from '../test/helpers/lab-firefox.ts';

const CALLS = Number(process.env['CALLS'] ?? 10);
const WRITE = process.argv.includes('--write');
/** Only the scenarios whose name contains this (e.g. SCENARIO=change), for a quick look. */
const ONLY = process.env['SCENARIO'];
const CUT_MS = 12_000;

interface Scenario {
  readonly name: string;
  readonly setup: (w: LabWorld) => Promise<void>;
  /** Breaks and restores the network mid-call; resolves at the moment recovery may start. */
  readonly disrupt?: (w: LabWorld, a: EnginePage, b: EnginePage) => Promise<void>;
  /** Home a's person uses Firefox (ESR) instead of Chromium. */
  readonly firefoxA?: boolean;
}

const SCENARIOS: Scenario[] = [
  { name: 'Both homes behind endpoint-independent NAT (direct, baseline)', setup: () => Promise.resolve() },
  {
    name: 'Both homes behind symmetric NAT (TURN relay, UDP)',
    setup: async (w) => {
      await w.lab.setNat('a', 'symmetric');
      await w.lab.setNat('b', 'symmetric');
    },
  },
  { name: 'One home drops all UDP (TURN over TCP)', setup: (w) => w.lab.firewall('a', 'no-udp') },
  { name: 'One home lets only TCP 443 out (TURN over TLS)', setup: (w) => w.lab.firewall('a', 'web-only') },
  {
    name: '5 % loss and 100 ms delay each way',
    setup: (w) => w.lab.impair('a', { loss: 0.05, delayMs: 100 }),
  },
  {
    name: 'Link cut of 12 s mid-call',
    setup: () => Promise.resolve(),
    disrupt: async (w, a, b) => {
      await w.lab.cut('a', true);
      await Promise.all([callState(a, 'reconnecting', CUT_MS), callState(b, 'reconnecting', CUT_MS)]);
      await new Promise((resolve) => setTimeout(resolve, CUT_MS));
      await w.lab.cut('a', false);
    },
  },
  {
    name: 'Change of network mid-call (Wi-Fi to mobile)',
    setup: () => Promise.resolve(),
    disrupt: (w) => w.lab.switchNetwork(),
  },
  {
    name: 'Change of network mid-call, Firefox side (Wi-Fi to mobile)',
    setup: () => Promise.resolve(),
    disrupt: (w) => w.lab.switchNetwork(),
    firefoxA: true,
  },
];

/** Firefox in home a, launched for the first scenario that wants it. */
let firefox: LabFirefox | undefined;

interface Row {
  name: string;
  setup: number[];
  recovery: number[];
  failures: number;
}

async function oneCall(w: LabWorld, scenario: Scenario, room: string, row: Row): Promise<void> {
  await w.lab.reset();
  await scenario.setup(w);
  const openA = async (): Promise<EnginePage> => {
    if (!scenario.firefoxA) return w.openChromium('a');
    firefox ??= await launchLabFirefox(w.lab, 'a', w.url);
    return firefox.open();
  };
  const [a, b] = await Promise.all([openA(), w.openChromium('b')]);
  try {
    await joinCall(a, room);
    await callState(a, 'waiting', 30_000);
    const start = Date.now();
    await joinCall(b, room);
    await Promise.all([callState(a, 'connected', 60_000), callState(b, 'connected', 60_000)]);
    row.setup.push(Date.now() - start);
    if (scenario.disrupt) {
      await Promise.all([callMediaFlowing(a), callMediaFlowing(b)]);
      await scenario.disrupt(w, a, b);
      const from = Date.now();
      // Counted once both say `connected` and media advances on both sides again.
      await mediaBackWithin(a, b, 90_000);
      row.recovery.push(Date.now() - from);
    }
  } catch (err) {
    row.failures += 1;
    process.stderr.write(`${scenario.name}: ${String(err)}\n`);
  } finally {
    await Promise.all([a.close().catch(() => undefined), b.close().catch(() => undefined)]);
  }
}

function stats(values: number[]): string {
  if (values.length === 0) return '– | – | –';
  const sorted = [...values].sort((x, y) => x - y);
  const median = sorted[Math.floor((sorted.length - 1) / 2)] ?? 0;
  const s = (ms: number): string => (ms / 1000).toFixed(2);
  return `${s(sorted[0] ?? 0)} | ${s(median)} | ${s(sorted[sorted.length - 1] ?? 0)}`;
}

async function main(): Promise<void> {
  const world = await startLabWorld();
  const rows: Row[] = SCENARIOS.map((s) => ({ name: s.name, setup: [], recovery: [], failures: 0 }));
  let room = 0;
  try {
    for (const [i, scenario] of SCENARIOS.entries()) {
      if (ONLY !== undefined && !scenario.name.toLowerCase().includes(ONLY.toLowerCase())) continue;
      for (let n = 0; n < CALLS; n++) {
        await oneCall(world, scenario, `bench-${++room}`, rows[i]!);
        process.stderr.write('.');
      }
      process.stderr.write(` ${scenario.name}\n`);
    }
  } finally {
    await firefox?.close();
    await world.close();
  }
  const table = [
    '| scenario | setup min | median | max (s) | recovery min | median | max (s) | failed calls |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
    ...rows.map(
      (r) =>
        `| ${r.name} | ${stats(r.setup)} | ${r.recovery.length ? stats(r.recovery) : '– | – | –'} | ${r.failures}/${CALLS} |`,
    ),
  ].join('\n');
  const section = [
    '## Calls on real networks',
    '',
    `${CALLS} calls per scenario in the network lab of the tests (\`test/helpers/netlab.ts\`): two`,
    'headless Chromiums (in the last row, Firefox ESR in home a), each in a home namespace behind',
    "its own NAT router, the server (with its built-in STUN server) and coturn on the lab's",
    '"internet". Setup: the second person\'s click',
    'on join to both pages `connected`. Recovery: from the link coming back (cut) or the network',
    'changing (home a loses its Wi-Fi address for good and joins a mobile network) to both pages',
    '`connected` again and remote media advancing on both (5 more decoded frames and 4800 more audio',
    'samples, polled every 100 ms: this check is included; a page may still say `connected` for a',
    'moment after the change). The first row, nothing',
    'in the way, is the baseline of the same run.',
    `Run: \`unshare --net bash -c 'ip link set lo up && npm run bench:network'\` (\`CALLS=N\`, \`-- --write\`).`,
    `Machine: ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown'}), shared with other work while measured.`,
    '',
    table,
    '',
  ].join('\n');
  process.stdout.write(section + '\n');
  if (WRITE && ONLY === undefined) {
    const path = 'docs/benchmarks.md';
    const doc = existsSync(path) ? readFileSync(path, 'utf8') : '# Benchmarks\n';
    const start = doc.indexOf('## Calls on real networks');
    let next = start < 0 ? -1 : doc.indexOf('\n## ', start + 1);
    if (next >= 0) next += 1;
    const updated =
      start < 0
        ? `${doc.trimEnd()}\n\n${section}`
        : doc.slice(0, start) + section + (next < 0 ? '' : '\n' + doc.slice(next));
    writeFileSync(path, updated);
  }
}

await main();
