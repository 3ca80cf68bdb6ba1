/**
 * Where rooms live. The signaling handlers only see this asynchronous interface, so the
 * in-memory store of one process and the Redis store of a cluster are interchangeable.
 * Every method is atomic with respect to the others.
 */

/** One of the (at most two) places in a room. */
export interface Seat {
  readonly uid: string;
  /** The connection that holds the seat; unique across a cluster. */
  readonly connId: string;
  /** This member's role in perfect negotiation. */
  readonly polite: boolean;
  /** True while the seat is held for a member that dropped abnormally. */
  readonly held: boolean;
}

export interface JoinRequest {
  readonly roomId: string;
  readonly uid: string;
  readonly connId: string;
  /** SHA-256 of the resume credential to set for a new seat. */
  readonly resumeHash: string;
  /** SHA-256 of the resume credential the client presented, if any. */
  readonly presentedHash: string | undefined;
  /**
   * Only take back a seat with the presented credential; never seat afresh (refused with
   * `unauthorized`). A join without a valid room token may still resume (SPEC §5).
   */
  readonly resumeOnly?: boolean;
}

export type JoinOutcome =
  | {
      readonly kind: 'seated';
      readonly seat: Seat;
      /** The other member, if any, as it is after this join. */
      readonly peer: Seat | undefined;
      /** True when the client took back its own seat with its resume credential. */
      readonly resumed: boolean;
      /** The hash of the credential in force for this seat (unchanged on resume). */
      readonly resumeHash: string;
      /** The connection that held the seat before a resume, if it is not this one. */
      readonly replacedConnId: string | undefined;
      /** Whether the seat was held (dropped) before this resume. */
      readonly wasHeld: boolean;
    }
  | { readonly kind: 'refused'; readonly code: 'room-full' | 'uid-taken' | 'unauthorized' };

/** What changed for the other member when a seat was left, held or released. */
export interface SeatChange {
  /** The other member of the room, who should hear about it, if any. */
  readonly peer: Seat | undefined;
}

export interface RoomStore {
  join(request: JoinRequest): Promise<JoinOutcome>;
  /** Removes the seat if `connId` holds it; undefined when it does not. */
  leave(roomId: string, uid: string, connId: string): Promise<SeatChange | undefined>;
  /** Marks the seat held after an abnormal drop, if `connId` still holds it. */
  hold(roomId: string, uid: string, connId: string): Promise<SeatChange | undefined>;
  /** Removes the seat at the end of its grace period, if it is still held for `connId`. */
  release(roomId: string, uid: string, connId: string): Promise<SeatChange | undefined>;
  /** Rooms with at least one seat. */
  roomCount(): Promise<number>;
  /** Whether the store can take calls now. */
  ready(): Promise<boolean>;
  close(): Promise<void>;
}
