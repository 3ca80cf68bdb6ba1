/**
 * ZeroRTC on someone else's HTTP server: a request handler (health, metrics, ICE servers, the
 * call page) that can sit under a path prefix, and the signaling WebSocket on that prefix. The
 * stand-alone command (app.ts) is this plus a server of its own.
 */
import type { IncomingMessage, Server as HttpServer, ServerResponse } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { createAccess } from './access.ts';
import { HARD_FRAME_LIMIT, type Config } from './config.ts';
import { createHttpHandler, type RequestHandler } from './http.ts';
import type { Logger } from './logger.ts';
import { createMetrics, type Metrics } from './metrics.ts';
import { MemoryRoomStore } from './rooms/memory-store.ts';
import type { RoomStore } from './rooms/store.ts';
import { Signaling, type Bus } from './signaling.ts';
import { SignalingSocket } from './signaling-socket.ts';
import { startStunServer, type StunServer } from './stun.ts';

/** What the core needs besides the options. */
export interface CoreDeps {
  readonly log: Logger;
  readonly store?: RoomStore;
  readonly now?: () => number;
  readonly nodeId?: string;
  /** Directory of the built call page; `false` serves no page. */
  readonly webRoot?: string | false;
  /** URL path ZeroRTC lives under (`''` = the root), already normalized. */
  readonly prefix?: string;
}

/** The core behind both createZeroRtc and the stand-alone app. */
export interface ZeroRtcCore {
  readonly handler: RequestHandler;
  readonly signaling: Signaling;
  readonly metrics: Metrics;
  readonly store: RoomStore;
  readonly closing: boolean;
  /** The built-in STUN server's UDP port while it runs. */
  readonly stunPort: number | undefined;
  /**
   * Starts the built-in STUN server on `--stun-port`, by default on the HTTP port's number
   * (`httpPort`; UDP and TCP ports are separate). Rejects when an explicit port cannot be bound;
   * the default one, taken by something else, only costs the built-in STUN (logged). Does
   * nothing with `--stun-port 0` or when it already runs.
   */
  startStun(httpPort: number): Promise<void>;
  attach(server: HttpServer | HttpsServer): void;
  setBus(bus: Bus): void;
  close(): Promise<void>;
}

/**
 * A socket's error listener that closes over nothing: an arrow function here would share its
 * scope with the upgrade request (captured by the handleUpgrade callback) and keep every
 * request, headers and all, alive for as long as its connection (about 1 KB each).
 */
function destroySocket(this: Duplex): void {
  this.destroy();
}

function pathOf(url: string): string {
  const q = url.indexOf('?');
  return q < 0 ? url : url.slice(0, q);
}

function notFound(res: ServerResponse): void {
  res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' });
  res.end('Not found\n');
}

/**
 * Routes on the URL as the client sent it (Express and Connect keep it in `originalUrl` when they
 * strip a mount path), so the handler works the same mounted with or without a path, and the
 * prefix is the one the WebSocket listens on too.
 */
function underPrefix(prefix: string, page: boolean, inner: RequestHandler): RequestHandler {
  return (req, res, next) => {
    const full = (req as IncomingMessage & { originalUrl?: string }).originalUrl ?? req.url ?? '/';
    const path = pathOf(full);
    if (prefix !== '' && path === prefix && page) {
      // The page's assets are relative: `/calls` must become `/calls/` for them to resolve.
      res.writeHead(308, { Location: `${prefix}/${full.slice(path.length)}` });
      res.end();
      return;
    }
    if (prefix !== '' && !path.startsWith(`${prefix}/`)) {
      if (next) next();
      else notFound(res);
      return;
    }
    const own = full.slice(prefix.length);
    if (own === req.url) {
      inner(req, res, next);
      return;
    }
    // The host framework reads req.url again after next(): give it back its own.
    const theirs = req.url;
    req.url = own;
    inner(
      req,
      res,
      next &&
        (() => {
          req.url = theirs;
          next();
        }),
    );
  };
}

export function createCore(config: Config, deps: CoreDeps): ZeroRtcCore {
  const { log } = deps;
  const prefix = deps.prefix ?? '';
  const now = deps.now ?? Date.now;
  const store = deps.store ?? new MemoryRoomStore();
  let closing: Promise<void> | undefined;
  let stun: StunServer | undefined;

  const metrics = createMetrics({
    // Read at scrape time, when `hub` exists.
    connections: () => hub.connections.size,
    rooms: () => store.roomCount(),
  });
  // One door for both sides: a failed token check over HTTP counts against the WebSocket too.
  const access = createAccess(config, now);
  const hub = new Signaling({
    config,
    access,
    stunPort: () => stun?.port,
    store,
    metrics,
    log,
    now,
    ...(deps.nodeId !== undefined && { nodeId: deps.nodeId }),
  });
  const handler = underPrefix(
    prefix,
    deps.webRoot !== false,
    createHttpHandler({
      config,
      metrics,
      now,
      access,
      ready: async () => closing === undefined && (await store.ready()),
      stunPort: () => stun?.port,
      ...(deps.webRoot !== undefined && { webRoot: deps.webRoot }),
    }),
  );

  const wss = new WebSocketServer<typeof SignalingSocket>({
    WebSocket: SignalingSocket,
    noServer: true,
    clientTracking: false,
    maxPayload: HARD_FRAME_LIMIT,
    perMessageDeflate: false,
  });
  // `/ws`, and the prefix itself because the tutorial's client connects with no path.
  const wsPaths = new Set(prefix === '' ? ['/', '/ws'] : [prefix, `${prefix}/`, `${prefix}/ws`]);
  const servers = new Set<HttpServer | HttpsServer>();

  function onUpgrade(this: HttpServer, req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const ours = wsPaths.has(pathOf(req.url ?? '/'));
    // Another listener (the host app's own WebSocket, a dev server's) may own other paths.
    if (!ours && this.listenerCount('upgrade') > 1) return;
    socket.on('error', destroySocket);
    if (closing !== undefined || !ours) {
      socket.end(`HTTP/1.1 ${closing ? '503 Service Unavailable' : '404 Not Found'}\r\nConnection: close\r\n\r\n`);
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      // The WebSocket has its own error listener on the socket now; a second one for the life of
      // the connection would turn the socket's one listener into an array of two.
      socket.off('error', destroySocket);
      hub.accept(ws, req);
    });
  }

  return {
    handler,
    signaling: hub,
    metrics,
    store,
    get closing() {
      return closing !== undefined;
    },
    get stunPort() {
      return stun?.port;
    },
    async startStun(httpPort) {
      if (config.stunPort === 0 || stun !== undefined || closing !== undefined) return;
      const port = config.stunPort ?? httpPort;
      const onRequest = (): void => metrics.stunRequests.inc();
      try {
        stun = await startStunServer({ host: config.host, port, log, onRequest });
        log.info({ port: stun.port }, 'stun server listening');
      } catch (err) {
        if (config.stunPort !== undefined) throw err;
        log.warn({ err, port }, 'built-in stun server not started: its udp port is taken; set --stun-port');
      }
    },
    attach(server) {
      if (servers.has(server)) return;
      servers.add(server);
      server.on('upgrade', onUpgrade);
    },
    setBus(bus) {
      hub.bus = bus;
    },
    close() {
      closing ??= (async () => {
        await hub.close();
        wss.close();
        await Promise.all([store.close(), stun?.close()]);
      })();
      return closing;
    },
  };
}
