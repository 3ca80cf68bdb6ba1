/**
 * Rooms in this process's memory: the default, for one signaling node.
 */
import { timingSafeEqual } from 'node:crypto';
import type { JoinOutcome, JoinRequest, RoomStore, Seat, SeatChange } from './store.ts';

interface StoredSeat extends Seat {
  readonly resumeHash: string;
}

function sameHash(a: string, b: string): boolean {
  return a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));
}

function publicSeat({ uid, connId, polite, held }: StoredSeat): Seat {
  return { uid, connId, polite, held };
}

export class MemoryRoomStore implements RoomStore {
  readonly #rooms = new Map<string, StoredSeat[]>();

  join(request: JoinRequest): Promise<JoinOutcome> {
    return Promise.resolve(this.joinNow(request));
  }

  joinNow({ roomId, uid, connId, resumeHash, presentedHash, resumeOnly }: JoinRequest): JoinOutcome {
    const seats = this.#rooms.get(roomId) ?? [];
    const index = seats.findIndex((seat) => seat.uid === uid);
    const other = seats.find((seat) => seat.uid !== uid);

    if (index !== -1) {
      const mine = seats[index]!;
      if (mine.connId !== connId) {
        if (presentedHash === undefined || !sameHash(presentedHash, mine.resumeHash)) {
          return { kind: 'refused', code: 'uid-taken' };
        }
      }
      const seat: StoredSeat = { ...mine, connId, held: false };
      seats[index] = seat;
      return {
        kind: 'seated',
        seat: publicSeat(seat),
        peer: other && publicSeat(other),
        resumed: mine.connId !== connId,
        resumeHash: mine.resumeHash,
        replacedConnId: mine.connId === connId || mine.held ? undefined : mine.connId,
        wasHeld: mine.held,
      };
    }
    if (resumeOnly) return { kind: 'refused', code: 'unauthorized' };
    if (seats.length >= 2) return { kind: 'refused', code: 'room-full' };

    // The member already in the room becomes the impolite side (it makes the offer, as in the
    // tutorial); whoever joins a room with someone in it is polite.
    const seat: StoredSeat = { uid, connId, polite: other !== undefined, held: false, resumeHash };
    const peer: StoredSeat | undefined = other && { ...other, polite: false };
    // A new array of the exact size: push would give a one-seat room's array room for 17.
    this.#rooms.set(roomId, peer ? [peer, seat] : [seat]);
    return {
      kind: 'seated',
      seat: publicSeat(seat),
      peer: peer && publicSeat(peer),
      resumed: false,
      resumeHash,
      replacedConnId: undefined,
      wasHeld: false,
    };
  }

  leave(roomId: string, uid: string, connId: string): Promise<SeatChange | undefined> {
    return Promise.resolve(this.#remove(roomId, uid, (seat) => seat.connId === connId));
  }

  hold(roomId: string, uid: string, connId: string): Promise<SeatChange | undefined> {
    const seats = this.#rooms.get(roomId);
    const index = seats?.findIndex((seat) => seat.uid === uid && seat.connId === connId) ?? -1;
    if (!seats || index === -1) return Promise.resolve(undefined);
    seats[index] = { ...seats[index]!, held: true };
    const peer = seats.find((seat) => seat.uid !== uid);
    return Promise.resolve({ peer: peer && publicSeat(peer) });
  }

  release(roomId: string, uid: string, connId: string): Promise<SeatChange | undefined> {
    return Promise.resolve(this.#remove(roomId, uid, (seat) => seat.connId === connId && seat.held));
  }

  #remove(roomId: string, uid: string, owns: (seat: StoredSeat) => boolean): SeatChange | undefined {
    const seats = this.#rooms.get(roomId);
    const index = seats?.findIndex((seat) => seat.uid === uid) ?? -1;
    if (!seats || index === -1 || !owns(seats[index]!)) return undefined;
    seats.splice(index, 1);
    if (seats.length === 0) this.#rooms.delete(roomId);
    const peer = seats[0];
    return { peer: peer && publicSeat(peer) };
  }

  roomCount(): Promise<number> {
    return Promise.resolve(this.#rooms.size);
  }

  ready(): Promise<boolean> {
    return Promise.resolve(true);
  }

  close(): Promise<void> {
    this.#rooms.clear();
    return Promise.resolve();
  }
}
