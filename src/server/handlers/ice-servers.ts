import type { IceServersRequest } from '../../protocol/index.ts';
import type { Connection } from '../connection.ts';
import { iceServersFor } from '../turn.ts';
import type { HandlerContext } from './context.ts';

/**
 * Fresh ICE servers for a seated member, over its own connection: the seat is the proof, so a
 * member keeps getting TURN credentials for the whole call after its room token expired, and
 * nobody without a seat gets any this way (see docs/protocol.md, `ice-servers`).
 */
export function handleIceServers(ctx: HandlerContext, conn: Connection, msg: IceServersRequest): void {
  const seat = conn.seat;
  if (seat?.roomId !== msg.roomId || seat.uid !== msg.uid) {
    conn.sendError('not-in-room', undefined, msg.cmd);
    return;
  }
  conn.send({ cmd: 'ice-servers', ...iceServersFor(ctx.config, ctx.access.now(), ctx.builtInStun(conn.host)) });
}
