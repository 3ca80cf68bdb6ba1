/**
 * Packs ZeroRTC as `npm publish` would and installs the tarball with npm into a fresh folder
 * outside the repository, as a user's project would take it.
 *
 * The tests run in a network namespace with no way out, so npm installs offline from its cache
 * (filled by the repository's own `npm install`). Offline, npm cannot resolve version ranges
 * (that needs the registry's package lists), so the project gets a package-lock: the tarball,
 * plus the entries of the repository's lock for what it needs, exactly the versions the rest of
 * the suite tests.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

interface LockEntry {
  version?: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  [key: string]: unknown;
}

interface Lock {
  packages: Record<string, LockEntry>;
}

export interface Packed {
  /** Absolute path of the tarball. */
  readonly tarball: string;
  /** Size of the tarball in bytes. */
  readonly bytes: number;
  /** Paths inside the tarball (`package/...`). */
  readonly files: readonly string[];
}

const NPM_QUIET = ['--no-audit', '--no-fund', '--loglevel=error'];

/** `npm pack` of the built repository (`npm run build` first) into `dir`. */
export function pack(repo: string, dir: string): Packed {
  // --ignore-scripts: prepack would build again; the suite has just built dist/.
  const out = execFileSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', dir, ...NPM_QUIET], {
    cwd: repo,
    encoding: 'utf8',
  });
  const [info] = JSON.parse(out) as { filename: string; size: number; files: { path: string }[] }[];
  if (!info) throw new Error(`npm pack printed no result: ${out}`);
  return {
    tarball: join(dir, info.filename),
    bytes: info.size,
    files: info.files.map((f) => `package/${f.path}`),
  };
}

/** The lock path npm's resolution would find `name` at, looking up from `from`. */
function resolveIn(packages: Record<string, LockEntry>, from: string, name: string): string | undefined {
  let base = from;
  for (;;) {
    const candidate = base === '' ? `node_modules/${name}` : `${base}/node_modules/${name}`;
    if (packages[candidate]) return candidate;
    if (base === '') return undefined;
    const cut = base.lastIndexOf('/node_modules/');
    base = cut < 0 ? '' : base.slice(0, cut);
  }
}

/**
 * Installs `packed` and `extra` (names of packages in the repository's lock, e.g. express) into
 * `dir`, an empty folder: `npm install --offline` (npm ci refuses a lock without the optional packages of other platforms that the repository's lock leaves out).
 */
export function installPacked(repo: string, dir: string, packed: Packed, extra: readonly string[]): void {
  const repoLock = JSON.parse(readFileSync(join(repo, 'package-lock.json'), 'utf8')) as Lock;
  const pkg = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as {
    name: string;
    version: string;
    license: string;
    dependencies: Record<string, string>;
    bin: Record<string, string>;
    engines: Record<string, string>;
  };
  const file = `file:${packed.tarball.slice(dir.length + 1)}`;
  const integrity = `sha512-${createHash('sha512').update(readFileSync(packed.tarball)).digest('base64')}`;

  const packages: Record<string, LockEntry> = {};
  const queue: [string, string][] = [...Object.keys(pkg.dependencies), ...extra].map((name) => ['', name]);
  for (let next = queue.shift(); next; next = queue.shift()) {
    const [from, name] = next;
    const at = resolveIn(repoLock.packages, from, name);
    if (at === undefined) {
      const optional = repoLock.packages[from]?.optionalDependencies?.[name] !== undefined;
      if (optional) continue;
      throw new Error(`${name} (needed by ${from || 'the project'}) is not in package-lock.json`);
    }
    if (packages[at]) continue;
    const entry: LockEntry = { ...repoLock.packages[at] };
    for (const flag of ['dev', 'devOptional', 'peer']) delete entry[flag];
    // This repository's lock leaves `resolved` out (npm then asks the registry where a version
    // lives, which it cannot offline); the tarball's address is the registry's usual one.
    if (entry['resolved'] === undefined && typeof entry.version === 'string' && !entry['link']) {
      const fullName = at.slice(at.lastIndexOf('node_modules/') + 'node_modules/'.length);
      const base = fullName.slice(fullName.indexOf('/') + 1);
      entry['resolved'] = `https://registry.npmjs.org/${fullName}/-/${base}-${entry.version}.tgz`;
    }
    packages[at] = entry;
    const peers = Object.keys(entry.peerDependencies ?? {}).filter((p) => !entry.peerDependenciesMeta?.[p]?.optional);
    for (const dep of [
      ...Object.keys(entry.dependencies ?? {}),
      ...Object.keys(entry.optionalDependencies ?? {}),
      ...peers,
    ]) {
      queue.push([at, dep]);
    }
  }

  const dependencies: Record<string, string> = { [pkg.name]: file };
  for (const name of extra) dependencies[name] = repoLock.packages[`node_modules/${name}`]?.version ?? '*';
  const project = { name: 'zerortc-package-test', private: true, type: 'module', dependencies };
  writeFileSync(join(dir, 'package.json'), JSON.stringify(project, null, 2));
  writeFileSync(
    join(dir, 'package-lock.json'),
    JSON.stringify(
      {
        name: project.name,
        lockfileVersion: 3,
        requires: true,
        packages: {
          '': { name: project.name, dependencies },
          [`node_modules/${pkg.name}`]: {
            version: pkg.version,
            resolved: file,
            integrity,
            license: pkg.license,
            dependencies: pkg.dependencies,
            bin: pkg.bin,
            engines: pkg.engines,
          },
          ...packages,
        },
      },
      null,
      2,
    ),
  );
  execFileSync('npm', ['install', '--offline', '--ignore-scripts', ...NPM_QUIET], { cwd: dir, stdio: 'inherit' });
}
