// Builds the server and protocol (tsc, to dist/), the client library with its types (tsc, to
// dist/client/) and the call page (esbuild, to dist/web/: the script, and the style bundled from its
// parts in src/web/styles/).
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { build } from 'esbuild';

rmSync('dist', { recursive: true, force: true });
for (const project of ['tsconfig.server.json', 'tsconfig.client.build.json']) {
  execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', project], { stdio: 'inherit' });
}

mkdirSync('dist/web', { recursive: true });
if (existsSync('src/web/main.ts')) {
  await build({
    entryPoints: { app: 'src/web/main.ts', style: 'src/web/style.css' },
    bundle: true,
    format: 'esm',
    target: ['chrome100', 'firefox100', 'safari15'],
    minify: true,
    sourcemap: true,
    outdir: 'dist/web',
    logLevel: 'warning',
  });
}
for (const file of ['index.html', 'favicon.svg']) {
  if (existsSync(`src/web/${file}`)) cpSync(`src/web/${file}`, `dist/web/${file}`);
}
