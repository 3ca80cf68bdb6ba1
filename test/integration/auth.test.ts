/**
 * Room tokens (SPEC §5) against a real server: every way in (join, /api/ice-servers with TURN,
 * POST /api/rooms, /metrics) refused for each kind of bad token with the documented answer,
 * nobody seated and no TURN credentials handed out; what a valid token, a seat and a resume
 * credential do get; the limit on failed checks per address; tokens never logged.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { SignJWT } from 'jose';
import { connectClient, type Frame, type TestClient } from '../helpers/client.ts';
import { startServer, type TestServer } from '../helpers/server.ts';

const SECRET = randomBytes(32).toString('hex');
const ADMIN = randomBytes(32).toString('hex');
const METRICS = randomBytes(32).toString('hex');
const TURN = { turnUrls: ['turn:127.0.0.1:3478?transport=udp'], turnSecret: 'turn-secret-never-logged', turnTtl: 600 };
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const EC_PUBLIC_PEM = ec.publicKey.export({ type: 'spki', format: 'pem' }).toString();

/** A test clock for the server, in ms; moved by hand. */
let clock = Date.UTC(2030, 0, 1);
const nowS = (): number => Math.floor(clock / 1000);

type Claims = { room?: unknown; exp?: unknown; nbf?: unknown; sub?: unknown; name?: unknown };

function sign(claims: Claims, key: Uint8Array | KeyObject = enc(SECRET), alg = 'HS256') {
  return new SignJWT(claims as Record<string, unknown>).setProtectedHeader({ alg, typ: 'JWT' }).sign(key);
}
function enc(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}
const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

/** The kinds of bad token of the issue, each with the `reason` the server must give. */
async function badTokens(room: string): Promise<[string, string | undefined, string][]> {
  const exp = nowS() + 3600;
  return [
    ['no token', undefined, 'no-token'],
    ['a bad signature', await sign({ room, exp }, enc(randomBytes(32).toString('hex'))), 'bad-signature'],
    ['alg none', `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ room, exp })}.`, 'wrong-algorithm'],
    ['expired', await sign({ room, exp: nowS() - 5 }), 'expired'],
    ['not yet valid', await sign({ room, exp, nbf: nowS() + 600 }), 'not-yet-valid'],
    ['for another room', await sign({ room: `${room}-other`, exp }), 'wrong-room'],
    ['for another uid', await sign({ room, exp, sub: 'somebody-else' }), 'wrong-user'],
    ['without exp', await sign({ room }), 'malformed'],
  ];
}

async function tryJoin(url: string, frame: Record<string, unknown>): Promise<{ client: TestClient; answer: Frame }> {
  const client = await connectClient(url);
  client.send({ cmd: 'join', ...frame });
  return { client, answer: await client.next() };
}

function turnEntries(body: { iceServers?: { urls: string[]; username?: string }[] }): unknown[] {
  return (body.iceServers ?? []).filter((s) => s.urls.some((u) => u.startsWith('turn')) || s.username !== undefined);
}

describe('room tokens: the door', () => {
  let server: TestServer;
  let es: TestServer;
  const tokensSeen: string[] = [];

  before(async () => {
    const now = (): number => clock;
    const common = { ...TURN, stunUrls: ['stun:127.0.0.1:3478'], authFailuresPerMinute: 0 };
    server = await startServer({ ...common, authSecret: SECRET, adminToken: ADMIN, metricsToken: METRICS }, { now });
    es = await startServer({ ...common, authPublicKey: EC_PUBLIC_PEM }, { now });
  });
  after(async () => {
    // Whatever happened, no token reached the logs.
    const logs = JSON.stringify([...server.logs, ...es.logs]);
    for (const token of tokensSeen) assert.ok(!logs.includes(token.split('.')[2] || token), 'a token was logged');
    assert.ok(!logs.includes(SECRET) && !logs.includes(ADMIN) && !logs.includes(METRICS));
    await Promise.all([server?.close(), es?.close()]);
  });

  it('refuses a join with each kind of bad token: unauthorized with its reason in words, nobody seated', async () => {
    for (const [what, token, reason] of await badTokens('door')) {
      if (token) tokensSeen.push(token);
      const { client, answer } = await tryJoin(server.wsUrl, { roomId: 'door', uid: 'alice', token });
      assert.equal(answer.cmd, 'error', what);
      assert.equal(answer['code'], 'unauthorized', what);
      assert.equal(answer['reason'], reason, what);
      assert.equal(answer['request'], 'join');
      assert.match(String(answer['message']), /^You are not allowed.* \S+.*\.$/, what);
      // Not seated: it may not speak in the room nor get TURN credentials over its socket.
      client.send({ cmd: 'ice-servers', roomId: 'door', uid: 'alice' });
      assert.equal((await client.next('error'))['code'], 'not-in-room', what);
      await client.close();
    }
    assert.equal(await server.app.store.roomCount(), 0);
    assert.match(
      String((await tryJoin(server.wsUrl, { roomId: 'door', uid: 'a' })).answer['message']),
      /no room token: open the link you were sent/,
    );
  });

  it('refuses algorithm confusion: an HS256 token signed with the ES256 public key', async () => {
    const exp = nowS() + 3600;
    const confused = await sign({ room: 'es', exp }, enc(EC_PUBLIC_PEM));
    tokensSeen.push(confused);
    const { answer } = await tryJoin(es.wsUrl, { roomId: 'es', uid: 'a', token: confused });
    assert.deepEqual([answer['code'], answer['reason']], ['unauthorized', 'wrong-algorithm']);
    const ice = await fetch(`${es.httpUrl}/api/ice-servers?room=es`, {
      headers: { Authorization: `Bearer ${confused}` },
    });
    assert.equal(ice.status, 401);
    assert.deepEqual(turnEntries((await ice.json()) as never), []);
    // While a token signed with the private key opens the room.
    const good = await sign({ room: 'es', exp }, ec.privateKey, 'ES256');
    assert.equal((await tryJoin(es.wsUrl, { roomId: 'es', uid: 'a', token: good })).answer.cmd, 'joined');
    assert.equal(await es.app.store.roomCount(), 1);
  });

  it('gives TURN credentials at /api/ice-servers only to the bearer of a valid room token', async () => {
    const url = `${server.httpUrl}/api/ice-servers`;
    const none = await fetch(url);
    assert.equal(none.status, 200);
    const open = (await none.json()) as { iceServers: { urls: string[] }[] };
    assert.deepEqual(open.iceServers, [{ urls: ['stun:127.0.0.1:3478'] }], 'no token: STUN only');
    for (const [what, token, reason] of (await badTokens('ice')).slice(1)) {
      const res = await fetch(`${url}?room=ice&uid=alice`, { headers: { Authorization: `Bearer ${token}` } });
      const body = (await res.json()) as { error: string; reason?: string };
      assert.equal(res.status, 401, what);
      assert.equal(res.headers.get('www-authenticate'), 'Bearer');
      assert.equal(body.reason, reason, what);
      assert.deepEqual(turnEntries(body as never), [], what);
    }
    const valid = await sign({ room: 'ice', exp: nowS() + 60 });
    const noRoom = await fetch(url, { headers: { Authorization: `Bearer ${valid}` } });
    assert.equal(noRoom.status, 401, 'the room must be named');
    const res = await fetch(`${url}?room=ice`, { headers: { Authorization: `Bearer ${valid}` } });
    assert.equal(res.status, 200);
    assert.equal(turnEntries((await res.json()) as never).length, 1);
  });

  it('refuses a sub held by someone else (seat-taken), and lets nobody past the two seats', async () => {
    const exp = nowS() + 3600;
    const alice = await sign({ room: 'subs', exp, sub: 'alice' });
    const bob = await sign({ room: 'subs', exp, sub: 'bob' });
    tokensSeen.push(alice, bob);
    const a = await tryJoin(server.wsUrl, { roomId: 'subs', uid: 'alice', token: alice });
    assert.equal(a.answer.cmd, 'joined');
    const thief = await tryJoin(server.wsUrl, { roomId: 'subs', uid: 'alice', token: alice });
    assert.deepEqual([thief.answer['code'], thief.answer['reason']], ['unauthorized', 'seat-taken']);
    assert.match(String(thief.answer['message']), /Someone else is already in this room with this link/);
    const b = await tryJoin(server.wsUrl, { roomId: 'subs', uid: 'bob', token: bob });
    assert.equal(b.answer.cmd, 'joined');
    assert.equal(b.answer['remoteUid'], 'alice');
    // A token without sub for the room: valid, but the room is full.
    const anyone = await sign({ room: 'subs', exp });
    const third = await tryJoin(server.wsUrl, { roomId: 'subs', uid: 'carol', token: anyone });
    assert.equal(third.answer['code'], 'room-full');
    await Promise.all([a.client.close(), b.client.close(), thief.client.close(), third.client.close()]);
  });

  it('keeps a seated member in TURN credentials after its token expired, over its own connection', async () => {
    const token = await sign({ room: 'long', exp: nowS() + 60, sub: 'm' });
    const { client, answer } = await tryJoin(server.wsUrl, { roomId: 'long', uid: 'm', token });
    assert.equal(answer.cmd, 'joined');
    clock += 3600_000; // An hour into the call: the token expired long ago.
    const http = await fetch(`${server.httpUrl}/api/ice-servers?room=long&uid=m`, {
      headers: { Authorization: `Bearer ${token}` },
    });
    assert.deepEqual([http.status, ((await http.json()) as { reason: string }).reason], [401, 'expired']);
    client.send({ cmd: 'ice-servers', roomId: 'long', uid: 'm' });
    const fresh = (await client.next('ice-servers')) as unknown as { iceServers: { username?: string }[]; ttl: number };
    const username = fresh.iceServers.find((s) => s.username)?.username ?? '';
    assert.equal(Number(username.split(':')[0]), nowS() + 600, 'minted now, valid for --turn-ttl');
    assert.equal(fresh.ttl, 600);
    // Speaking for another seat is refused.
    client.send({ cmd: 'ice-servers', roomId: 'long', uid: 'other' });
    assert.equal((await client.next('error'))['code'], 'not-in-room');
    await client.close();
  });

  it('lets a dropped member resume without a token, but not a stranger with a made-up credential', async () => {
    const token = await sign({ room: 'resume', exp: nowS() + 30, sub: 'r' });
    const first = await tryJoin(server.wsUrl, { roomId: 'resume', uid: 'r', token });
    const credential = String(first.answer['resume']);
    first.client.drop();
    await first.client.closed;
    clock += 120_000; // The token expired while the member was away.
    const stranger = await tryJoin(server.wsUrl, { roomId: 'resume', uid: 'r', resume: 'made-up' });
    assert.deepEqual([stranger.answer['code'], stranger.answer['reason']], ['unauthorized', 'no-token']);
    const fresh = await tryJoin(server.wsUrl, { roomId: 'resume', uid: 'r2', resume: credential });
    assert.equal(fresh.answer['code'], 'unauthorized', 'a resume credential opens only its own seat');
    const back = await tryJoin(server.wsUrl, { roomId: 'resume', uid: 'r', resume: credential, token });
    assert.equal(back.answer.cmd, 'joined');
    assert.equal(back.answer['resumed'], true);
    await Promise.all([back.client.close(), stranger.client.close(), fresh.client.close()]);
  });

  it('POST /api/rooms: refused without the admin token; with it, two links whose tokens open the room', async () => {
    const url = `${server.httpUrl}/api/rooms`;
    for (const headers of [
      {},
      { Authorization: `Bearer ${randomBytes(32).toString('hex')}` },
      { Authorization: 'Basic x' },
    ]) {
      const res = await fetch(url, { method: 'POST', headers });
      assert.equal(res.status, 401);
      assert.equal(((await res.json()) as { error: string }).error, 'unauthorized');
    }
    assert.equal((await fetch(url)).status, 405);
    const bad = await fetch(url, {
      method: 'POST',
      headers: { Authorization: `Bearer ${ADMIN}` },
      body: '{"ttl":"soon"}',
    });
    assert.equal(bad.status, 400);
    assert.match(((await bad.json()) as { message: string }).message, /"ttl"/);
    const res = await fetch(url, {
      method: 'POST',
      headers: { Authorization: `Bearer ${ADMIN}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ ttl: '2h', baseUrl: 'https://calls.example.org' }),
    });
    assert.equal(res.status, 201);
    const made = (await res.json()) as { room: string; expiresAt: string; links: { sub: string; url: string }[] };
    assert.match(made.room, /^[\w-]{22}$/, '128 random bits');
    assert.equal(made.expiresAt, new Date((nowS() + 7200) * 1000).toISOString());
    assert.equal(made.links.length, 2);
    assert.notEqual(made.links[0]?.sub, made.links[1]?.sub);
    const clients: TestClient[] = [];
    for (const link of made.links) {
      const parsed = new URL(link.url);
      assert.equal(parsed.origin, 'https://calls.example.org');
      assert.equal(parsed.searchParams.get('room'), made.room);
      const token = new URLSearchParams(parsed.hash.slice(1)).get('token') ?? '';
      tokensSeen.push(token);
      const { client, answer } = await tryJoin(server.wsUrl, { roomId: made.room, uid: link.sub, token });
      assert.equal(answer.cmd, 'joined');
      clients.push(client);
    }
    await Promise.all(clients.map((c) => c.close()));
  });

  it('guards /metrics with --metrics-token, and serves the page with a strict CSP', async () => {
    const url = `${server.httpUrl}/metrics`;
    assert.equal((await fetch(url)).status, 401);
    assert.equal((await fetch(url, { headers: { Authorization: `Bearer ${ADMIN}` } })).status, 401);
    const ok = await fetch(url, { headers: { Authorization: `Bearer ${METRICS}` } });
    assert.equal(ok.status, 200);
    assert.match(await ok.text(), /zerortc_errors_total\{code="unauthorized"\}/);
    assert.equal((await fetch(`${es.httpUrl}/metrics`)).status, 200, 'open without --metrics-token');
  });
});

describe('room tokens: failed checks per address', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer({ ...TURN, authSecret: SECRET, authFailuresPerMinute: 3 });
  });
  after(() => server.close());

  it('answers a guessing loop rate-limited and closes it; the address stays refused everywhere', async () => {
    const client = await connectClient(server.wsUrl);
    // Three failures a minute: three answers, then the fourth try is cut off.
    for (let i = 0; i < 4; i++) client.send({ cmd: 'join', roomId: 'guess', uid: 'g', token: `guess.${i}.x` });
    for (let i = 0; i < 3; i++) assert.equal((await client.next('error'))['code'], 'unauthorized');
    const limited = await client.next('error');
    assert.equal(limited['code'], 'rate-limited');
    assert.equal((await client.closed).code, 1008);
    // A new connection from the same address is refused before its token is even read.
    const again = await tryJoin(server.wsUrl, {
      roomId: 'guess',
      uid: 'g',
      token: await sign({ room: 'guess', exp: 2e9 }),
    });
    assert.equal(again.answer['code'], 'rate-limited');
    const ice = await fetch(`${server.httpUrl}/api/ice-servers`, { headers: { Authorization: 'Bearer x.y.z' } });
    assert.equal(ice.status, 429);
    assert.equal(await server.app.store.roomCount(), 0);
  });
});
