/**
 * The signaling benchmark's command line and what it asks for: the modes to run and, per mode,
 * the connections, rounds, windows and scenario lengths (bench/signaling.ts runs them).
 */
import { parseArgs } from 'node:util';
import type { Mode } from './signaling-table.ts';

const USAGE = `npm run bench -- [options]          (docs/benchmarks.md)

  --browser-like           only the browser-like mode (2,000 connections, every room relaying)
  --batched                only the batched mode (10,000 connections, 100 rooms relaying)
                           (neither or both: both modes)
  --quick                  fewer connections, one short round: a smoke run
  --connections N          connections per server (even)
  --rounds N               rounds per mode (1-5)
  --windows N              throughput and latency windows per server per round (1-9)
  --no-build               use dist/ as it is (npm run build first)
  --json FILE              every figure, every window, as JSON
  --profile DIR            both servers under node --cpu-prof, profiles in DIR
  --server-log DIR         both servers' standard output and error in DIR
  --zerortc-args "ARGS"    more arguments for the zerortc command
  --node-flags "FLAGS"     node flags for ZeroRTC instead of its own
  --baseline-node-flags "FLAGS"  node flags for the bare relay
  --nice N                 run servers and load generators at this niceness (root: -5)
  --help                   this text`;

function parseFlags() {
  try {
    return parseArgs({
      options: {
        help: { type: 'boolean', default: false },
        quick: { type: 'boolean', default: false },
        'browser-like': { type: 'boolean', default: false },
        batched: { type: 'boolean', default: false },
        connections: { type: 'string' },
        'no-build': { type: 'boolean', default: false },
        profile: { type: 'string' },
        'zerortc-args': { type: 'string' },
        'node-flags': { type: 'string' },
        'baseline-node-flags': { type: 'string' },
        nice: { type: 'string' },
        rounds: { type: 'string' },
        windows: { type: 'string' },
        json: { type: 'string' },
        'server-log': { type: 'string' },
      },
    }).values;
  } catch (err) {
    process.stderr.write(`bench: ${(err as Error).message}\n\n${USAGE}\n`);
    process.exit(2);
  }
}

export const flags = parseFlags();
if (flags.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}

/**
 * `batched`: the original scenario (10,000 connections, 100 rooms relaying, 8 messages in flight
 * per member, so the server reads about 15 frames per read). `browser-like`: every connection
 * active (2,000 in 1,000 rooms by default), one message in flight per member, so every write of
 * the load generator is one frame and every read of the server holds one frame, as with browsers.
 */

export interface Settings {
  mode: Mode;
  connections: number;
  rounds: number;
  /** Throughput and latency windows per server per round, alternated between the servers. */
  windows: number;
  joinWindow: number;
  latencyRooms: number;
  latencyRate: number;
  latencyWarmupMs: number;
  latencyMeasureMs: number;
  throughputRooms: number;
  throughputWindow: number;
  throughputWarmupMs: number;
  throughputMeasureMs: number;
  /** Memory per connection read without a forced collection (browser-like) or after one. */
  forcedGcOnly: boolean;
}

function settingsFor(mode: Mode): Settings {
  const quick = flags.quick;
  const base =
    mode === 'batched'
      ? {
          connections: quick ? 1000 : 10_000,
          rounds: quick ? 1 : 2,
          windows: 1,
          latencyRooms: quick ? 100 : 250,
          throughputRooms: quick ? 50 : 100,
          throughputWindow: 8,
          forcedGcOnly: true,
        }
      : {
          connections: quick ? 1000 : 2000,
          rounds: quick ? 1 : 3,
          windows: quick ? 1 : 3,
          latencyRooms: 0,
          throughputRooms: 0,
          throughputWindow: 1,
          forcedGcOnly: false,
        };
  const settings: Settings = {
    mode,
    ...base,
    joinWindow: 100,
    latencyRate: 5000,
    latencyWarmupMs: quick ? 300 : 1000,
    // Browser-like rounds alternate three windows of each: shorter windows, more pairs.
    latencyMeasureMs: quick ? 1000 : mode === 'browser-like' ? 4000 : 5000,
    throughputWarmupMs: quick ? 300 : 1000,
    throughputMeasureMs: quick ? 1000 : mode === 'browser-like' ? 3000 : 5000,
  };
  if (flags.connections !== undefined) {
    const n = Number(flags.connections);
    if (!Number.isInteger(n) || n < 2 || n % 2 !== 0) throw new Error('--connections must be an even number >= 2');
    settings.connections = n;
  }
  if (flags.rounds !== undefined) settings.rounds = Math.max(1, Math.min(5, Number(flags.rounds) || 1));
  if (flags.windows !== undefined) settings.windows = Math.max(1, Math.min(9, Number(flags.windows) || 1));
  // Browser-like: every room relays, in both scenarios.
  if (mode === 'browser-like') {
    settings.latencyRooms = settings.connections / 2;
    settings.throughputRooms = settings.connections / 2;
  }
  return settings;
}

const MODES: Mode[] =
  flags['browser-like'] && !flags.batched
    ? ['browser-like']
    : flags.batched && !flags['browser-like']
      ? ['batched']
      : ['batched', 'browser-like'];
export const PLAN = MODES.map(settingsFor);
