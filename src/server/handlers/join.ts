import { createHash, randomBytes } from 'node:crypto';
import type { JoinMessage } from '../../protocol/index.ts';
import { refusal } from '../auth.ts';
import type { Connection } from '../connection.ts';
import type { HandlerContext } from './context.ts';
import { admitJoin, refuseJoin } from './join-auth.ts';

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}

export async function handleJoin(ctx: HandlerContext, conn: Connection, msg: JoinMessage): Promise<void> {
  const { roomId, uid } = msg;
  if (conn.seat && (conn.seat.roomId !== roomId || conn.seat.uid !== uid)) {
    conn.sendError(
      'already-in-room',
      `This connection is in room "${conn.seat.roomId}" as "${conn.seat.uid}".`,
      'join',
    );
    return;
  }

  const admission = await admitJoin(ctx, conn, msg);
  if (admission.kind === 'refused') return;

  const fresh = randomBytes(18).toString('base64url');
  const freshHash = hashToken(fresh);
  const started = performance.now();
  // A store that cannot be reached (cluster mode, Redis away) rejects: the hub answers
  // `unavailable` naming the join, so the client retries it.
  const outcome = await ctx.store.join({
    roomId,
    uid,
    connId: conn.id,
    resumeHash: freshHash,
    presentedHash: msg.resume === undefined ? undefined : hashToken(msg.resume),
    resumeOnly: admission.kind === 'resume-only',
  });
  ctx.metrics.storeLatency.observe({ op: 'join' }, (performance.now() - started) / 1000);

  if (admission.kind === 'resume-only' && (outcome.kind === 'refused' || !outcome.resumed)) {
    // No valid token, and the credential did not take back a held seat.
    refuseJoin(ctx, conn, msg, admission.refusal);
    return;
  }
  if (outcome.kind === 'refused' && outcome.code === 'uid-taken' && admission.kind === 'token' && admission.sub) {
    refuseJoin(ctx, conn, msg, refusal('seat-taken'));
    return;
  }
  if (outcome.kind === 'refused') {
    ctx.metrics.joins.inc({ result: 'refused' });
    conn.info({ roomId, uid, code: outcome.code }, 'join refused');
    conn.sendError(outcome.code, undefined, 'join');
    return;
  }
  if (!conn.open) {
    // The socket closed while the store answered: give the seat straight back.
    await ctx.store.leave(roomId, uid, conn.id);
    return;
  }

  const { seat, peer, resumed } = outcome;
  // The store keeps only hashes: the credential in clear is the fresh one (a new seat), the one
  // just presented (a resume), or the one this connection was given (a repeated join).
  const token = outcome.resumeHash === freshHash ? fresh : resumed ? msg.resume : conn.resumeToken;
  conn.seat = { roomId, uid, polite: seat.polite };
  conn.resumeToken = token;
  conn.peer = peer && { uid: peer.uid, connId: peer.connId, held: peer.held };
  if (outcome.replacedConnId !== undefined) ctx.replace(outcome.replacedConnId);
  if (outcome.wasHeld) ctx.cancelGrace(roomId, uid);

  ctx.metrics.joins.inc({ result: resumed ? 'resumed' : 'seated' });
  conn.info({ roomId, uid, resumed, withPeer: peer !== undefined }, resumed ? 'seat resumed' : 'peer joined');

  conn.send({
    cmd: 'joined',
    roomId,
    uid,
    polite: seat.polite,
    resume: token ?? '',
    resumed,
    graceSeconds: ctx.config.graceSeconds,
    ...(peer && { remoteUid: peer.uid }),
  });
  if (!peer) return;
  const me = { uid, connId: conn.id, held: false };
  if (resumed) {
    ctx.notify(peer.connId, { cmd: 'peer-resumed', remoteUid: uid, roomId }, me);
  } else {
    // The tutorial's order: the joiner learns who is there, the member already there learns of the joiner.
    conn.send({ cmd: 'resp-join', remoteUid: peer.uid, roomId, polite: true });
    ctx.notify(peer.connId, { cmd: 'new-peer', remoteUid: uid, roomId, polite: false }, me);
  }
}
