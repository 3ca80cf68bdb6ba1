/**
 * What a probe run is given and what it reports: the options, the report (also the `--json`
 * output), and the failure that ends a run with a code and words.
 */
import type { ReceivedCounts, SentCounts } from './probe-media.ts';
import type { TurnCheckResult } from './turn-check.ts';

export type IcePolicy = 'all' | 'relay';

export interface ProbeOptions {
  /** The signaling WebSocket, e.g. wss://call.example.com/ws. */
  readonly wsUrl: string;
  readonly roomId: string;
  readonly uid?: string | undefined;
  /** How long to wait for a peer, and then for the connection, ms. */
  readonly timeoutMs: number;
  /** How long to count media once connected, ms. */
  readonly mediaMs: number;
  /** Overrides the server's policy when set. */
  readonly iceTransportPolicy?: IcePolicy | undefined;
  /** Adds 127.0.0.1 as a host candidate and uses loopback candidates only (tests on one machine). */
  readonly loopback: boolean;
}

export type FailureCode =
  | 'server-unreachable'
  | 'signaling-error'
  | 'room-full'
  | 'no-peer'
  | 'peer-left'
  | 'ice-failed'
  | 'turn-failed'
  | 'not-relayed'
  | 'no-media'
  | 'data-channel-failed';

export interface CandidateCounts {
  host: number;
  srflx: number;
  prflx: number;
  relay: number;
}

export interface PathEnd {
  readonly type: string;
  readonly address: string;
}

export interface ProbeReport {
  ok: boolean;
  failure?: { code: FailureCode; message: string };
  wsUrl: string;
  roomId: string;
  uid: string;
  iceServers?: { stunUrls: string[]; turnUrls: string[]; policy: IcePolicy; policyFrom: 'server' | 'flag' };
  turn: TurnCheckResult[];
  signaling?: { connectMs: number; joinMs?: number; polite?: boolean };
  peer?: { remoteUid: string; role: 'offerer' | 'answerer' };
  candidates: { gathered: CandidateCounts; received: CandidateCounts };
  connection?: { setupMs: number; joinToConnectedMs: number; local?: PathEnd; remote?: PathEnd };
  media?: { seconds: number; received: ReceivedCounts[]; sent: readonly SentCounts[] };
  dataChannel?: { state: 'open' | 'not-negotiated' | 'not-open'; rttMs?: number[]; echoed: boolean };
  warnings: string[];
}

export class ProbeFailure extends Error {
  readonly code: FailureCode;
  constructor(code: FailureCode, message: string) {
    super(message);
    this.code = code;
  }
}

export function emptyCounts(): CandidateCounts {
  return { host: 0, srflx: 0, prflx: 0, relay: 0 };
}

/** Milliseconds to one decimal, for the report. */
export function round(value: number): number {
  return Math.round(value * 10) / 10;
}
