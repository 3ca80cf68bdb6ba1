/**
 * The built-in STUN server: a real UDP client against a real server on port 0, and what
 * /api/ice-servers hands out with it.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import { once } from 'node:events';
import { request, type IncomingMessage } from 'node:http';
import { json } from 'node:stream/consumers';
import { after, before, describe, it } from 'node:test';
import { Message, classes, methods, parseMessage } from 'werift-ice';
import { startServer, type TestServer } from '../helpers/server.ts';
import { withTimeout } from '../helpers/client.ts';

async function udpClient(): Promise<Socket> {
  const socket = createSocket('udp4');
  socket.bind(0, '127.0.0.1');
  await once(socket, 'listening');
  return socket;
}

/**
 * Sends `request`, retransmitting it every 250 ms as STUN clients do over UDP (a datagram may be
 * dropped under a flood), and resolves with the first answer carrying its transaction id.
 */
async function ask(socket: Socket, port: number, request: Message): Promise<Message> {
  const answer = new Promise<Message>((resolve) => {
    const onMessage = (datagram: Buffer): void => {
      const reply = parseMessage(datagram);
      if (reply?.transactionIdHex !== request.transactionIdHex) return;
      socket.off('message', onMessage);
      resolve(reply);
    };
    socket.on('message', onMessage);
  });
  const send = (): void => socket.send(request.bytes, port, '127.0.0.1');
  send();
  const retransmit = setInterval(send, 250);
  try {
    return await withTimeout(answer, 5000, 'STUN answer');
  } finally {
    clearInterval(retransmit);
  }
}

interface IceServersAnswer {
  iceServers: { urls: string[]; username?: string }[];
}

/** GET /api/ice-servers with the Host header a browser would send (fetch cannot set it). */
async function iceServers(server: TestServer, host = `127.0.0.1:${server.port}`): Promise<IceServersAnswer> {
  const req = request({ host: '127.0.0.1', port: server.port, path: '/api/ice-servers', headers: { Host: host } });
  req.end();
  const [res] = (await once(req, 'response')) as [IncomingMessage];
  assert.equal(res.statusCode, 200);
  return (await json(res)) as IceServersAnswer;
}

describe('built-in STUN server', () => {
  let server: TestServer;
  let client: Socket;
  before(async () => {
    server = await startServer();
    client = await udpClient();
  });
  after(async () => {
    client.close();
    await server.close();
  });

  it('listens on the HTTP port number over UDP by default', () => {
    assert.equal(server.app.stunPort, server.port);
  });

  it('answers a Binding request with the address and port the request came from', async () => {
    const request = new Message(methods.BINDING, classes.REQUEST).addFingerprint();
    const reply = await ask(client, server.port, request);
    assert.equal(reply.messageClass, classes.RESPONSE);
    assert.deepEqual(reply.getAttributeValue('XOR-MAPPED-ADDRESS'), ['127.0.0.1', client.address().port]);
  });

  it('answers another method with error 400 and an unknown mandatory attribute with 420', async () => {
    const allocate = await ask(client, server.port, new Message(methods.ALLOCATE, classes.REQUEST));
    assert.equal(allocate.messageClass, classes.ERROR);
    assert.equal((allocate.getAttributeValue('ERROR-CODE') as [number, string])[0], 400);
    const unknown = await ask(
      client,
      server.port,
      new Message(methods.BINDING, classes.REQUEST).appendRawAttribute(0x0011, Buffer.alloc(4)),
    );
    assert.equal((unknown.getAttributeValue('ERROR-CODE') as [number, string])[0], 420);
    assert.deepEqual(unknown.getAttributeValue('UNKNOWN-ATTRIBUTES'), [0x0011]);
  });

  it('shrugs off garbage and truncated messages, then still answers', async () => {
    const valid = new Message(methods.BINDING, classes.REQUEST).setAttribute('SOFTWARE', 'x').addFingerprint().bytes;
    for (let i = 0; i < 500; i++) {
      const junk = i % 2 === 0 ? randomBytes(1 + (i % 300)) : valid.subarray(0, i % valid.length);
      client.send(junk, server.port, '127.0.0.1');
    }
    const reply = await ask(client, server.port, new Message(methods.BINDING, classes.REQUEST));
    assert.equal(reply.messageClass, classes.RESPONSE);
  });

  it('is handed out by /api/ice-servers at the host the page came from', async () => {
    assert.deepEqual((await iceServers(server)).iceServers, [{ urls: [`stun:127.0.0.1:${server.port}`] }]);
    const named = await iceServers(server, `calls.example.org:${server.port}`);
    assert.deepEqual(named.iceServers, [{ urls: [`stun:calls.example.org:${server.port}`] }]);
    const v6 = await iceServers(server, '[2001:db8::1]:443');
    assert.deepEqual(v6.iceServers, [{ urls: [`stun:[2001:db8::1]:${server.port}`] }]);
  });

  it('is left out for a Host header that is not a host, and the answer is otherwise whole', async () => {
    const answer = await iceServers(server, 'evil"host/?x');
    assert.deepEqual(answer.iceServers, []);
  });

  it('counts the requests it answered in /metrics', async () => {
    const text = await (await fetch(`${server.httpUrl}/metrics`)).text();
    const count = Number(/^zerortc_stun_requests_total (\d+)/m.exec(text)?.[1]);
    assert.ok(count >= 4, `stun requests counted: ${count}`);
  });
});

describe('built-in STUN server options', () => {
  it('gives way to --stun-urls in /api/ice-servers, and still runs', async () => {
    const server = await startServer({ stunUrls: ['stun:stun.example.org:3478'] });
    try {
      assert.deepEqual((await iceServers(server)).iceServers, [{ urls: ['stun:stun.example.org:3478'] }]);
      assert.equal(server.app.stunPort, server.port);
    } finally {
      await server.close();
    }
  });

  it('is off with --stun-port 0: no STUN entry, and the UDP port is free', async () => {
    const server = await startServer({ stunPort: 0 });
    try {
      assert.equal(server.app.stunPort, undefined);
      assert.deepEqual((await iceServers(server)).iceServers, []);
      const probe = createSocket('udp4');
      probe.bind(server.port, '127.0.0.1');
      await once(probe, 'listening');
      probe.close();
    } finally {
      await server.close();
    }
  });

  it('listens on the --stun-port given, and stops with the server', async () => {
    const holder = await udpClient();
    const port = holder.address().port;
    holder.close();
    const server = await startServer({ stunPort: port });
    const client = await udpClient();
    try {
      assert.equal(server.app.stunPort, port);
      const reply = await ask(client, port, new Message(methods.BINDING, classes.REQUEST));
      assert.equal(reply.messageClass, classes.RESPONSE);
      assert.deepEqual((await iceServers(server)).iceServers, [{ urls: [`stun:127.0.0.1:${port}`] }]);
    } finally {
      client.close();
      await server.close();
    }
    const again = createSocket('udp4');
    again.bind(port, '127.0.0.1');
    await once(again, 'listening');
    again.close();
  });

  it('lets the server start without it when the default UDP port is taken, and says so', async () => {
    const holder = await udpClient();
    const port = holder.address().port;
    try {
      const server = await startServer({ port });
      try {
        assert.equal(server.app.stunPort, undefined);
        assert.ok(server.logs.some((line) => String(line['msg']).startsWith('built-in stun server not started')));
        assert.equal((await fetch(`${server.httpUrl}/healthz`)).status, 200);
      } finally {
        await server.close();
      }
    } finally {
      holder.close();
    }
  });

  it('refuses to start when an explicit --stun-port is taken', async () => {
    const holder = await udpClient();
    try {
      await assert.rejects(startServer({ stunPort: holder.address().port }), { code: 'EADDRINUSE' });
    } finally {
      holder.close();
    }
  });
});
