/**
 * Delivery to connections on other nodes over Redis pub/sub: one channel per node, and a
 * connection id starts with the id of its node (`<node>.<n>`), so a message goes straight to the
 * node that holds the socket. Delivery is at most once: a message for a node that is gone, or
 * sent while Redis is away, is lost (the client renegotiates when its peer is back).
 */
import type { Redis } from 'ioredis';
import type { ServerMessage } from '../../protocol/index.ts';
import type { PeerRef } from '../connection.ts';
import type { Logger } from '../logger.ts';
import type { Bus } from '../signaling.ts';

/** What the bus hands incoming messages to: the local hub. */
export interface LocalDelivery {
  has(connId: string): boolean;
  notify(connId: string, message: ServerMessage, peer: PeerRef | null | undefined): void;
  deliver(connId: string, frame: string): void;
  replace(connId: string): void;
}

/** The node id a connection id belongs to. */
export function nodeOf(connId: string): string {
  const dot = connId.indexOf('.');
  return dot === -1 ? '' : connId.slice(0, dot);
}

interface NotifyBody {
  readonly m: ServerMessage;
  readonly p?: PeerRef | null;
}

export class RedisBus implements Bus {
  readonly #pub: Redis;
  readonly #sub: Redis;
  readonly #node: string;
  readonly #prefix: string;
  readonly #log: Logger;
  #local: LocalDelivery | undefined;
  #lostSince = 0;

  constructor(options: { pub: Redis; sub: Redis; node: string; prefix: string; log: Logger }) {
    this.#pub = options.pub;
    this.#sub = options.sub;
    this.#node = options.node;
    this.#prefix = options.prefix;
    this.#log = options.log;
  }

  channel(node: string): string {
    return `${this.#prefix}node:${node}`;
  }

  /** Subscribes to this node's channel and hands what arrives to `local`. */
  async start(local: LocalDelivery): Promise<void> {
    this.#local = local;
    this.#sub.on('message', (_channel: string, payload: string) => this.#receive(payload));
    await this.#sub.subscribe(this.channel(this.#node));
  }

  notify(connId: string, message: ServerMessage, peer: PeerRef | null | undefined): void {
    const body: NotifyBody = peer === undefined ? { m: message } : { m: message, p: peer };
    this.#publish(connId, `n${connId}\n${JSON.stringify(body)}`);
  }

  deliver(connId: string, frame: Buffer | string): void {
    this.#publish(connId, `d${connId}\n${typeof frame === 'string' ? frame : frame.toString('utf8')}`);
  }

  replace(connId: string): void {
    this.#publish(connId, `r${connId}\n`);
  }

  #publish(connId: string, payload: string): void {
    const node = nodeOf(connId);
    // A connection of this node that is not in the hub any more is gone: nothing to do.
    if (node === '' || node === this.#node) return;
    this.#pub.publish(this.channel(node), payload).catch((err: unknown) => {
      // One line per outage, not one per message.
      const now = Date.now();
      if (now - this.#lostSince > 10_000) this.#log.warn({ err }, 'cross-node message lost');
      this.#lostSince = now;
    });
  }

  #receive(payload: string): void {
    const local = this.#local;
    const newline = payload.indexOf('\n');
    if (!local || newline === -1) return;
    const kind = payload[0];
    const connId = payload.slice(1, newline);
    if (!local.has(connId)) return;
    const rest = payload.slice(newline + 1);
    try {
      if (kind === 'd') local.deliver(connId, rest);
      else if (kind === 'r') local.replace(connId);
      else if (kind === 'n') {
        const body = JSON.parse(rest) as NotifyBody;
        local.notify(connId, body.m, body.p);
      }
    } catch (err) {
      this.#log.error({ err }, 'bad cross-node message');
    }
  }
}
