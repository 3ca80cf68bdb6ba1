/**
 * The benchmark's baseline: the least a signaling relay can do with the `ws` library. The first
 * frame of a socket is its join (parsed once, for the room name); the second member of a room
 * gets `resp-join`, the first `new-peer`; from then on every frame goes to the other member as
 * it arrived, unparsed. No checks, no limits, no heartbeat, no logs, no metrics.
 *
 * Usage: node baseline-relay.js PORT   (listens on 127.0.0.1)
 */
import { WebSocketServer, type WebSocket } from 'ws';

interface Member {
  readonly ws: WebSocket;
  peer: Member | undefined;
  roomId: string | undefined;
}

const port = Number(process.argv[2]);
if (!Number.isInteger(port) || port <= 0) {
  process.stderr.write('usage: baseline-relay PORT\n');
  process.exit(2);
}

const waiting = new Map<string, Member>();

function roomOf(data: Buffer): string | undefined {
  try {
    const value: unknown = JSON.parse(data.toString('utf8'));
    if (typeof value !== 'object' || value === null || !('roomId' in value)) return undefined;
    const { roomId } = value;
    return typeof roomId === 'string' || typeof roomId === 'number' ? String(roomId) : undefined;
  } catch {
    return undefined;
  }
}

const wss = new WebSocketServer({ host: '127.0.0.1', port, perMessageDeflate: false, clientTracking: false });
wss.on('connection', (ws: WebSocket) => {
  ws.on('error', () => undefined);
  const self: Member = { ws, peer: undefined, roomId: undefined };
  ws.on('message', (data: Buffer, isBinary: boolean) => {
    if (self.peer) {
      self.peer.ws.send(data, { binary: isBinary });
      return;
    }
    if (self.roomId !== undefined) return;
    const roomId = roomOf(data);
    if (roomId === undefined) return;
    self.roomId = roomId;
    const other = waiting.get(roomId);
    if (!other) {
      waiting.set(roomId, self);
      return;
    }
    waiting.delete(roomId);
    other.peer = self;
    self.peer = other;
    other.ws.send(JSON.stringify({ cmd: 'new-peer', remoteUid: 'b' }));
    ws.send(JSON.stringify({ cmd: 'resp-join', remoteUid: 'a' }));
  });
  ws.on('close', () => {
    if (self.roomId !== undefined && waiting.get(self.roomId) === self) waiting.delete(self.roomId);
    if (self.peer) self.peer.peer = undefined;
    self.peer = undefined;
  });
});
wss.on('error', (err) => {
  process.stderr.write(`baseline-relay: ${err.message}\n`);
  process.exit(1);
});
process.on('SIGTERM', () => process.exit(0));
process.on('SIGINT', () => process.exit(0));
