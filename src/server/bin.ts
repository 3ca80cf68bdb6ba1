#!/usr/bin/env node
/**
 * The `zerortc` command as installed (`npx zerortc`, `npm start`, the systemd unit): runs main
 * with the Node and V8 flags of node-flags.ts for the CPUs this process may use. A shebang cannot
 * carry flags portably (`env -S` is missing on older systems and npm's Windows shims), so when
 * flags are missing this starts node once more with them and stands by: it passes signals on and
 * exits as the server does.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { availableCpus, nodeFlags } from './node-flags.ts';

const flags = nodeFlags(availableCpus());
if (flags.every((flag) => process.execArgv.includes(flag))) {
  await import('./main.ts');
} else {
  // Run from src/ by tsx in development, from dist/ once built.
  const main = fileURLToPath(new URL(import.meta.url.endsWith('.ts') ? 'main.ts' : 'main.js', import.meta.url));
  const child = spawn(process.execPath, [...flags, ...process.execArgv, main, ...process.argv.slice(2)], {
    stdio: 'inherit',
  });
  const signals = ['SIGTERM', 'SIGINT', 'SIGHUP'] as const;
  for (const signal of signals) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => {
    if (signal === null) process.exit(code ?? 1);
    for (const s of signals) process.removeAllListeners(s);
    process.kill(process.pid, signal);
  });
}
