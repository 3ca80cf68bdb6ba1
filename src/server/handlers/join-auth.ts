/**
 * The door of `join` when the server is closed (SPEC §5): a valid room token for this room (and
 * this uid, when it names one), or a resume credential for a seat already held. Every failed
 * check counts against the address; past its limit the connection gets `rate-limited` and is
 * closed. The token itself is never logged.
 */
import { CLOSE_CODES, type JoinMessage } from '../../protocol/index.ts';
import { refusal, type Refusal } from '../auth.ts';
import type { Connection } from '../connection.ts';
import type { HandlerContext } from './context.ts';

/** May the join go on, and may it take a fresh seat or only take back a held one? */
export type Admission =
  | { readonly kind: 'open' }
  | { readonly kind: 'token'; readonly sub: string | undefined }
  | { readonly kind: 'resume-only'; readonly refusal: Refusal }
  | { readonly kind: 'refused' };

export async function admitJoin(ctx: HandlerContext, conn: Connection, msg: JoinMessage): Promise<Admission> {
  const { auth, failures, now } = ctx.access;
  if (auth === undefined) return { kind: 'open' };
  // A repeated join for the seat this connection holds grants nothing new.
  if (conn.seat?.roomId === msg.roomId && conn.seat.uid === msg.uid) return { kind: 'open' };
  if (failures.blocked(conn.ip, now())) {
    rateLimited(conn);
    return { kind: 'refused' };
  }
  const verified =
    msg.token === undefined ? refusal('no-token') : await auth.verify(msg.token, { room: msg.roomId, uid: msg.uid });
  if (verified.ok) return { kind: 'token', sub: verified.claims.sub };
  // A member back from a drop may carry an expired token: its resume credential is its proof.
  if (msg.resume !== undefined) return { kind: 'resume-only', refusal: verified };
  refuseJoin(ctx, conn, msg, verified);
  return { kind: 'refused' };
}

/** Answers `unauthorized` with the reason, counts the failure, and closes a guessing loop. */
export function refuseJoin(ctx: HandlerContext, conn: Connection, msg: JoinMessage, why: Refusal): void {
  ctx.metrics.joins.inc({ result: 'refused' });
  conn.log.info({ roomId: msg.roomId, uid: msg.uid, reason: why.reason }, 'join unauthorized');
  conn.sendError('unauthorized', why.detail, 'join', why.reason);
  if (!ctx.access.failures.fail(conn.ip, ctx.access.now())) rateLimited(conn);
}

function rateLimited(conn: Connection): void {
  conn.log.warn('too many failed token checks, closing');
  conn.sendError('rate-limited', 'Too many failed room-token checks from your address; wait a minute.', 'join');
  conn.ws.close(CLOSE_CODES.policy, 'too many failed token checks');
}
