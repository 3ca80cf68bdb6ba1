/**
 * Prometheus metrics, on a registry of the server's own (several servers in one test process
 * must not share counters).
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { ErrorCode } from '../protocol/index.ts';

export interface Metrics {
  readonly registry: Registry;
  readonly connections: Gauge;
  readonly rooms: Gauge;
  readonly relayed: Counter;
  readonly dropped: Counter;
  readonly errors: Counter<'code'>;
  readonly joins: Counter<'result'>;
  readonly storeLatency: Histogram<'op'>;
  readonly stunRequests: Counter;
  countError(code: ErrorCode): void;
}

export function createMetrics(sources: { connections: () => number; rooms: () => Promise<number> }): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'zerortc_' });
  const connections = new Gauge({
    name: 'zerortc_connections',
    help: 'Open signaling WebSocket connections on this node.',
    registers: [registry],
    collect() {
      this.set(sources.connections());
    },
  });
  const rooms = new Gauge({
    name: 'zerortc_rooms',
    help: 'Rooms with at least one member (cluster-wide in cluster mode).',
    registers: [registry],
    async collect() {
      this.set(await sources.rooms());
    },
  });
  const relayed = new Counter({
    name: 'zerortc_messages_relayed_total',
    help: 'Offers, answers and candidates delivered to the other member.',
    registers: [registry],
  });
  const dropped = new Counter({
    name: 'zerortc_messages_dropped_total',
    help: 'Relayed messages dropped because the other member was reconnecting.',
    registers: [registry],
  });
  const errors = new Counter({
    name: 'zerortc_errors_total',
    help: 'Requests refused, by error code.',
    labelNames: ['code'] as const,
    registers: [registry],
  });
  const joins = new Counter({
    name: 'zerortc_joins_total',
    help: 'Join requests, by result (seated, resumed, refused).',
    labelNames: ['result'] as const,
    registers: [registry],
  });
  const storeLatency = new Histogram({
    name: 'zerortc_room_store_seconds',
    help: 'Time the room store took per operation.',
    labelNames: ['op'] as const,
    buckets: [0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1],
    registers: [registry],
  });
  const stunRequests = new Counter({
    name: 'zerortc_stun_requests_total',
    help: 'STUN requests answered by the built-in STUN server.',
    registers: [registry],
  });
  const errorCounters = new Map<ErrorCode, Counter.Internal>();
  return {
    registry,
    connections,
    rooms,
    relayed,
    dropped,
    errors,
    joins,
    storeLatency,
    stunRequests,
    countError(code) {
      let counter = errorCounters.get(code);
      if (!counter) {
        counter = errors.labels({ code });
        errorCounters.set(code, counter);
      }
      counter.inc();
    },
  };
}
