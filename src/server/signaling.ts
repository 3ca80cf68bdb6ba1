/**
 * The signaling hub: accepts WebSockets, decodes each frame once, keeps each connection's
 * frames in order, dispatches to the handlers, and turns closes into leave (clean) or a held
 * seat (abnormal drop, missed heartbeats). It also runs the heartbeat and the grace timers.
 */
import type { IncomingMessage } from 'node:http';
import { CLOSE_CODES, decodeClientFrame, type ErrorCode, type ServerMessage } from '../protocol/index.ts';
import { clientIp, createAccess, type Access } from './access.ts';
import type { Config } from './config.ts';
import { Connection, type PeerRef, type Work } from './connection.ts';
import type { HandlerContext } from './handlers/context.ts';
import { handleIceServers } from './handlers/ice-servers.ts';
import { handleJoin } from './handlers/join.ts';
import { handleLeave, leaveSeat } from './handlers/leave.ts';
import { handleRelay } from './handlers/relay.ts';
import type { Logger } from './logger.ts';
import type { Metrics } from './metrics.ts';
import { builtInStunUrl } from './turn.ts';
import { Heartbeat, visit } from './heartbeat.ts';
import { closeListener, messageListener, onPong, type SignalingSocket } from './signaling-socket.ts';
import { TokenBucket } from './rate-limit.ts';
import type { RoomStore } from './rooms/store.ts';

/** How a cluster node reaches connections on other nodes. Absent on a single node. */
export interface Bus {
  notify(connId: string, message: ServerMessage, peer: PeerRef | null | undefined): void;
  deliver(connId: string, frame: Buffer | string): void;
  replace(connId: string): void;
}

export interface SignalingOptions {
  readonly config: Config;
  readonly store: RoomStore;
  readonly metrics: Metrics;
  readonly log: Logger;
  /** Prefix of connection ids: unique per node in a cluster. */
  readonly nodeId?: string;
  readonly now?: () => number;
  readonly bus?: Bus;
  /** Room tokens and failed-check limits, shared with the HTTP side. */
  readonly access?: Access;
  /** The built-in STUN server's UDP port while it runs. */
  readonly stunPort?: () => number | undefined;
}

/** At most this many distinct Host headers are remembered for STUN URLs (a server has few names). */
const MAX_HOSTS = 64;

const ABNORMAL_CLOSE = 1006;

export class Signaling implements HandlerContext {
  readonly config: Config;
  readonly store: RoomStore;
  readonly metrics: Metrics;
  readonly log: Logger;
  readonly connections = new Map<string, Connection>();
  readonly access: Access;
  bus: Bus | undefined;

  readonly #nodeId: string;
  readonly #now: () => number;
  readonly #perIp = new Map<string, number>();
  readonly #graceTimers = new Map<string, NodeJS.Timeout>();
  readonly #heartbeat: Heartbeat<Connection>;
  #nextId = 0;
  #closing = false;
  readonly #stunPort: () => number | undefined;
  /** Host header -> the same string, so that connections share one copy of each. */
  readonly #hosts = new Map<string, string>();
  /** One function for every connection, not a closure each. */
  readonly #countError = (code: ErrorCode): void => this.metrics.countError(code);
  readonly #onSocketError = (err: Error): void => this.log.debug({ err }, 'socket error');
  /** Shared by every socket (ws calls them with the socket as `this`). */
  readonly #onMessage = messageListener((conn, data, isBinary) => {
    conn.heard = true;
    // The usual case, nothing waiting: handle the frame at once, with no work item made for it.
    if (conn.busy) conn.defer({ kind: 'frame', data, isBinary });
    else this.#runFrame(conn, data, isBinary);
  });
  readonly #onClose = closeListener((conn, code) => this.#socketClosed(conn, code));

  constructor(options: SignalingOptions) {
    this.config = options.config;
    this.store = options.store;
    this.metrics = options.metrics;
    this.log = options.log;
    this.bus = options.bus;
    this.#nodeId = options.nodeId ?? 'n';
    this.#now = options.now ?? Date.now;
    this.access = options.access ?? createAccess(this.config, this.#now);
    this.#stunPort = options.stunPort ?? (() => undefined);
    this.#heartbeat = new Heartbeat(this.config.heartbeatSeconds * 1000, (conn) => this.#beat(conn));
  }

  /**
   * The built-in STUN server's URL as a connection reached us (its upgrade's Host header), for
   * ICE servers sent over the WebSocket; undefined when it is off or the header is no host.
   */
  builtInStun(host: string | undefined): string | undefined {
    const port = this.#stunPort();
    return port === undefined ? undefined : builtInStunUrl(host, port);
  }

  #internHost(host: string | undefined): string | undefined {
    if (host === undefined) return undefined;
    const known = this.#hosts.get(host);
    if (known !== undefined) return known;
    if (this.#hosts.size < MAX_HOSTS) this.#hosts.set(host, host);
    return host;
  }

  /** Takes a newly upgraded WebSocket into service. */
  accept(ws: SignalingSocket, req: IncomingMessage): void {
    // An error listener first: a socket error must never become an uncaught exception.
    ws.on('error', this.#onSocketError);

    const ip = clientIp(req, this.config.trustProxy);
    const id = `${this.#nodeId}${(this.#nextId++).toString(36)}`;
    const { rateLimit, rateBurst } = this.config;
    const bucket = rateLimit > 0 ? new TokenBucket(rateLimit, rateBurst, this.#now()) : undefined;
    const conn = new Connection(id, ws, ip, this.log, bucket, this.#countError);
    conn.host = this.#internHost(req.headers.host);

    const origin = req.headers.origin;
    const allowed = this.config.allowedOrigins;
    if (allowed !== undefined && (origin === undefined || !allowed.includes(origin))) {
      conn.log.warn({ origin }, 'origin refused');
      conn.sendError('unauthorized', `The origin ${origin ?? '(none)'} may not open this WebSocket.`);
      ws.close(CLOSE_CODES.policy, 'origin not allowed');
      return;
    }
    const count = this.#perIp.get(ip) ?? 0;
    if (this.config.maxConnsPerIp > 0 && count >= this.config.maxConnsPerIp) {
      conn.log.warn({ count }, 'too many connections from one address');
      conn.sendError('rate-limited', `Your address already has ${count} open connections; close some first.`);
      ws.close(CLOSE_CODES.tooManyConnections, 'too many connections');
      return;
    }
    this.#perIp.set(ip, count + 1);
    this.connections.set(id, conn);
    this.#heartbeat.add(conn);

    ws.connection = conn;
    ws.on('message', this.#onMessage);
    ws.on('pong', onPong);
    ws.on('close', this.#onClose);
  }

  #socketClosed(conn: Connection, code: number): void {
    this.connections.delete(conn.id);
    this.#heartbeat.delete(conn);
    const left = (this.#perIp.get(conn.ip) ?? 1) - 1;
    if (left > 0) this.#perIp.set(conn.ip, left);
    else this.#perIp.delete(conn.ip);
    this.#enqueue(conn, { kind: 'close', abnormal: code === ABNORMAL_CLOSE || conn.holdSeatOnClose });
  }

  // ---- HandlerContext ---------------------------------------------------------------------

  notify(connId: string, message: ServerMessage, peer?: PeerRef | null): void {
    const conn = this.connections.get(connId);
    if (!conn) {
      this.#remote(connId)?.notify(connId, message, peer);
      return;
    }
    if (peer !== undefined) conn.peer = peer ?? undefined;
    conn.send(message);
  }

  deliver(connId: string, frame: Buffer | string): void {
    const conn = this.connections.get(connId);
    if (conn) conn.sendRaw(frame);
    else this.#remote(connId)?.deliver(connId, frame);
  }

  replace(connId: string): void {
    const conn = this.connections.get(connId);
    if (!conn) {
      this.#remote(connId)?.replace(connId);
      return;
    }
    conn.info({ roomId: conn.seat?.roomId, uid: conn.seat?.uid }, 'seat resumed by another connection');
    conn.seat = undefined;
    conn.peer = undefined;
    conn.ws.close(CLOSE_CODES.replaced, 'resumed elsewhere');
  }

  /** The bus, for a connection of another node; a closed one of this node's own is simply gone. */
  #remote(connId: string): Bus | undefined {
    return connId.startsWith(this.#nodeId) ? undefined : this.bus;
  }

  cancelGrace(roomId: string, uid: string): void {
    // A node that is shutting down leaves its held seats to the store (and, in a cluster, to the
    // other nodes): the client resumes wherever it reconnects.
    if (this.#closing) return;
    const key = graceKey(roomId, uid);
    clearTimeout(this.#graceTimers.get(key));
    this.#graceTimers.delete(key);
  }

  // ---- frames, in order --------------------------------------------------------------------

  #enqueue(conn: Connection, work: Work): void {
    if (conn.busy) {
      conn.defer(work);
      return;
    }
    this.#run(conn, work);
  }

  /** A frame that waits on nothing: handled now; if it waits on the store, later work queues. */
  #runFrame(conn: Connection, data: Buffer, isBinary: boolean): void {
    let pending: Promise<void> | undefined;
    try {
      pending = this.#handleFrame(conn, data, isBinary);
    } catch (err) {
      conn.log.error({ err }, 'handler failed');
    }
    if (pending) this.#wait(conn, pending, { kind: 'frame', data, isBinary });
  }

  /** Holds the connection's later work until `pending` settles, then runs the backlog. */
  #wait(conn: Connection, pending: Promise<void>, current: Work): void {
    conn.busy = true;
    pending
      .catch((err: unknown) => this.#storeFailed(conn, err, current))
      .finally(() => {
        conn.busy = false;
        const next = conn.backlog?.shift();
        if (next) this.#run(conn, next);
      });
  }

  /** Runs work until one item waits on the store; the rest waits in the backlog. */
  #run(conn: Connection, first: Work): void {
    let work: Work | undefined = first;
    while (work) {
      const current = work;
      let pending: Promise<void> | undefined;
      try {
        pending = this.#handle(conn, current);
      } catch (err) {
        // A bug in a handler must cost one frame, never the process.
        conn.log.error({ err }, 'handler failed');
      }
      if (pending) {
        this.#wait(conn, pending, current);
        return;
      }
      work = conn.backlog?.shift();
    }
  }

  #handle(conn: Connection, work: Work): Promise<void> | undefined {
    if (work.kind === 'close') return this.#leaveOnClose(conn, work.abnormal);
    return this.#handleFrame(conn, work.data, work.isBinary);
  }

  #handleFrame(conn: Connection, data: Buffer, isBinary: boolean): Promise<void> | undefined {
    if (conn.bucket && !conn.bucket.take(this.#now())) {
      // One reply a second at most: a flood must not be answered by a flood. Every refused
      // frame is counted either way.
      const last = conn.lastRateLimitReply;
      if (last === undefined || this.#now() - last >= 1000) {
        conn.lastRateLimitReply = this.#now();
        conn.sendError('rate-limited', `The limit is ${this.config.rateLimit} messages a second.`);
      } else {
        this.metrics.countError('rate-limited');
      }
      return undefined;
    }

    // The seat's and the peer's ids are passed so that a relayed frame's ids make no new strings.
    const decoded = decodeClientFrame(data, isBinary, this.config.maxMessageBytes, conn.seat, conn.peer?.uid);
    if (!decoded.ok) {
      conn.sendError(decoded.code, decoded.detail, decoded.cmd);
      return undefined;
    }
    const { message } = decoded;
    switch (message.cmd) {
      case 'join':
        return handleJoin(this, conn, message);
      case 'leave':
        return handleLeave(this, conn, message);
      case 'ping':
        conn.send({ cmd: 'pong' });
        return undefined;
      case 'offer':
      case 'answer':
      case 'candidate':
        handleRelay(this, conn, message, data, decoded.verbatim);
        return undefined;
      case 'ice-servers':
        handleIceServers(this, conn, message);
        return undefined;
    }
  }

  #storeFailed(conn: Connection, err: unknown, work: Work): void {
    conn.log.warn({ err }, 'room store unavailable');
    if (work.kind === 'close') return;
    // Only join and leave wait on the store; the frame decoded once already, so this is cheap.
    const decoded = decodeClientFrame(work.data, work.isBinary, Number.POSITIVE_INFINITY);
    conn.sendError('unavailable', undefined, decoded.ok ? decoded.message.cmd : undefined);
  }

  // ---- leaving -----------------------------------------------------------------------------

  #leaveOnClose(conn: Connection, abnormal: boolean): Promise<void> | undefined {
    const seat = conn.seat;
    if (!seat) return undefined;
    if (!abnormal || this.config.graceSeconds === 0) return leaveSeat(this, conn, abnormal ? 'dropped' : 'closed');
    return this.#hold(conn);
  }

  async #hold(conn: Connection): Promise<void> {
    const seat = conn.seat;
    if (!seat) return;
    conn.seat = undefined;
    conn.peer = undefined;
    const { roomId, uid } = seat;
    const change = await this.store.hold(roomId, uid, conn.id);
    if (!change) return;
    const graceSeconds = this.config.graceSeconds;
    conn.info({ roomId, uid, graceSeconds }, 'peer dropped, seat held');
    if (change.peer) {
      const held = { uid, connId: conn.id, held: true };
      this.notify(change.peer.connId, { cmd: 'peer-reconnecting', remoteUid: uid, roomId, graceSeconds }, held);
    }
    // A node that is shutting down leaves its held seats to the store (and, in a cluster, to the
    // other nodes): the client resumes wherever it reconnects.
    if (this.#closing) return;
    const key = graceKey(roomId, uid);
    clearTimeout(this.#graceTimers.get(key));
    const timer = setTimeout(() => {
      this.#graceTimers.delete(key);
      this.#release(roomId, uid, conn.id).catch((err: unknown) => {
        this.log.error({ err, roomId }, 'could not release a held seat');
      });
    }, graceSeconds * 1000);
    this.#graceTimers.set(key, timer);
  }

  async #release(roomId: string, uid: string, connId: string): Promise<void> {
    const change = await this.store.release(roomId, uid, connId);
    if (!change) return;
    this.log.info({ roomId, uid }, 'held seat released');
    if (change.peer) this.notify(change.peer.connId, { cmd: 'peer-leave', remoteUid: uid, roomId }, null);
  }

  // ---- heartbeat ---------------------------------------------------------------------------

  /** Once per heartbeat interval for each connection: ping it, drop it, or leave a busy one be. */
  #beat(conn: Connection): void {
    const action = visit(conn);
    if (action === 'ping') {
      conn.ws.ping();
    } else if (action === 'drop') {
      conn.info({ roomId: conn.seat?.roomId }, 'heartbeat missed, dropping');
      conn.holdSeatOnClose = true;
      conn.ws.terminate();
    }
  }

  // ---- shutdown ----------------------------------------------------------------------------

  /**
   * Tells every client the server is restarting (close code 1012; seats are held so that they
   * can resume) and waits for the sockets to close. Safe to call twice.
   */
  async close(): Promise<void> {
    if (this.#closing) return;
    this.#closing = true;
    this.#heartbeat.stop();
    for (const timer of this.#graceTimers.values()) clearTimeout(timer);
    this.#graceTimers.clear();
    const closed: Promise<void>[] = [];
    for (const conn of this.connections.values()) {
      conn.holdSeatOnClose = true;
      closed.push(new Promise((resolve) => conn.ws.once('close', () => resolve())));
      conn.ws.close(CLOSE_CODES.restart, 'server restarting');
    }
    const deadline = setTimeout(() => {
      for (const conn of this.connections.values()) conn.ws.terminate();
    }, 2000);
    await Promise.all(closed);
    clearTimeout(deadline);
  }
}

function graceKey(roomId: string, uid: string): string {
  return `${roomId}\u0000${uid}`;
}
