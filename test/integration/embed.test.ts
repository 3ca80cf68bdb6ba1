/**
 * createZeroRtc (zerortc/server) on a node:http server the host app owns: its routes beside
 * ZeroRTC's under a prefix, another WebSocket endpoint left alone, options checked by name.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { WebSocket, WebSocketServer } from 'ws';
import { createZeroRtc, ConfigError, type ZeroRtc } from '../../src/server/index.ts';
import { createLogger } from '../../src/server/logger.ts';
import { joinRoom, withTimeout } from '../helpers/client.ts';

const quiet = createLogger(
  'silent',
  new Writable({
    write: (_c, _e, done) => done(),
  }),
);

describe('createZeroRtc on a server of the host app', () => {
  let server: Server;
  let zerortc: ZeroRtc;
  let base = '';
  const theirs = new WebSocketServer({ noServer: true });

  before(async () => {
    zerortc = createZeroRtc({ prefix: '/calls/', logger: quiet, turnTtl: 600 });
    // The host app: its own route and its own WebSocket, ZeroRTC's handler with a fall-through.
    server = createServer((req, res) =>
      zerortc.handler(req, res, () => {
        res.writeHead(req.url === '/hello' ? 200 : 404, { 'Content-Type': 'text/plain' });
        res.end(req.url === '/hello' ? 'the app' : 'the app has no such page');
      }),
    );
    server.on('upgrade', (req, socket, head) => {
      if (req.url === '/chat') theirs.handleUpgrade(req, socket, head, (ws) => ws.send('chat here'));
    });
    zerortc.attach(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    await zerortc.close();
    theirs.close();
    server.closeAllConnections();
    server.close();
  });

  it('answers its endpoints under the prefix and passes everything else to the app', async () => {
    assert.equal(zerortc.prefix, '/calls');
    assert.deepEqual(await (await fetch(`${base}/calls/healthz`)).json(), { status: 'ok' });
    assert.equal(((await (await fetch(`${base}/calls/api/ice-servers`)).json()) as { ttl: number }).ttl, 600);
    assert.match(await (await fetch(`${base}/calls/metrics`)).text(), /zerortc_connections/);
    assert.equal(await (await fetch(`${base}/hello`)).text(), 'the app');
    const outside = await fetch(`${base}/healthz`);
    assert.equal(outside.status, 404);
    assert.equal(await outside.text(), 'the app has no such page');
    // A POST that is not ZeroRTC's reaches the app; one on ZeroRTC's endpoints is refused.
    assert.equal((await fetch(`${base}/hello`, { method: 'POST' })).status, 200);
    assert.equal((await fetch(`${base}/calls/healthz`, { method: 'POST' })).status, 405);
  });

  it('serves the call page at the prefix, redirecting /calls to /calls/ so its assets resolve', async () => {
    const bare = await fetch(`${base}/calls?room=r`, { redirect: 'manual' });
    assert.equal(bare.status, 308);
    assert.equal(bare.headers.get('location'), '/calls/?room=r');
    const page = await fetch(`${base}/calls/?room=r`);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /id="joinBtn"/);
  });

  it('takes signaling WebSockets on /calls/ws and /calls, and leaves /chat to the app', async () => {
    const a = await joinRoom(`${base.replace('http', 'ws')}/calls/ws`, 'embed', 'a');
    const b = await joinRoom(`${base.replace('http', 'ws')}/calls`, 'embed', 'b');
    assert.equal((await a.client.next('new-peer'))['remoteUid'], 'b');
    await a.client.close();
    await b.client.close();
    const chat = new WebSocket(`${base.replace('http', 'ws')}/chat`);
    const first = await withTimeout(
      new Promise<string>((resolve) => chat.once('message', (data: Buffer) => resolve(data.toString()))),
      5000,
      'the app’s own WebSocket',
    );
    assert.equal(first, 'chat here');
    chat.close();
  });

  it('refuses a bad option with an error that names it as passed', () => {
    assert.throws(
      () => createZeroRtc({ graceSeconds: 120, logger: quiet }),
      (err: unknown) => err instanceof ConfigError && /^Invalid option graceSeconds: .*60/.test(err.message),
    );
    assert.throws(
      () => createZeroRtc({ turnUrls: ['http://x'], turnSecret: 's', logger: quiet }),
      /Invalid option turnUrls: "http:\/\/x" is not a turn: or turns: URL/,
    );
    assert.throws(() => createZeroRtc({ prefix: 'calls', logger: quiet }), /Invalid option prefix/);
    // Options of the command alone are refused rather than silently ignored.
    assert.throws(() => createZeroRtc({ port: 80, logger: quiet } as never), /Invalid option port: belongs to/);
    assert.throws(() => createZeroRtc({ colour: 'blue', logger: quiet } as never), /Invalid option colour/);
  });

  it('without the page, leaves the prefix root to the app', async () => {
    const bare = createZeroRtc({ prefix: '/rtc', page: false, logger: quiet });
    const host = createServer((req, res) => bare.handler(req, res, () => res.writeHead(204).end()));
    await new Promise<void>((resolve) => host.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(host.address() as AddressInfo).port}`;
      assert.equal((await fetch(`${url}/rtc/`)).status, 204);
      assert.equal((await fetch(`${url}/rtc`, { redirect: 'manual' })).status, 204);
      assert.equal((await fetch(`${url}/rtc/healthz`)).status, 200);
    } finally {
      await bare.close();
      host.close();
    }
  });
});
