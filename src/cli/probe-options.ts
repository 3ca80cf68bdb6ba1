/**
 * zerortc-probe's command line: `zerortc-probe [options] <ws-url> <room>`.
 */
import { parseArgs } from 'node:util';
import type { ProbeOptions } from './probe-types.ts';

export const USAGE = `Usage: zerortc-probe [options] <ws-url> <room>

Joins <room> on the ZeroRTC server at <ws-url> (for example wss://call.example.com/ws), calls
whoever is in the room (a browser, or another zerortc-probe), and reports what an operator needs
to know: signaling round trip, TURN, ICE candidates, time to connected, media and data channel.
Exits 0 when the call worked, 1 with the reason in words when it did not, 2 on a usage error.

Options:
  --uid <id>                    the uid to join as (default: probe-<random>)
  --timeout <seconds>           wait this long for a peer, then for the connection (default 30)
  --media-seconds <seconds>     count media this long once connected (default 3)
  --ice-transport-policy <p>    all or relay (default: what the server says); relay proves TURN
  --loopback                    add 127.0.0.1 as a host candidate and use loopback candidates
                                only (a server and both peers on one machine)
  --json                        print the report as JSON
  -h, --help                    show this text
`;

export class UsageError extends Error {}

export interface CliOptions extends ProbeOptions {
  readonly json: boolean;
}

function seconds(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback * 1000;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0 || n > 3600)
    throw new UsageError(`--${name} must be a number of seconds (0 < n ≤ 3600)`);
  return n * 1000;
}

/** Parses argv (without node and script); returns undefined for --help. */
export function parseProbeArgs(argv: readonly string[]): CliOptions | undefined {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        uid: { type: 'string' },
        timeout: { type: 'string' },
        'media-seconds': { type: 'string' },
        'ice-transport-policy': { type: 'string' },
        loopback: { type: 'boolean', default: false },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) return undefined;
  if (positionals.length !== 2) throw new UsageError('expected two arguments: <ws-url> <room>');
  const [wsUrl, roomId] = positionals as [string, string];
  let url: URL;
  try {
    url = new URL(wsUrl);
  } catch {
    throw new UsageError(`<ws-url> is not a URL: ${wsUrl}`);
  }
  if (url.protocol !== 'ws:' && url.protocol !== 'wss:')
    throw new UsageError(`<ws-url> must start with ws:// or wss:// (got ${url.protocol})`);
  if (roomId.length < 1 || roomId.length > 64) throw new UsageError('<room> must be 1 to 64 characters');
  if (values.uid !== undefined && (values.uid.length < 1 || values.uid.length > 64))
    throw new UsageError('--uid must be 1 to 64 characters');
  const policy = values['ice-transport-policy'];
  if (policy !== undefined && policy !== 'all' && policy !== 'relay')
    throw new UsageError('--ice-transport-policy must be all or relay');
  return {
    wsUrl,
    roomId,
    uid: values.uid,
    timeoutMs: seconds('timeout', values.timeout, 30),
    mediaMs: seconds('media-seconds', values['media-seconds'], 3),
    iceTransportPolicy: policy,
    loopback: values.loopback,
    json: values.json,
  };
}
