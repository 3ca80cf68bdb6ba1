import type { LeaveMessage } from '../../protocol/index.ts';
import type { Connection } from '../connection.ts';
import type { HandlerContext } from './context.ts';

/** Gives up the connection's seat and tells the other member at once. */
export async function leaveSeat(ctx: HandlerContext, conn: Connection, reason: string): Promise<void> {
  const seat = conn.seat;
  if (!seat) return;
  conn.seat = undefined;
  conn.peer = undefined;
  conn.resumeToken = undefined;
  const change = await ctx.store.leave(seat.roomId, seat.uid, conn.id);
  if (!change) return;
  conn.info({ roomId: seat.roomId, uid: seat.uid, reason }, 'peer left');
  if (change.peer) {
    ctx.notify(change.peer.connId, { cmd: 'peer-leave', remoteUid: seat.uid, roomId: seat.roomId }, null);
  }
}

export async function handleLeave(ctx: HandlerContext, conn: Connection, msg: LeaveMessage): Promise<void> {
  if (conn.seat?.roomId !== msg.roomId || conn.seat.uid !== msg.uid) {
    conn.sendError('not-in-room', undefined, 'leave');
    return;
  }
  await leaveSeat(ctx, conn, 'leave');
}
