/**
 * Runs the zerortc-probe command as a child process, as an operator would, and collects its exit
 * code and output. A probe still running after `killAfterMs` is killed by PID.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ProbeReport } from '../../src/cli/probe-types.ts';

const ENTRY = fileURLToPath(new URL('../../src/cli/zerortc-probe.ts', import.meta.url));

export interface ProbeResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** The parsed report when the probe ran with --json. */
  readonly report: ProbeReport | undefined;
}

export function runProbeCli(args: readonly string[], killAfterMs = 60_000): Promise<ProbeResult> {
  const child = spawn(process.execPath, ['--import', 'tsx', ENTRY, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const killer = setTimeout(() => child.pid !== undefined && process.kill(child.pid, 'SIGKILL'), killAfterMs);
  return new Promise((resolve) => {
    child.once('close', (code) => {
      clearTimeout(killer);
      let report: ProbeReport | undefined;
      if (args.includes('--json')) {
        try {
          report = JSON.parse(stdout) as ProbeReport;
        } catch {
          report = undefined;
        }
      }
      resolve({ code, stdout, stderr, report });
    });
  });
}

/** Why a probe run failed, for an assertion message. */
export function explain(result: ProbeResult): string {
  return `exit ${result.code}\nstdout:\n${result.stdout}\nstderr:\n${result.stderr.slice(-3000)}`;
}
