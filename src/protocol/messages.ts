/**
 * ZeroRTC's wire protocol: the tutorial's JSON messages `{cmd, roomId, uid, remoteUid, msg}`
 * plus optional additions. Every frame is one JSON object in a text frame.
 * See docs/protocol.md for examples of each message.
 */
import type { ErrorCode } from './errors.ts';

/** Largest room name and uid, in characters. */
export const MAX_ID_LENGTH = 64;

/** Largest resume credential a client may present. */
export const MAX_RESUME_LENGTH = 128;

/** Largest room token (a compact JWT) a client may present, in characters. */
export const MAX_TOKEN_LENGTH = 4096;

// ---- client to server -------------------------------------------------------------------

export interface JoinMessage {
  readonly cmd: 'join';
  readonly roomId: string;
  readonly uid: string;
  /** Addition: the resume credential from an earlier `joined`, to take a held seat back. */
  readonly resume?: string | undefined;
  /** Addition: a room token (JWT, see docs/access.md); required when the server has auth on. */
  readonly token?: string | undefined;
}

export interface LeaveMessage {
  readonly cmd: 'leave';
  readonly roomId: string;
  readonly uid: string;
}

export type RelayCmd = 'offer' | 'answer' | 'candidate';

export interface RelayMessage {
  readonly cmd: RelayCmd;
  readonly roomId: string;
  readonly uid: string;
  readonly remoteUid: string;
  /** Opaque to the server: stringified SDP or candidate, passed on unchanged. */
  readonly msg: string;
}

/**
 * Addition: asks for fresh ICE servers (TURN credentials included) over the seated connection:
 * how a member keeps its TURN credentials fresh for the whole call, whatever its room token's
 * lifetime. Answered with `ice-servers`, or `not-in-room`.
 */
export interface IceServersRequest {
  readonly cmd: 'ice-servers';
  readonly roomId: string;
  readonly uid: string;
}

/**
 * Addition: asks the server for a `pong`, so that a client can tell a live connection from one
 * bound to an address that is gone (a phone that left its Wi-Fi): TCP notices that only after
 * minutes, and a browser cannot see WebSocket ping frames.
 */
export interface PingMessage {
  readonly cmd: 'ping';
}

export type ClientMessage = JoinMessage | LeaveMessage | RelayMessage | IceServersRequest | PingMessage;
export type ClientCmd = ClientMessage['cmd'];

export const CLIENT_CMDS: readonly ClientCmd[] = [
  'join',
  'leave',
  'offer',
  'answer',
  'candidate',
  'ice-servers',
  'ping',
];

// ---- server to client -------------------------------------------------------------------

/**
 * Addition: acknowledges a join. `polite` is this member's role in perfect negotiation;
 * `resume` is the credential that takes the seat back after an abnormal drop.
 */
export interface JoinedMessage {
  readonly cmd: 'joined';
  readonly roomId: string;
  readonly uid: string;
  readonly polite: boolean;
  readonly resume: string;
  /** True when this join took back a seat the same client held before. */
  readonly resumed: boolean;
  /** How long a dropped seat is held, in seconds. */
  readonly graceSeconds: number;
  /** The other member, when there is one. */
  readonly remoteUid?: string;
}

/** To a joiner who finds another member in the room. */
export interface RespJoinMessage {
  readonly cmd: 'resp-join';
  readonly remoteUid: string;
  readonly roomId?: string;
  /** Addition: the joiner is the polite peer; it waits for the other side's offer. */
  readonly polite?: boolean;
}

/** To the member already in the room when another one joins. */
export interface NewPeerMessage {
  readonly cmd: 'new-peer';
  readonly remoteUid: string;
  readonly roomId?: string;
  /** Addition: the member already in the room is the impolite peer and makes the offer. */
  readonly polite?: boolean;
}

export interface PeerLeaveMessage {
  readonly cmd: 'peer-leave';
  readonly remoteUid: string;
  readonly roomId?: string;
}

/** Addition: the other member dropped abnormally; its seat is held for `graceSeconds`. */
export interface PeerReconnectingMessage {
  readonly cmd: 'peer-reconnecting';
  readonly remoteUid: string;
  readonly roomId: string;
  readonly graceSeconds: number;
}

/** Addition: the other member took its held seat back. */
export interface PeerResumedMessage {
  readonly cmd: 'peer-resumed';
  readonly remoteUid: string;
  readonly roomId: string;
}

/** One entry of `iceServers`, as in RTCConfiguration. */
export interface IceServerEntry {
  readonly urls: readonly string[];
  readonly username?: string;
  readonly credential?: string;
}

/** Addition: the answer to an `ice-servers` request; the same body as `GET /api/ice-servers`. */
export interface IceServersMessage {
  readonly cmd: 'ice-servers';
  readonly iceServers: readonly IceServerEntry[];
  readonly iceTransportPolicy: 'all' | 'relay';
  /** Seconds for which the TURN credentials are valid. */
  readonly ttl: number;
}

/** Why a join was `unauthorized` (see docs/access.md). */
export type AuthReason =
  | 'no-token'
  | 'malformed'
  | 'bad-signature'
  | 'wrong-algorithm'
  | 'expired'
  | 'not-yet-valid'
  | 'wrong-room'
  | 'wrong-user'
  | 'seat-taken';

export const AUTH_REASONS: readonly AuthReason[] = [
  'no-token',
  'malformed',
  'bad-signature',
  'wrong-algorithm',
  'expired',
  'not-yet-valid',
  'wrong-room',
  'wrong-user',
  'seat-taken',
];

export interface ErrorMessage {
  readonly cmd: 'error';
  readonly code: ErrorCode;
  readonly message: string;
  /** Addition: the `cmd` of the refused request, when it was readable. */
  readonly request?: string;
  /** Addition: with `unauthorized` for a join, which check the room token failed. */
  readonly reason?: AuthReason;
}

/** Addition: the answer to `ping`. */
export interface PongMessage {
  readonly cmd: 'pong';
}

export type ServerMessage =
  | PongMessage
  | JoinedMessage
  | RespJoinMessage
  | NewPeerMessage
  | PeerLeaveMessage
  | PeerReconnectingMessage
  | PeerResumedMessage
  | RelayMessage
  | IceServersMessage
  | ErrorMessage;

export type ServerCmd = ServerMessage['cmd'];

/** WebSocket close codes the server uses. */
export const CLOSE_CODES = {
  /** Origin not allowed, or a policy was broken. */
  policy: 1008,
  /** Frame beyond the hard limit. */
  tooBig: 1009,
  /** The server is restarting: reconnect and resume. */
  restart: 1012,
  /** Another connection resumed this seat. */
  replaced: 4001,
  /** Too many connections from one address. */
  tooManyConnections: 4002,
} as const;
