import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { WebSocket } from 'ws';
import { selfSignedCertificate } from '../helpers/certificate.ts';
import { joinRoom } from '../helpers/client.ts';
import { startServer, type TestServer } from '../helpers/server.ts';

describe('HTTP endpoints', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer({
      stunUrls: ['stun:127.0.0.1:3478'],
      turnUrls: ['turn:127.0.0.1:3478?transport=udp'],
      turnSecret: 'never-logged-secret',
      turnTtl: 900,
    });
  });
  after(() => server.close());

  it('answers /healthz and /readyz with 200', async () => {
    const health = await fetch(`${server.httpUrl}/healthz`);
    assert.equal(health.status, 200);
    assert.deepEqual(await health.json(), { status: 'ok' });
    assert.equal((await fetch(`${server.httpUrl}/readyz`)).status, 200);
  });

  it('mints fresh TURN credentials at /api/ice-servers and never shows the secret', async () => {
    const answer = (await (await fetch(`${server.httpUrl}/api/ice-servers`)).json()) as {
      iceServers: { urls: string[]; username?: string; credential?: string }[];
      iceTransportPolicy: string;
      ttl: number;
    };
    assert.equal(answer.iceTransportPolicy, 'all');
    assert.equal(answer.ttl, 900);
    assert.deepEqual(answer.iceServers[0], { urls: ['stun:127.0.0.1:3478'] });
    const turn = answer.iceServers[1]!;
    const expiry = Number(turn.username?.split(':')[0]);
    const now = Math.floor(Date.now() / 1000);
    assert.ok(expiry >= now + 890 && expiry <= now + 910, 'expires after the ttl');
    assert.equal(typeof turn.credential, 'string');
    assert.equal(JSON.stringify(answer).includes('never-logged-secret'), false);
  });

  it('counts connections, rooms, relayed messages and errors by code at /metrics', async () => {
    const { client: a } = await joinRoom(server.wsUrl, 'm', 'a');
    const { client: b } = await joinRoom(server.wsUrl, 'm', 'b');
    a.send({ cmd: 'offer', roomId: 'm', uid: 'a', remoteUid: 'b', msg: 'x' });
    await b.next('offer');
    a.send('nonsense');
    await a.next('error');
    a.send({ cmd: 'offer', roomId: 'm', uid: 'b', remoteUid: 'a', msg: 'x' });
    await a.next('error');
    const response = await fetch(`${server.httpUrl}/metrics`);
    assert.match(response.headers.get('content-type') ?? '', /text\/plain/);
    const text = await response.text();
    assert.match(text, /^zerortc_connections 2$/m);
    assert.match(text, /^zerortc_rooms 1$/m);
    assert.match(text, /^zerortc_messages_relayed_total 1$/m);
    assert.match(text, /^zerortc_errors_total\{code="bad-json"\} 1$/m);
    assert.match(text, /^zerortc_errors_total\{code="not-in-room"\} 1$/m);
    await Promise.all([a.close(), b.close()]);
  });

  it('serves the call page at / and /?room=NAME', async () => {
    for (const path of ['/', '/?room=abc']) {
      const page = await fetch(`${server.httpUrl}${path}`);
      assert.equal(page.status, 200);
      assert.match(page.headers.get('content-type') ?? '', /text\/html/);
      assert.match(await page.text(), /id="joinBtn"/);
    }
    assert.equal((await fetch(`${server.httpUrl}/no-such-file`)).status, 404);
    assert.equal((await fetch(`${server.httpUrl}/healthz`, { method: 'POST' })).status, 405);
  });

  it('never writes SDP, resume credentials or the TURN secret to its log', async () => {
    const { client: a, joined } = await joinRoom(server.wsUrl, 'secret', 'a');
    const { client: b } = await joinRoom(server.wsUrl, 'secret', 'b');
    a.send({ cmd: 'offer', roomId: 'secret', uid: 'a', remoteUid: 'b', msg: 'v=0 SDP-MARKER' });
    await b.next('offer');
    a.send({ cmd: 'offer', roomId: 'secret', uid: 'zz', remoteUid: 'b', msg: 'v=0 SDP-MARKER' });
    await a.next('error');
    await Promise.all([a.close(), b.close()]);
    const log = JSON.stringify(server.logs);
    assert.ok(
      server.logs.some((line) => line['msg'] === 'peer joined'),
      'joins are logged',
    );
    assert.equal(log.includes('SDP-MARKER'), false);
    assert.equal(log.includes(String(joined['resume'])), false);
    assert.equal(log.includes('never-logged-secret'), false);
  });
});

describe('HTTPS', () => {
  it('serves HTTPS and WSS with the given certificate and key', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'zerortc-tls-'));
    try {
      const { cert, key } = await selfSignedCertificate(dir);
      const server = await startServer({ tlsCert: cert, tlsKey: key });
      const ws = new WebSocket(`wss://127.0.0.1:${server.port}/ws`, { rejectUnauthorized: false });
      const joined = await new Promise<string>((resolve, reject) => {
        ws.on('open', () => ws.send(JSON.stringify({ cmd: 'join', roomId: 'tls', uid: 'a' })));
        ws.on('message', (data: Buffer) => resolve(data.toString()));
        ws.on('error', reject);
      });
      assert.equal((JSON.parse(joined) as { cmd: string }).cmd, 'joined');
      // Under TLS, browsers are told to keep to https.
      const hsts = await new Promise<string | undefined>((resolve, reject) => {
        https
          .get(`https://127.0.0.1:${server.port}/healthz`, { rejectUnauthorized: false }, (res) => {
            res.resume();
            resolve(res.headers['strict-transport-security']);
          })
          .on('error', reject);
      });
      assert.equal(hsts, 'max-age=15552000');
      ws.close();
      await server.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
