/**
 * Builds a ZeroRTC server (HTTP + WebSocket on one port) without listening: tests and main
 * both start it the same way.
 */
import { readFileSync } from 'node:fs';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { HARD_FRAME_LIMIT, type Config } from './config.ts';
import { createHttpHandler } from './http.ts';
import type { Logger } from './logger.ts';
import { createMetrics, type Metrics } from './metrics.ts';
import { MemoryRoomStore } from './rooms/memory-store.ts';
import type { RoomStore } from './rooms/store.ts';
import { Signaling, type Bus } from './signaling.ts';
import { startStunServer, type StunServer } from './stun.ts';

export interface AppDeps {
  readonly log: Logger;
  readonly store?: RoomStore;
  readonly now?: () => number;
  readonly nodeId?: string;
  readonly webRoot?: string;
}

export interface App {
  readonly server: Server;
  readonly signaling: Signaling;
  readonly metrics: Metrics;
  readonly store: RoomStore;
  /**
   * Listens on the configured host and port, and starts the built-in STUN server; resolves with
   * the address chosen.
   */
  listen(): Promise<AddressInfo>;
  /** The built-in STUN server's UDP port while it runs. */
  readonly stunPort: number | undefined;
  /** Stops taking connections, tells clients (1012), closes the store. Safe to call twice. */
  close(): Promise<void>;
  /** Plugs in cross-node delivery (cluster mode). */
  setBus(bus: Bus): void;
}

const WS_PATHS = new Set(['/', '/ws']);

/**
 * A socket's error listener that closes over nothing: an arrow function here would share its
 * scope with the upgrade request (captured by the handleUpgrade callback) and keep every
 * request, headers and all, alive for as long as its connection (about 1 KB each).
 */
function destroySocket(this: Duplex): void {
  this.destroy();
}

export function createApp(config: Config, deps: AppDeps): App {
  const { log } = deps;
  const now = deps.now ?? Date.now;
  const store = deps.store ?? new MemoryRoomStore();
  let closing: Promise<void> | undefined;
  let stun: StunServer | undefined;

  const metrics = createMetrics({
    // Read at scrape time, when `hub` exists.
    connections: () => hub.connections.size,
    rooms: () => store.roomCount(),
  });
  const hub = new Signaling({
    config,
    store,
    metrics,
    log,
    now,
    ...(deps.nodeId !== undefined && { nodeId: deps.nodeId }),
  });

  const handler = createHttpHandler({
    config,
    metrics,
    now,
    ready: async () => closing === undefined && (await store.ready()),
    stunPort: () => stun?.port,
    ...(deps.webRoot !== undefined && { webRoot: deps.webRoot }),
  });
  const server =
    config.tlsCert !== undefined && config.tlsKey !== undefined
      ? createHttpsServer({ cert: readFileSync(config.tlsCert), key: readFileSync(config.tlsKey) }, handler)
      : createHttpServer(handler);

  const wss = new WebSocketServer({
    noServer: true,
    clientTracking: false,
    maxPayload: HARD_FRAME_LIMIT,
    perMessageDeflate: false,
  });
  server.on('upgrade', (req, socket: Duplex, head: Buffer) => {
    socket.on('error', destroySocket);
    const path = (req.url ?? '/').split('?', 1)[0] ?? '/';
    if (closing !== undefined || !WS_PATHS.has(path)) {
      socket.end(`HTTP/1.1 ${closing ? '503 Service Unavailable' : '404 Not Found'}\r\nConnection: close\r\n\r\n`);
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => hub.accept(ws, req));
  });
  server.on('clientError', (_err, socket) => socket.destroy());

  return {
    server,
    signaling: hub,
    metrics,
    store,
    setBus(bus) {
      hub.bus = bus;
    },
    get stunPort() {
      return stun?.port;
    },
    async listen() {
      const address = await new Promise<AddressInfo>((resolve, reject) => {
        server.once('error', reject);
        server.listen(config.port, config.host, () => {
          server.off('error', reject);
          resolve(server.address() as AddressInfo);
        });
      });
      try {
        stun = await startStun(config, address.port, log, () => metrics.stunRequests.inc());
      } catch (err) {
        server.close();
        throw err;
      }
      return address;
    },
    close() {
      closing ??= (async () => {
        server.close();
        await hub.close();
        wss.close();
        server.closeAllConnections();
        await Promise.all([store.close(), stun?.close()]);
      })();
      return closing;
    },
  };
}

/**
 * Starts the built-in STUN server on `--stun-port`, by default on the same number as the HTTP
 * port (UDP and TCP ports are separate). An explicit port that cannot be bound stops the start;
 * the default one, taken by something else, only costs the built-in STUN (logged).
 */
async function startStun(
  config: Config,
  httpPort: number,
  log: Logger,
  onRequest: () => void,
): Promise<StunServer | undefined> {
  if (config.stunPort === 0) return undefined;
  const port = config.stunPort ?? httpPort;
  try {
    const stun = await startStunServer({ host: config.host, port, log, onRequest });
    log.info({ port: stun.port }, 'stun server listening');
    return stun;
  } catch (err) {
    if (config.stunPort !== undefined) throw err;
    log.warn({ err, port }, 'built-in stun server not started: its udp port is taken; set --stun-port');
    return undefined;
  }
}
