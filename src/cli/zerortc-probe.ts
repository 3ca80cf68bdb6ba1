#!/usr/bin/env node
/**
 * The `zerortc-probe` command: calls whoever is in a room on a ZeroRTC server and reports on the
 * deployment. Exit codes: 0 call worked, 1 call failed (reason printed), 2 usage error.
 */
import { parseProbeArgs, USAGE, UsageError } from './probe-options.ts';
import { formatReport } from './probe-report.ts';
import { runProbe } from './probe-run.ts';

async function main(): Promise<number> {
  let options;
  try {
    options = parseProbeArgs(process.argv.slice(2));
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`zerortc-probe: ${err.message}\n\n${USAGE}`);
    return 2;
  }
  if (!options) {
    process.stdout.write(USAGE);
    return 0;
  }
  const report = await runProbe(options);
  process.stdout.write(options.json ? JSON.stringify(report, null, 2) + '\n' : formatReport(report));
  if (!report.ok && !options.json) process.stderr.write(`zerortc-probe: ${report.failure?.message ?? 'failed'}\n`);
  return report.ok ? 0 : 1;
}

main().then(
  (code) => {
    // werift keeps sockets and timers alive after close(): exit once the report is out.
    process.stdout.write('', () => process.exit(code));
  },
  (err: unknown) => {
    process.stderr.write(`zerortc-probe: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  },
);
