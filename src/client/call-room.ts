/**
 * What a call client does with each message from the server: meet the other member, keep or
 * drop the call with it, pass offers, answers and candidates to the peer connection. Kept out of
 * call-client.ts, which queues the messages and derives the call state after each one.
 */
import type { ServerMessage } from '../protocol/messages.ts';
import type { CallLink } from './call-link.ts';
import type { CallRemote } from './call-remote.ts';
import type { CallSession } from './call-types.ts';
import { ZeroRtcError } from './errors.ts';

/** The parts of the call client that server messages act on. */
export interface CallRoom {
  readonly link: CallLink;
  readonly remote: CallRemote;
  setPolite(polite: boolean): void;
  /** Emits the client's `session` event. */
  session(session: CallSession): void;
  /** Emits the client's `warning` event. */
  warn(warning: ZeroRtcError): void;
  /** Drops any call and starts a new one with `remoteUid` once media and ICE servers are ready. */
  startCall(remoteUid: string, polite: boolean, canOffer: boolean): Promise<void>;
  dropCall(): void;
}

/** Acts on one message from the server (in order: the client queues them). */
export async function handleServerMessage(room: CallRoom, m: ServerMessage): Promise<void> {
  switch (m.cmd) {
    case 'joined': {
      room.setPolite(m.polite);
      room.session({ roomId: m.roomId, uid: m.uid, resume: m.resume });
      if (m.remoteUid === undefined) {
        // After a server restart the new server does not know the other member yet; a call
        // whose media still flows is kept until the other member re-joins or it fails.
        if (!room.link.alive) room.dropCall();
      } else if (room.link.call?.remoteUid === m.remoteUid) {
        room.remote.setPeer({ uid: m.remoteUid, presence: 'here' });
        // After a stall or a change of network the path is restored now (call-recovery.ts).
        if (!room.link.recovery?.rejoined() && !room.link.alive) room.link.call.recover(true);
      } else if (m.resumed) {
        // Our seat came back but we have no connection with the other member (a reload):
        // offer from a fresh connection; the other side starts afresh when it must.
        await room.startCall(m.remoteUid, m.polite, true);
      }
      break;
    }
    case 'resp-join':
      await meet(room, m.remoteUid, m.polite ?? true, false);
      break;
    case 'new-peer':
      await meet(room, m.remoteUid, m.polite ?? false, true);
      break;
    case 'peer-leave':
      if (room.remote.peer?.uid === m.remoteUid || room.link.call?.remoteUid === m.remoteUid) room.dropCall();
      break;
    case 'peer-reconnecting':
      if (room.remote.peer?.uid === m.remoteUid) room.remote.setPeer({ ...room.remote.peer, presence: 'reconnecting' });
      break;
    case 'peer-resumed':
      if (room.remote.peer?.uid === m.remoteUid) room.remote.setPeer({ ...room.remote.peer, presence: 'here' });
      // An offer of ours still unanswered went to its dead socket: offer again.
      if (room.link.call && !room.link.recovery?.peerResumed() && !room.link.alive) room.link.call.recover(true);
      break;
    case 'offer':
    case 'answer':
    case 'candidate':
      await relay(room, m.cmd, m.uid, m.msg);
      break;
    case 'error':
      room.warn(new ZeroRtcError('server-error', m.message));
      break;
  }
}

async function relay(room: CallRoom, cmd: 'offer' | 'answer' | 'candidate', from: string, msg: string): Promise<void> {
  if (!room.link.call || room.link.call.remoteUid !== from) {
    if (cmd !== 'offer') return;
    await room.startCall(from, true, false);
  }
  const call = room.link.call;
  if (!call) return;
  try {
    await call.handle(cmd, msg);
  } catch {
    if (cmd !== 'offer') return;
    // The other side started a new connection (reload, restart): follow it.
    await room.startCall(from, true, false);
    await room.link.call?.handle(cmd, msg).catch(() => undefined);
  }
}

/** `resp-join` or `new-peer`: keep a live call with the same member, else start one. */
async function meet(room: CallRoom, remoteUid: string, polite: boolean, canOffer: boolean): Promise<void> {
  room.setPolite(polite);
  if (room.link.call?.remoteUid === remoteUid && room.link.alive) {
    room.link.call.setRole(polite, canOffer);
    room.remote.setPeer({ uid: remoteUid, presence: 'here' });
    return;
  }
  await room.startCall(remoteUid, polite, canOffer);
}
