/**
 * A token fuzz round against a live server with room tokens on: random, truncated, oversized,
 * re-signed with wrong-typed claims, wrong headers, wrong JSON types for the field itself, from
 * many connections at once. No crash, nothing seated, and a call already in progress in another
 * room keeps relaying throughout.
 */
import assert from 'node:assert/strict';
import { createHmac, randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { SignJWT } from 'jose';
import { connectClient, type TestClient } from '../helpers/client.ts';
import { prng } from '../helpers/prng.ts';
import { startServer, type TestServer } from '../helpers/server.ts';

const SECRET = randomBytes(32).toString('hex');
const KEY = new TextEncoder().encode(SECRET);
const ATTEMPTS = 2000;
const CONNECTIONS = 20;

const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

/** HS256 by hand: jose refuses to sign the wrong-typed claims this test needs. */
function signRaw(claims: unknown): string {
  const input = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64(claims)}`;
  return `${input}.${createHmac('sha256', SECRET).update(input).digest('base64url')}`;
}

describe('room tokens under fuzz', () => {
  let server: TestServer;
  let calm: [TestClient, TestClient];

  before(async () => {
    server = await startServer({ authSecret: SECRET, authFailuresPerMinute: 0, rateLimit: 0, logLevel: 'warn' });
    const exp = Math.floor(Date.now() / 1000) + 600;
    const seat = async (uid: string): Promise<TestClient> => {
      const token = await new SignJWT({ room: 'calm' })
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject(uid)
        .setExpirationTime(exp)
        .sign(KEY);
      const client = await connectClient(server.wsUrl);
      client.send({ cmd: 'join', roomId: 'calm', uid, token });
      await client.next('joined');
      return client;
    };
    calm = [await seat('a'), await seat('b')];
  });
  after(async () => {
    await Promise.all(calm.map((c) => c.close()));
    await server.close();
  });

  it('survives random, truncated, oversized and wrong-typed tokens: nothing seated, the calm room relays', async () => {
    const random = prng(Number(process.env['ZERORTC_FUZZ_SEED'] ?? 20261201));
    const int = (n: number): number => Math.floor(random() * n);
    const pick = <T>(items: readonly T[]): T => items[int(items.length)]!;
    const now = Math.floor(Date.now() / 1000);
    const valid = await new SignJWT({ room: 'fuzz' })
      .setProtectedHeader({ alg: 'HS256' })
      .setExpirationTime(now + 600)
      .sign(KEY);
    // Properly signed, so that they pass the signature and must fail on the claims.
    const wrongClaims = [
      { room: 5, exp: now + 600 },
      { room: null, exp: now + 600 },
      { room: ['fuzz'], exp: now + 600 },
      { room: 'fuzz', exp: 'tomorrow' },
      { room: 'fuzz', exp: 1e308 * 10 },
      { room: 'fuzz', exp: now + 600, sub: 42 },
      { room: 'fuzz', exp: now + 600, sub: { uid: 'x' } },
      { room: 'fuzz', exp: now + 600, name: ['n'] },
      { room: 'fuzz', exp: now + 600, nbf: 'now' },
      { room: 'other', exp: now + 600 },
      { room: 'fuzz', exp: now - 1 },
      { room: 'fuzz', exp: -1 },
    ].map(signRaw);
    const [header, payload, signature] = valid.split('.') as [string, string, string];
    const token = (): unknown =>
      pick<() => unknown>([
        () => randomBytes(1 + int(300)).toString('base64url'),
        () =>
          `${randomBytes(20).toString('base64url')}.${randomBytes(40).toString('base64url')}.${randomBytes(32).toString('base64url')}`,
        () => valid.slice(0, int(valid.length)),
        () => valid.slice(1 + int(valid.length - 1)),
        () => `${valid}${'A'.repeat(1 + int(10))}`,
        () => `${header}.${payload}.${signature.slice(1)}`,
        () => `${b64({ alg: pick(['none', 'HS512', 'RS256', 'ES256', '', null]) })}.${payload}.${signature}`,
        () => `${b64({ alg: 'HS256', crit: ['x'] })}.${payload}.${signature}`,
        () => `${b64('not an object')}.${payload}.${signature}`,
        () => `${header}.${b64([1, 2])}.${signature}`,
        () => `${header}.not-base64!.${signature}`,
        () => pick(wrongClaims),
        () => 'x'.repeat(4097 + int(10_000)),
        () => '.'.repeat(int(50)),
        () => pick([42, null, true, { jwt: valid }, [valid], '', ' ']),
      ])();
    const clients = await Promise.all(Array.from({ length: CONNECTIONS }, () => connectClient(server.wsUrl)));
    const sent: unknown[] = [];
    for (let i = 0; i < ATTEMPTS; i++) {
      const t = token();
      sent.push(t);
      // uid 'u' everywhere: a token without `sub` would seat it, were one to pass.
      clients[i % CONNECTIONS]!.send({ cmd: 'join', roomId: 'fuzz', uid: `u${i % CONNECTIONS}`, token: t });
      if (i % 500 === 0) {
        calm[0].send({ cmd: 'offer', roomId: 'calm', uid: 'a', remoteUid: 'b', msg: `during ${i}` });
        assert.equal((await calm[1].next('offer', 5000))['msg'], `during ${i}`);
      }
    }
    // Every attempt was answered, with a refusal.
    const codes = new Map<string, number>();
    for (const [c, client] of clients.entries()) {
      for (let k = 0; k < ATTEMPTS / CONNECTIONS; k++) {
        const answer = await client.next(undefined, 10_000);
        assert.equal(answer.cmd, 'error', `a fuzzed join was seated: ${JSON.stringify(sent[k * CONNECTIONS + c])}`);
        codes.set(String(answer['code']), (codes.get(String(answer['code'])) ?? 0) + 1);
      }
    }
    assert.deepEqual([...codes.keys()].sort(), ['bad-message', 'unauthorized']);
    assert.equal(await server.app.store.roomCount(), 1, 'only the calm room has anyone in it');
    // The calm call still relays, and the server still serves.
    calm[1].send({ cmd: 'answer', roomId: 'calm', uid: 'b', remoteUid: 'a', msg: 'after' });
    assert.equal((await calm[0].next('answer'))['msg'], 'after');
    assert.equal((await fetch(`${server.httpUrl}/healthz`)).status, 200);
    // And a valid token still opens the fuzzed room.
    clients[0]!.send({ cmd: 'join', roomId: 'fuzz', uid: 'u0', token: valid });
    assert.equal((await clients[0]!.next('joined')).cmd, 'joined');
    await Promise.all(clients.map((c) => c.close()));
    assert.ok(sent.length === ATTEMPTS);
  });
});
