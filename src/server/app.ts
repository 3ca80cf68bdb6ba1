/**
 * Builds the stand-alone ZeroRTC server (HTTP + WebSocket on one port) without listening: tests
 * and main both start it the same way. It is the embeddable core (zerortc.ts) on a server of its
 * own.
 */
import { readFileSync } from 'node:fs';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Config } from './config.ts';
import type { Logger } from './logger.ts';
import type { Metrics } from './metrics.ts';
import type { RoomStore } from './rooms/store.ts';
import type { Bus, Signaling } from './signaling.ts';
import { createCore } from './zerortc.ts';

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

export function createApp(config: Config, deps: AppDeps): App {
  const core = createCore(config, deps);
  const server =
    config.tlsCert !== undefined && config.tlsKey !== undefined
      ? createHttpsServer({ cert: readFileSync(config.tlsCert), key: readFileSync(config.tlsKey) }, core.handler)
      : createHttpServer(core.handler);
  core.attach(server);
  server.on('clientError', (_err, socket) => socket.destroy());
  let closing: Promise<void> | undefined;

  return {
    server,
    signaling: core.signaling,
    metrics: core.metrics,
    store: core.store,
    setBus: (bus) => core.setBus(bus),
    get stunPort() {
      return core.stunPort;
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
        await core.startStun(address.port);
      } catch (err) {
        server.close();
        throw err;
      }
      return address;
    },
    close() {
      closing ??= (async () => {
        server.close();
        await core.close();
        server.closeAllConnections();
      })();
      return closing;
    },
  };
}
