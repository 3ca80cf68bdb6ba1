/**
 * Options: one typed object of defaults, one parser that reads flags and environment variables
 * (the flag wins) and refuses a bad value with a message that names the option.
 */
import { parseArgs } from 'node:util';

export type IceTransportPolicy = 'all' | 'relay';

export interface Config {
  readonly port: number;
  readonly host: string;
  readonly turnSecret: string | undefined;
  readonly turnUrls: readonly string[];
  readonly stunUrls: readonly string[];
  /** UDP port of the built-in STUN server: undefined = the same number as `port`, 0 = off. */
  readonly stunPort: number | undefined;
  readonly turnTtl: number;
  readonly iceTransportPolicy: IceTransportPolicy;
  readonly redisUrl: string | undefined;
  readonly tlsCert: string | undefined;
  readonly tlsKey: string | undefined;
  readonly maxMessageBytes: number;
  /** Frames per second per connection; 0 = off. */
  readonly rateLimit: number;
  /** Frames a connection may send at once above the steady rate. */
  readonly rateBurst: number;
  readonly maxConnsPerIp: number;
  readonly heartbeatSeconds: number;
  readonly graceSeconds: number;
  /** Origins allowed to open the WebSocket; undefined = any. */
  readonly allowedOrigins: readonly string[] | undefined;
  /** Take the client address from X-Forwarded-For (behind a reverse proxy). */
  readonly trustProxy: boolean;
  readonly logLevel: string;
}

/** A frame larger than this is cut off by the WebSocket layer (close code 1009). */
export const HARD_FRAME_LIMIT = 4 * 1024 * 1024;

export const DEFAULTS: Config = {
  port: 8099,
  host: '0.0.0.0',
  turnSecret: undefined,
  turnUrls: [],
  stunUrls: [],
  stunPort: undefined,
  turnTtl: 3600,
  iceTransportPolicy: 'all',
  redisUrl: undefined,
  tlsCert: undefined,
  tlsKey: undefined,
  // An SDP offer is ~3-10 KB; 64 KiB leaves room for many codecs and simulcast.
  maxMessageBytes: 64 * 1024,
  // Trickle ICE sends a few dozen candidates in a burst; steady traffic is far below 50/s.
  rateLimit: 50,
  rateBurst: 200,
  maxConnsPerIp: 64,
  heartbeatSeconds: 15,
  graceSeconds: 30,
  allowedOrigins: undefined,
  trustProxy: false,
  logLevel: 'info',
};

export class ConfigError extends Error {
  readonly option: string;
  constructor(option: string, problem: string) {
    super(`Invalid option --${option}: ${problem}`);
    this.name = 'ConfigError';
    this.option = option;
  }
}

interface OptionSpec {
  readonly env: readonly string[];
  readonly type?: 'boolean';
}

const OPTIONS = {
  port: { env: ['PORT', 'ZERORTC_PORT'] },
  host: { env: ['HOST', 'ZERORTC_HOST'] },
  'turn-secret': { env: ['ZERORTC_TURN_SECRET'] },
  'turn-urls': { env: ['ZERORTC_TURN_URLS'] },
  'stun-urls': { env: ['ZERORTC_STUN_URLS'] },
  'stun-port': { env: ['ZERORTC_STUN_PORT'] },
  'turn-ttl': { env: ['ZERORTC_TURN_TTL'] },
  'ice-transport-policy': { env: ['ZERORTC_ICE_TRANSPORT_POLICY'] },
  'redis-url': { env: ['ZERORTC_REDIS_URL'] },
  'tls-cert': { env: ['ZERORTC_TLS_CERT'] },
  'tls-key': { env: ['ZERORTC_TLS_KEY'] },
  'max-message-bytes': { env: ['ZERORTC_MAX_MESSAGE_BYTES'] },
  'rate-limit': { env: ['ZERORTC_RATE_LIMIT'] },
  'rate-burst': { env: ['ZERORTC_RATE_BURST'] },
  'max-conns-per-ip': { env: ['ZERORTC_MAX_CONNS_PER_IP'] },
  'heartbeat-seconds': { env: ['ZERORTC_HEARTBEAT_SECONDS'] },
  'grace-seconds': { env: ['ZERORTC_GRACE_SECONDS'] },
  'allowed-origins': { env: ['ZERORTC_ALLOWED_ORIGINS'] },
  'trust-proxy': { env: ['ZERORTC_TRUST_PROXY'], type: 'boolean' },
  'log-level': { env: ['ZERORTC_LOG_LEVEL', 'LOG_LEVEL'] },
} as const satisfies Record<string, OptionSpec>;

type OptionName = keyof typeof OPTIONS;

export const OPTION_NAMES = Object.keys(OPTIONS) as readonly OptionName[];

type Env = Readonly<Record<string, string | undefined>>;

function number(
  option: OptionName,
  raw: string,
  { min, max, integer }: { min: number; max: number; integer: boolean },
): number {
  const value = raw.trim() === '' ? Number.NaN : Number(raw);
  if (!Number.isFinite(value) || (integer && !Number.isInteger(value))) {
    throw new ConfigError(option, `"${raw}" is not ${integer ? 'a whole number' : 'a number'}.`);
  }
  if (value < min || value > max) {
    throw new ConfigError(option, `${value} is out of range (${min} to ${max}).`);
  }
  return value;
}

function list(raw: string): string[] {
  return raw
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

function urls(option: OptionName, raw: string, schemes: readonly string[]): string[] {
  const items = list(raw);
  for (const url of items) {
    const scheme = url.slice(0, url.indexOf(':') + 1);
    if (!schemes.includes(scheme) || url.length <= scheme.length) {
      throw new ConfigError(option, `"${url}" is not a ${schemes.join(' or ')} URL.`);
    }
  }
  return items;
}

function origins(raw: string): string[] {
  const items = list(raw);
  for (const origin of items) {
    let parsed: URL;
    try {
      parsed = new URL(origin);
    } catch {
      throw new ConfigError('allowed-origins', `"${origin}" is not an origin such as https://example.com.`);
    }
    if (parsed.origin !== origin) {
      throw new ConfigError('allowed-origins', `"${origin}" is not an origin; did you mean "${parsed.origin}"?`);
    }
  }
  return items;
}

function bool(option: OptionName, raw: string): boolean {
  if (['1', 'true', 'yes', 'on', ''].includes(raw.toLowerCase())) return true;
  if (['0', 'false', 'no', 'off'].includes(raw.toLowerCase())) return false;
  throw new ConfigError(option, `"${raw}" is not true or false.`);
}

/**
 * Reads the options from command-line arguments and environment variables.
 * @throws ConfigError naming the first bad option
 */
export function parseConfig(argv: readonly string[], env: Env): Config {
  const flagOptions: Record<string, { type: 'string' | 'boolean' }> = {};
  for (const name of OPTION_NAMES) {
    const spec: OptionSpec = OPTIONS[name];
    flagOptions[name] = { type: spec.type === 'boolean' ? 'boolean' : 'string' };
  }
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({ args: [...argv], options: flagOptions, strict: true, allowPositionals: false }));
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    const match = /'(--[\w-]+)/.exec(message);
    throw new ConfigError(match?.[1]?.slice(2) ?? 'unknown', message);
  }

  const raw = (name: OptionName): string | undefined => {
    const flag = values[name];
    if (typeof flag === 'string') return flag;
    if (flag === true) return 'true';
    for (const key of OPTIONS[name].env) {
      const value = env[key];
      if (value !== undefined && value !== '') return value;
    }
    return undefined;
  };
  const get = <T>(name: OptionName, fallback: T, read: (value: string) => T): T => {
    const value = raw(name);
    return value === undefined ? fallback : read(value);
  };

  const tlsCert = raw('tls-cert');
  const tlsKey = raw('tls-key');
  if ((tlsCert === undefined) !== (tlsKey === undefined)) {
    throw new ConfigError(tlsCert === undefined ? 'tls-cert' : 'tls-key', 'HTTPS needs both --tls-cert and --tls-key.');
  }
  const turnUrls = get('turn-urls', DEFAULTS.turnUrls, (v) => urls('turn-urls', v, ['turn:', 'turns:']));
  const turnSecret = raw('turn-secret');
  if (turnUrls.length > 0 && turnSecret === undefined) {
    throw new ConfigError(
      'turn-secret',
      'TURN URLs were given without the shared secret that mints their credentials.',
    );
  }
  const iceTransportPolicy = get('ice-transport-policy', DEFAULTS.iceTransportPolicy, (v): IceTransportPolicy => {
    if (v === 'all' || v === 'relay') return v;
    throw new ConfigError('ice-transport-policy', `"${v}" is neither "all" nor "relay".`);
  });
  if (iceTransportPolicy === 'relay' && turnUrls.length === 0) {
    throw new ConfigError('ice-transport-policy', '"relay" needs a TURN server: set --turn-urls and --turn-secret.');
  }
  const redisUrl = raw('redis-url');
  if (redisUrl !== undefined && !/^rediss?:\/\/./.test(redisUrl)) {
    throw new ConfigError('redis-url', `"${redisUrl}" is not a redis:// or rediss:// URL.`);
  }
  const logLevel = get('log-level', DEFAULTS.logLevel, (v) => {
    if (['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(v)) return v;
    throw new ConfigError('log-level', `"${v}" is not one of fatal, error, warn, info, debug, trace, silent.`);
  });

  return {
    port: get('port', DEFAULTS.port, (v) => number('port', v, { min: 0, max: 65535, integer: true })),
    host: get('host', DEFAULTS.host, (v) => v),
    turnSecret,
    turnUrls,
    stunUrls: get('stun-urls', DEFAULTS.stunUrls, (v) => urls('stun-urls', v, ['stun:', 'stuns:'])),
    stunPort: get<number | undefined>('stun-port', DEFAULTS.stunPort, (v) =>
      number('stun-port', v, { min: 0, max: 65535, integer: true }),
    ),
    turnTtl: get('turn-ttl', DEFAULTS.turnTtl, (v) =>
      number('turn-ttl', v, { min: 60, max: 7 * 86400, integer: true }),
    ),
    iceTransportPolicy,
    redisUrl,
    tlsCert,
    tlsKey,
    maxMessageBytes: get('max-message-bytes', DEFAULTS.maxMessageBytes, (v) =>
      number('max-message-bytes', v, { min: 1024, max: 1024 * 1024, integer: true }),
    ),
    rateLimit: get('rate-limit', DEFAULTS.rateLimit, (v) =>
      number('rate-limit', v, { min: 0, max: 1e6, integer: false }),
    ),
    rateBurst: get('rate-burst', DEFAULTS.rateBurst, (v) =>
      number('rate-burst', v, { min: 1, max: 1e6, integer: true }),
    ),
    maxConnsPerIp: get('max-conns-per-ip', DEFAULTS.maxConnsPerIp, (v) =>
      number('max-conns-per-ip', v, { min: 0, max: 1e7, integer: true }),
    ),
    heartbeatSeconds: get('heartbeat-seconds', DEFAULTS.heartbeatSeconds, (v) =>
      number('heartbeat-seconds', v, { min: 0.05, max: 3600, integer: false }),
    ),
    graceSeconds: get('grace-seconds', DEFAULTS.graceSeconds, (v) =>
      number('grace-seconds', v, { min: 0, max: 60, integer: false }),
    ),
    allowedOrigins: get<readonly string[] | undefined>('allowed-origins', DEFAULTS.allowedOrigins, origins),
    trustProxy: get('trust-proxy', DEFAULTS.trustProxy, (v) => bool('trust-proxy', v)),
    logLevel,
  };
}
