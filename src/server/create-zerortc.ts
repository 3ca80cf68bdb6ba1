/**
 * The embeddable server's public entry: options checked where they enter (through the same
 * parser as the command's flags, so both refuse the same values with the same words), then the
 * core of zerortc.ts.
 */
import type { Server as HttpServer } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import { ConfigError, parseConfig, type Config } from './config.ts';
import { createLogger, type Logger } from './logger.ts';
import type { RequestHandler } from './http.ts';
import { createCore } from './zerortc.ts';

/** Options of the command that belong to the host's server (it listens) or to the command alone. */
type CommandOnly = 'port' | 'host' | 'tlsCert' | 'tlsKey' | 'redisUrl';
const COMMAND_ONLY: readonly string[] = ['port', 'host', 'tlsCert', 'tlsKey', 'redisUrl'] satisfies CommandOnly[];

/**
 * The command's options by their camelCase names (`turnUrls` for `--turn-urls`, see the README's
 * table), minus those that belong to the server you attach to; plus where to mount.
 */
export type ZeroRtcOptions = {
  readonly [K in Exclude<keyof Config, CommandOnly>]?: Config[K];
} & {
  /**
   * URL path ZeroRTC lives under, e.g. `/calls`: the WebSocket is `/calls/ws` (and `/calls`),
   * the endpoints `/calls/healthz`, `/calls/api/ice-servers`..., the page `/calls/`.
   * Default `''`: the root.
   */
  readonly prefix?: string;
  /** Serve the stock call page at the prefix (default true). */
  readonly page?: boolean;
  /** A pino logger; default: JSON lines on stdout at `logLevel`. */
  readonly logger?: Logger;
};

/** ZeroRTC attached to a server you own. */
export interface ZeroRtc {
  /** URL path ZeroRTC lives under, normalized (`''` for the root, else `/name` without a trailing slash). */
  readonly prefix: string;
  /**
   * The HTTP side as a request handler: `app.use(zerortc.handler)` in Express or Connect, or
   * call it from a `node:http` request listener. It answers URLs under `prefix` and passes
   * others to `next` (or answers 404 without one).
   */
  readonly handler: RequestHandler;
  /**
   * Takes the signaling WebSocket upgrades of `server` on `${prefix}/ws` and `${prefix}`; other
   * upgrade paths are left to the server's other listeners. May be called for several servers.
   * Once the first one listens, the built-in STUN server starts on UDP at `stunPort` (by default
   * the same port number; `stunPort: 0` turns it off).
   */
  attach(server: HttpServer | HttpsServer): void;
  /**
   * Tells every client the server is going away (close code 1012), closes the room store.
   * Does not close your server. Safe to call twice.
   */
  close(): Promise<void>;
}

function normalizePrefix(prefix: string): string {
  const trimmed = prefix.replace(/\/+$/, '');
  if (trimmed !== '' && !/^\/[^?#\s]*$/.test(trimmed)) {
    throw new ConfigError('prefix', `"${prefix}" is not a URL path such as /calls.`, 'prefix');
  }
  return trimmed;
}

function toFlags(options: Readonly<Record<string, unknown>>): string[] {
  const argv: string[] = [];
  for (const [key, value] of Object.entries(options)) {
    if (value === undefined) continue;
    if (COMMAND_ONLY.includes(key)) {
      throw new ConfigError(key, 'belongs to the zerortc command; your own server listens here.', key);
    }
    const flag = `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
    if (value === true) argv.push(flag);
    else if (value === false)
      continue; // every boolean option is off by default
    else if (typeof value === 'string' || typeof value === 'number') argv.push(`${flag}=${value}`);
    else if (Array.isArray(value) && value.every((item) => typeof item === 'string')) {
      argv.push(`${flag}=${value.join(',')}`);
    } else throw new ConfigError(key, 'has a value of the wrong type.', key);
  }
  return argv;
}

/**
 * Creates ZeroRTC for a server you own; nothing listens until you attach it and start your server.
 *
 * @example
 * const zerortc = createZeroRtc({ prefix: '/calls' });
 * app.use(zerortc.handler);
 * zerortc.attach(app.listen(3000));
 * @throws ConfigError naming the first bad option
 */
export function createZeroRtc(options: ZeroRtcOptions = {}): ZeroRtc {
  const { prefix: rawPrefix = '', page = true, logger, ...rest } = options;
  const prefix = normalizePrefix(rawPrefix);
  let config: Config;
  try {
    // The environment is the command's business (main.ts): an embedding app passes options.
    config = parseConfig(toFlags(rest), {});
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    const name = err.option.replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase());
    throw new ConfigError(err.option, err.message.slice(err.message.indexOf(': ') + 2), name);
  }
  const log = logger ?? createLogger(config.logLevel);
  const core = createCore(config, {
    log,
    prefix,
    ...(page ? {} : { webRoot: false }),
  });
  return {
    prefix,
    handler: core.handler,
    attach(server) {
      core.attach(server);
      // The built-in STUN server follows the first server's port, once it listens.
      const startStun = (): void => {
        const address = server.address();
        if (address === null || typeof address === 'string') return;
        core.startStun(address.port).catch((err: unknown) => log.error({ err }, 'built-in stun server not started'));
      };
      if (server.listening) startStun();
      else server.once('listening', startStun);
    },
    close: () => core.close(),
  };
}
