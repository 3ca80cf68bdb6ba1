import type { RelayMessage } from '../../protocol/index.ts';
import type { Connection } from '../connection.ts';
import type { HandlerContext } from './context.ts';

/**
 * Delivers an offer, answer or candidate to the other member of the sender's room. The frame
 * goes on as it arrived (no re-serialising) when its identity fields are the sender's own.
 */
export function handleRelay(
  ctx: HandlerContext,
  conn: Connection,
  msg: RelayMessage,
  frame: Buffer,
  verbatim: boolean,
): void {
  const seat = conn.seat;
  if (seat?.roomId !== msg.roomId || seat.uid !== msg.uid) {
    conn.sendError('not-in-room', undefined, msg.cmd);
    return;
  }
  const peer = conn.peer;
  if (peer?.uid !== msg.remoteUid) {
    conn.sendError('peer-not-found', `The other member is ${peer ? `"${peer.uid}"` : 'not there yet'}.`, msg.cmd);
    return;
  }
  if (peer.held) {
    // The peer is reconnecting; it renegotiates when it is back, so this message is stale.
    ctx.metrics.dropped.inc();
    return;
  }
  ctx.deliver(peer.connId, verbatim ? frame : JSON.stringify(msg));
  ctx.metrics.countRelayed();
}
