/**
 * Summarises a V8 .cpuprofile (from `npm run bench -- --profile DIR`): the functions with the most
 * self time, and the share of time under a few subsystems of interest.
 *
 *   node --import tsx bench/profile-summary.ts DIR/CPU.*.cpuprofile [top]
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const [file, topArg] = process.argv.slice(2);
if (file === undefined) {
  process.stderr.write('usage: profile-summary FILE.cpuprofile [top]\n');
  process.exit(2);
}
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

const selfTime = new Map<number, number>();
profile.samples.forEach((id, i) => selfTime.set(id, (selfTime.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
const total = [...selfTime.values()].reduce((a, b) => a + b, 0);

function label(n: ProfileNode): string {
  const url = n.callFrame.url.replace(/^.*\/(node_modules|dist|src)\//, '$1/');
  return `${n.callFrame.functionName || '(anonymous)'} ${url}:${n.callFrame.lineNumber + 1}`;
}

const self = new Map<string, number>();
for (const [id, t] of selfTime) {
  const key = label(byId.get(id)!);
  self.set(key, (self.get(key) ?? 0) + t);
}
const top = Number(topArg ?? 30);
process.stdout.write(`total ${(total / 1e6).toFixed(2)} s sampled\n\nself time:\n`);
for (const [key, t] of [...self].sort((a, b) => b[1] - a[1]).slice(0, top)) {
  process.stdout.write(`${((100 * t) / total).toFixed(1).padStart(6)}%  ${key}\n`);
}

// Inclusive time under frames whose label matches each pattern (counted once per sample).
const groups: [string, RegExp][] = [
  ['idle', /^\(idle\)/],
  ['garbage collector', /^\(garbage collector\)/],
  ['ws receiver', /ws\/lib\/receiver/],
  ['ws sender', /ws\/lib\/sender/],
  ['decode (protocol)', /protocol\/decode/],
  ['JSON.parse', /^parse /],
  ['relay handler', /handlers\/relay/],
  ['join handler', /handlers\/join/],
  ['metrics (prom-client)', /prom-client/],
  ['logging (pino)', /pino/],
  ['signaling hub', /server\/signaling/],
];
const inclusive = new Map<string, number>();
profile.samples.forEach((id, i) => {
  const hit = new Set<string>();
  for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
    const l = label(byId.get(at)!);
    for (const [name, re] of groups) if (re.test(l)) hit.add(name);
  }
  for (const name of hit) inclusive.set(name, (inclusive.get(name) ?? 0) + (profile.timeDeltas[i] ?? 0));
});
process.stdout.write('\ninclusive time:\n');
for (const [name] of groups) {
  process.stdout.write(`${((100 * (inclusive.get(name) ?? 0)) / total).toFixed(1).padStart(6)}%  ${name}\n`);
}
