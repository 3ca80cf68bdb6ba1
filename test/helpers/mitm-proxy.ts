/**
 * A man in the middle for tests: an HTTP and WebSocket proxy on 127.0.0.1 between the call page
 * and a real ZeroRTC server, as a compromised signaling path would be. Pages load from it and
 * signal through it; it can rewrite the SDP of relayed offers and answers in transit. Frames are
 * read with the repo's one decoder (src/protocol) and the client's description reader.
 */
import { request, createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import { parseDescription } from '../../src/client/candidates.ts';
import { decodeClientMessage } from '../../src/protocol/index.ts';

/** Rewrites one SDP (`cmd` is `offer` or `answer`); return it unchanged to let it pass. */
export type SdpRewriter = (cmd: 'offer' | 'answer', sdp: string) => string;

export interface MitmProxy {
  readonly httpUrl: string;
  /** How many descriptions the rewriter changed. */
  readonly rewritten: number;
  close(): Promise<void>;
}

/**
 * Replaces the hex of every `a=fingerprint` line with another certificate's, as an attacker
 * that terminates DTLS itself would have to. Returns the SDP unchanged when it has none.
 */
export function swapFingerprint(sdp: string): string {
  return sdp.replace(/^(a=fingerprint:\S+ )([0-9A-Fa-f:]+)/gm, (_line, head: string, hex: string) => {
    const flipped = hex
      .split(':')
      .map((byte) => (255 - parseInt(byte, 16)).toString(16).padStart(2, '0').toUpperCase())
      .join(':');
    return head + flipped;
  });
}

/** A text frame's payload (ws hands frames over as buffers). */
function frameText(data: RawData): string {
  return Array.isArray(data) ? Buffer.concat(data).toString('utf8') : Buffer.from(data as Buffer).toString('utf8');
}

/** Starts the proxy in front of `target` (the server's http://127.0.0.1:port). */
export async function startMitmProxy(target: string, rewrite: SdpRewriter): Promise<MitmProxy> {
  const upstream = new URL(target);
  let rewritten = 0;
  const server: Server = createServer((req, res) => {
    const forward = request(
      { host: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    forward.on('error', () => res.destroy());
    req.pipe(forward);
  });
  const wss = new WebSocketServer({ noServer: true });
  const sockets = new Set<WebSocket>();

  const tamper = (data: RawData): string => {
    const text = frameText(data);
    const decoded = decodeClientMessage(text, Number.POSITIVE_INFINITY);
    if (!decoded.ok) return text;
    const message = decoded.message;
    if (message.cmd !== 'offer' && message.cmd !== 'answer') return text;
    const description = parseDescription(message.msg);
    if (!description?.sdp) return text;
    const sdp = rewrite(message.cmd, description.sdp);
    if (sdp === description.sdp) return text;
    rewritten++;
    return JSON.stringify({ ...message, msg: JSON.stringify({ type: description.type, sdp }) });
  };

  server.on('upgrade', (req, socket, head) => {
    wss.handleUpgrade(req, socket, head, (client) => {
      sockets.add(client);
      const headers = req.headers.origin === undefined ? {} : { origin: req.headers.origin };
      const up = new WebSocket(`ws://${upstream.host}${req.url ?? '/ws'}`, { headers });
      sockets.add(up);
      const pending: string[] = [];
      client.on('error', () => undefined);
      up.on('error', () => client.close());
      up.on('open', () => {
        for (const frame of pending.splice(0)) up.send(frame);
      });
      client.on('message', (data) => {
        const frame = tamper(data);
        if (up.readyState === WebSocket.OPEN) up.send(frame);
        else pending.push(frame);
      });
      up.on('message', (data) => client.send(frameText(data)));
      client.on('close', () => up.close());
      up.on('close', (code) => client.close(code === 1005 || code === 1006 ? 1000 : code));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    httpUrl: `http://127.0.0.1:${port}`,
    get rewritten() {
      return rewritten;
    },
    async close() {
      for (const s of sockets) s.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
