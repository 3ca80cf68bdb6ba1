/**
 * `zerortc invite --room NAME [--ttl 24h] [--base-url https://calls.example.org]`: prints the two
 * links of a room, one per seat, each with a room token of its own in the URL fragment (a
 * fragment never reaches server logs or a Referer). Takes the server's options too (flags and
 * environment), `--auth-secret` among them: the tokens must verify on that server.
 */
import { parseArgs } from 'node:util';
import { invite, parseTtl, randomRoomId } from './auth.ts';
import { ConfigError, parseConfig } from './config.ts';
import { readId } from '../protocol/index.ts';

type Env = Readonly<Record<string, string | undefined>>;

const USAGE = 'usage: zerortc invite [--room NAME] [--ttl 24h] [--base-url URL] [--json] [server options]';

/** Runs the subcommand; resolves with the exit code. Output goes to `out`, problems to `err`. */
export async function runInvite(
  argv: readonly string[],
  env: Env,
  out: (text: string) => void,
  err: (text: string) => void,
  nowMs: number = Date.now(),
): Promise<number> {
  const own = {
    room: { type: 'string' },
    ttl: { type: 'string' },
    'base-url': { type: 'string' },
    json: { type: 'boolean' },
  } as const;
  const { values, tokens } = parseArgs({ args: [...argv], options: own, strict: false, tokens: true });
  // Everything that is not ours is a server option, checked as the server checks it.
  const rest: string[] = [];
  for (const token of tokens) {
    if (token.kind === 'positional') rest.push(token.value);
    else if (token.kind === 'option' && !Object.hasOwn(own, token.name)) {
      rest.push(token.rawName);
      if (token.value !== undefined) rest.push(token.value);
    }
  }
  const fail = (message: string): number => {
    err(`zerortc invite: ${message}\n${USAGE}\n`);
    return 2;
  };
  let config;
  try {
    config = parseConfig(rest, env);
  } catch (e) {
    if (e instanceof ConfigError) return fail(e.message);
    throw e;
  }
  if (config.authSecret === undefined) {
    return fail(
      'needs --auth-secret (or ZERORTC_AUTH_SECRET), the key the server checks tokens with. With ' +
        '--auth-public-key, your backend holds the private key and mints tokens (docs/access.md).',
    );
  }
  let room = randomRoomId();
  if (typeof values.room === 'string') {
    const id = readId(values.room, 'room');
    if (typeof id === 'string') return fail(`--room: ${id}`);
    room = id.id;
  }
  const ttlSeconds = typeof values.ttl === 'string' ? parseTtl(values.ttl) : 24 * 3600;
  if (ttlSeconds === undefined)
    return fail(`--ttl: "${String(values.ttl)}" is not a lifetime such as 90s, 30m, 24h or 7d.`);
  const scheme = config.tlsCert === undefined ? 'http' : 'https';
  const baseUrl = typeof values['base-url'] === 'string' ? values['base-url'] : `${scheme}://localhost:${config.port}`;
  if (!/^https?:\/\/[^/\s]+/.test(baseUrl)) return fail(`--base-url: "${baseUrl}" is not an http(s) URL.`);

  const invitation = await invite({ secret: config.authSecret, room, ttlSeconds, baseUrl, nowMs });
  if (values.json === true) {
    out(`${JSON.stringify(invitation, null, 2)}\n`);
  } else {
    const [first, second] = invitation.links;
    out(
      `Room ${invitation.room}: two links, one per person, valid until ${invitation.expiresAt}.\n` +
        `${first.url}\n${second.url}\n`,
    );
  }
  return 0;
}
