/**
 * What a handler may do beyond its own connection: reach another connection (on this node or,
 * in a cluster, on another), and use the room store. Handlers never touch sockets directly.
 */
import type { ServerMessage } from '../../protocol/index.ts';
import type { Access } from '../access.ts';
import type { Config } from '../config.ts';
import type { PeerRef } from '../connection.ts';
import type { Logger } from '../logger.ts';
import type { Metrics } from '../metrics.ts';
import type { RoomStore } from '../rooms/store.ts';

export interface HandlerContext {
  readonly config: Config;
  readonly store: RoomStore;
  readonly metrics: Metrics;
  readonly log: Logger;
  /** Room tokens (undefined auth = open server) and the per-address limit of failed checks. */
  readonly access: Access;
  /** The built-in STUN server's URL for a client that reached us at `host`, if it runs. */
  builtInStun(host: string | undefined): string | undefined;
  /**
   * Sends a control message to a connection and updates what it knows of its peer:
   * a PeerRef sets it, null clears it, undefined leaves it.
   */
  notify(connId: string, message: ServerMessage, peer?: PeerRef | null): void;
  /** Hands a relayed frame to a connection, as received. */
  deliver(connId: string, frame: Buffer | string): void;
  /** Ends a connection whose seat was just resumed by another one. */
  replace(connId: string): void;
  /** Ends the seat's grace period early (it was resumed). */
  cancelGrace(roomId: string, uid: string): void;
}
