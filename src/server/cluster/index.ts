/**
 * Cluster mode (--redis-url): rooms in Redis, cross-node delivery over pub/sub, node liveness.
 * main.ts imports this module only when a Redis URL is given, so a single node never loads a
 * Redis client.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import type { App } from '../app.ts';
import type { Logger } from '../logger.ts';
import { DEFAULT_PREFIX, RedisRoomStore } from '../rooms/redis-store.ts';
import { Liveness } from './liveness.ts';
import { RedisBus } from './redis-bus.ts';

export { RedisRoomStore } from '../rooms/redis-store.ts';
export { RedisBus, nodeOf } from './redis-bus.ts';
export { Liveness, ALIVE_MS, BEAT_MS } from './liveness.ts';

export interface ClusterOptions {
  readonly redisUrl: string;
  readonly graceSeconds: number;
  readonly log: Logger;
  /** Key and channel prefix (several clusters, or tests, may share one Redis). */
  readonly prefix?: string;
  /** A fixed node id; a random one otherwise. */
  readonly node?: string;
  readonly beatMs?: number;
  readonly aliveMs?: number;
}

export interface Cluster {
  readonly node: string;
  /** The prefix of this node's connection ids, for createApp's nodeId. */
  readonly connPrefix: string;
  readonly store: RedisRoomStore;
  /**
   * Plugs the bus and the liveness loop into a built app. Does not wait for Redis (a node starts
   * while Redis is away, and /readyz says 503); the promise resolves once the node is subscribed.
   */
  attach(app: App): Promise<void>;
}

export function createCluster(options: ClusterOptions): Cluster {
  const node = options.node ?? randomBytes(4).toString('hex');
  const prefix = options.prefix ?? DEFAULT_PREFIX;
  const log = options.log.child({ node });
  const redis = new Redis(options.redisUrl, {
    // Fail at once while Redis is away: the client gets `unavailable` instead of a join that
    // hangs, and nothing stale is replayed when Redis comes back.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: 2000,
    connectTimeout: 2000,
    retryStrategy: (attempt) => Math.min(100 * attempt, 1000),
    connectionName: `zerortc-${node}`,
  });
  // The subscriber queues its SUBSCRIBE until connected and subscribes again after a reconnect.
  const sub = redis.duplicate({ enableOfflineQueue: true, maxRetriesPerRequest: null, commandTimeout: undefined });
  let lastError = 0;
  const onError = (err: Error): void => {
    // ioredis reports every failed reconnection attempt; one line every ten seconds is enough.
    if (Date.now() - lastError > 10_000) log.warn({ err }, 'redis connection error');
    lastError = Date.now();
  };
  redis.on('error', onError);
  sub.on('error', onError);

  const store = new RedisRoomStore({ redis, graceSeconds: options.graceSeconds, prefix });
  return {
    node,
    connPrefix: `${node}.`,
    store,
    async attach(app) {
      const hub = app.signaling;
      const bus = new RedisBus({ pub: redis, sub, node, prefix, log });
      app.setBus(bus);
      const liveness = new Liveness({
        store,
        hub,
        node,
        log,
        graceSeconds: options.graceSeconds,
        ...(options.beatMs !== undefined && { beatMs: options.beatMs }),
        ...(options.aliveMs !== undefined && { aliveMs: options.aliveMs }),
      });
      store.beforeClose(async () => {
        await liveness.stop();
        await sub.quit().catch(() => sub.disconnect());
      });
      store.requireForReady(() => sub.status === 'ready' && liveness.inSync);
      const subscribed = bus.start({
        has: (connId) => hub.connections.has(connId),
        notify: (connId, message, peer) => hub.notify(connId, message, peer),
        deliver: (connId, frame) => hub.deliver(connId, frame),
        replace: (connId) => hub.replace(connId),
      });
      liveness.start();
      log.info({ prefix }, 'cluster node started');
      await subscribed;
    },
  };
}
