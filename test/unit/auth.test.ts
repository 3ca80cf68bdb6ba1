import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { SignJWT } from 'jose';
import { invite, parseTtl, RoomAuth } from '../../src/server/auth.ts';
import { parseConfig } from '../../src/server/config.ts';
import { runInvite } from '../../src/server/invite.ts';

const SECRET = randomBytes(32).toString('hex');

describe('RoomAuth', () => {
  it('verifies RS256 tokens against an RSA public key and refuses HS256 ones made with that key', async () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pem = rsa.publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const auth = new RoomAuth({ authSecret: undefined, authPublicKey: pem });
    assert.deepEqual(auth.algorithms, ['RS256']);
    const exp = Math.floor(Date.now() / 1000) + 60;
    const good = await new SignJWT({ room: 'r', name: 'Dr. Li' })
      .setProtectedHeader({ alg: 'RS256' })
      .setSubject('doc')
      .setExpirationTime(exp)
      .sign(rsa.privateKey);
    assert.deepEqual(await auth.verify(good, { room: 'r', uid: 'doc' }), {
      ok: true,
      claims: { room: 'r', exp, sub: 'doc', name: 'Dr. Li' },
    });
    const confused = await new SignJWT({ room: 'r' })
      .setProtectedHeader({ alg: 'HS256' })
      .setExpirationTime(exp)
      .sign(new TextEncoder().encode(pem));
    const refused = await auth.verify(confused, { room: 'r' });
    assert.equal(refused.ok, false);
    assert.equal(!refused.ok && refused.reason, 'wrong-algorithm');
  });

  it('accepts a token within its lifetime only, by the clock it is given', async () => {
    let now = Date.UTC(2030, 0, 1);
    const auth = new RoomAuth({ authSecret: SECRET, authPublicKey: undefined }, () => now);
    const { links } = await invite({ secret: SECRET, room: 'r', ttlSeconds: 60, baseUrl: 'http://x/', nowMs: now });
    const token = new URL(links[0].url).hash.replace('#token=', '');
    assert.equal(new URL(links[0].url).pathname, '/');
    assert.equal((await auth.verify(token, { room: 'r', uid: links[0].sub })).ok, true);
    const other = await auth.verify(token, { room: 'r', uid: links[1].sub });
    assert.equal(!other.ok && other.reason, 'wrong-user');
    now += 61_000;
    const late = await auth.verify(token, { room: 'r' });
    assert.equal(!late.ok && late.reason, 'expired');
  });
});

describe('parseTtl', () => {
  it('reads 90s, 30m, 24h, 7d and plain seconds; refuses the rest', () => {
    assert.deepEqual(['90s', '30m', '24h', '7d', '3600'].map(parseTtl), [90, 1800, 86400, 604800, 3600]);
    for (const bad of ['', '0', '1w', '-5m', '1.5h', '400d', 'soon']) assert.equal(parseTtl(bad), undefined, bad);
  });
});

describe('access options', () => {
  it('reads the four options from flags and environment, and refuses weak or inconsistent ones', () => {
    const dir = mkdtempSync(join(tmpdir(), 'zerortc-auth-'));
    try {
      const ec = join(dir, 'ec.pem');
      writeFileSync(
        ec,
        generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'pem' }),
      );
      const ed = join(dir, 'ed.pem');
      writeFileSync(ed, generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }));
      const config = parseConfig(['--auth-public-key', ec, '--metrics-token', SECRET], {
        ZERORTC_AUTH_SECRET: SECRET,
        ZERORTC_ADMIN_TOKEN: SECRET,
      });
      assert.equal(config.authSecret, SECRET);
      assert.equal(config.adminToken, SECRET);
      assert.equal(config.metricsToken, SECRET);
      assert.match(config.authPublicKey ?? '', /BEGIN PUBLIC KEY/);
      assert.throws(() => parseConfig(['--auth-secret', 'short'], {}), /--auth-secret: must be at least 32/);
      assert.throws(() => parseConfig(['--auth-public-key', ed], {}), /--auth-public-key: .*ed25519/);
      assert.throws(
        () => parseConfig(['--auth-public-key', join(dir, 'none.pem')], {}),
        /--auth-public-key: cannot read/,
      );
      assert.throws(() => parseConfig(['--admin-token', SECRET], {}), /--admin-token: .*needs --auth-secret/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('zerortc invite', () => {
  const run = (args: string[], env: Record<string, string> = {}) =>
    spawnSync(process.execPath, ['--import', 'tsx', 'src/server/main.ts', 'invite', ...args], {
      encoding: 'utf8',
      env: { ...process.env, ...env },
    });

  it('prints two links with a token each in the fragment, and names what is missing', async () => {
    const out = run(['--room', 'clinic-7', '--ttl', '2h', '--base-url', 'https://calls.example.org'], {
      ZERORTC_AUTH_SECRET: SECRET,
    });
    assert.equal(out.status, 0, out.stderr);
    const urls = out.stdout.match(/https:\/\/\S+/g) ?? [];
    assert.equal(urls.length, 2);
    const auth = new RoomAuth({ authSecret: SECRET, authPublicKey: undefined });
    const subs = new Set<string>();
    for (const url of urls) {
      const parsed = new URL(url);
      assert.equal(parsed.searchParams.get('room'), 'clinic-7');
      const verified = await auth.verify(parsed.hash.replace('#token=', ''), { room: 'clinic-7' });
      assert.ok(verified.ok);
      subs.add(verified.claims.sub ?? '');
      assert.ok(Math.abs(verified.claims.exp - (Date.now() / 1000 + 7200)) < 60);
    }
    assert.equal(subs.size, 2, 'one sub per seat');
    // The problems, in process (as main runs it), without another start of node.
    const problems: string[] = [];
    const quiet = (): void => undefined;
    assert.equal(await runInvite(['--room', 'x'], {}, quiet, (t) => problems.push(t)), 2);
    assert.equal(await runInvite(['--ttl', 'forever', '--auth-secret', SECRET], {}, quiet, (t) => problems.push(t)), 2);
    assert.match(problems[0] ?? '', /needs --auth-secret/);
    assert.match(problems[1] ?? '', /--ttl: "forever"/);
  });
});
