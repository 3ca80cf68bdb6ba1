/**
 * Fakes of the browser parts the client library uses (WebSocket, RTCPeerConnection, media
 * devices) and a manual clock, so that its state machines run in Node.
 */
import { CallClient } from '../../src/client/call-client.ts';
import type { CallState } from '../../src/client/call-types.ts';
import type { Clock } from '../../src/client/clock.ts';
import type { FetchLike } from '../../src/client/ice-servers.ts';
import type { SocketLike } from '../../src/client/signaling-types.ts';

/** A clock whose time moves only with `tick`. */
export class FakeClock implements Clock {
  time = 0;
  randomValue = 0.5;
  #timers = new Map<number, { at: number; fn: () => void }>();
  #next = 1;
  now(): number {
    return this.time;
  }
  setTimeout(fn: () => void, ms: number): number {
    const id = this.#next++;
    this.#timers.set(id, { at: this.time + ms, fn });
    return id;
  }
  clearTimeout(handle: unknown): void {
    this.#timers.delete(handle as number);
  }
  random(): number {
    return this.randomValue;
  }
  /** Delays of the pending timers, soonest first. */
  pending(): number[] {
    return [...this.#timers.values()].map((t) => t.at - this.time).sort((a, b) => a - b);
  }
  /** Moves time on by `ms`, running the timers that fall due. */
  tick(ms: number): void {
    const end = this.time + ms;
    for (;;) {
      const due = [...this.#timers.entries()].filter(([, t]) => t.at <= end).sort((a, b) => a[1].at - b[1].at)[0];
      if (!due) break;
      this.#timers.delete(due[0]);
      this.time = due[1].at;
      due[1].fn();
    }
    this.time = end;
  }
}

/** A WebSocket the test drives: `open()`, `receive(frame)`, `drop(code)`. */
export class FakeSocket implements SocketLike {
  readyState = 0;
  readonly sent: Record<string, unknown>[] = [];
  closedWith: number | undefined;
  onopen: ((ev: unknown) => void) | null = null;
  onmessage: ((ev: { readonly data: unknown }) => void) | null = null;
  onclose: ((ev: { readonly code: number; readonly reason: string }) => void) | null = null;
  onerror: ((ev: unknown) => void) | null = null;
  constructor(readonly url: string) {}
  send(data: string): void {
    this.sent.push(JSON.parse(data) as Record<string, unknown>);
  }
  close(code = 1000): void {
    this.closedWith = code;
    this.readyState = 3;
  }
  open(): void {
    this.readyState = 1;
    this.onopen?.({});
  }
  receive(frame: Record<string, unknown>): void {
    this.onmessage?.({ data: JSON.stringify(frame) });
  }
  /** The server closes (1012 restart) or the network drops it (1006). */
  drop(code = 1006): void {
    this.readyState = 3;
    this.onclose?.({ code, reason: '' });
  }
  /** Sent frames with this cmd. */
  sentCmd(cmd: string): Record<string, unknown>[] {
    return this.sent.filter((f) => f['cmd'] === cmd);
  }
}

/** Collects every socket a factory made. */
export function socketFactory(): { sockets: FakeSocket[]; create: (url: string) => FakeSocket; last(): FakeSocket } {
  const sockets: FakeSocket[] = [];
  return {
    sockets,
    create: (url) => {
      const s = new FakeSocket(url);
      sockets.push(s);
      return s;
    },
    last: () => {
      const s = sockets.at(-1);
      if (!s) throw new Error('no socket yet');
      return s;
    },
  };
}

class FakeChannel {
  readyState: RTCDataChannelState = 'connecting';
  readonly sent: string[] = [];
  onopen: (() => void) | null = null;
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  send(data: string): void {
    this.sent.push(data);
  }
  close(): void {
    this.readyState = 'closed';
  }
  /** The test opens it. */
  open(): void {
    this.readyState = 'open';
    this.onopen?.();
  }
}

let sdpCounter = 0;

/**
 * A peer connection that follows the signaling state machine of JSEP closely enough for perfect
 * negotiation: implicit setLocalDescription, rollback (explicit, or on a remote offer in have-local-offer),
 * candidates refused before a remote description, negotiationneeded when stable.
 */
export class FakePeerConnection {
  signalingState: RTCSignalingState = 'stable';
  connectionState: RTCPeerConnectionState = 'new';
  iceGatheringState: RTCIceGatheringState = 'new';
  localDescription: RTCSessionDescriptionInit | null = null;
  remoteDescription: RTCSessionDescriptionInit | null = null;
  readonly candidates: RTCIceCandidateInit[] = [];
  readonly tracks: unknown[] = [];
  readonly channel = new FakeChannel();
  iceRestarts = 0;
  closed = false;
  configuration: RTCConfiguration;
  #needed = false;
  onnegotiationneeded: (() => void) | null = null;
  onicecandidate: ((ev: { candidate: unknown }) => void) | null = null;
  onicegatheringstatechange: (() => void) | null = null;
  onicecandidateerror: ((ev: unknown) => void) | null = null;
  ontrack: ((ev: { track: unknown; streams: unknown[] }) => void) | null = null;
  onconnectionstatechange: (() => void) | null = null;

  constructor(configuration: RTCConfiguration) {
    this.configuration = configuration;
  }
  addTrack(track: unknown): unknown {
    this.tracks.push(track);
    this.#needNegotiation();
    return {};
  }
  createDataChannel(): FakeChannel {
    this.#needNegotiation();
    return this.channel;
  }
  getTransceivers(): unknown[] {
    return [];
  }
  getConfiguration(): RTCConfiguration {
    return this.configuration;
  }
  setConfiguration(c: RTCConfiguration): void {
    this.configuration = c;
  }
  restartIce(): void {
    this.iceRestarts += 1;
    this.#needNegotiation();
  }
  async setLocalDescription(d?: { type: RTCSdpType }): Promise<void> {
    await Promise.resolve();
    if (d?.type === 'rollback') {
      if (this.signalingState !== 'have-local-offer') throw new Error(`rollback in ${this.signalingState}`);
      this.signalingState = 'stable';
      return;
    }
    if (this.signalingState === 'stable') {
      this.localDescription = { type: 'offer', sdp: `offer-${++sdpCounter}` };
      this.signalingState = 'have-local-offer';
      this.#needed = false;
    } else if (this.signalingState === 'have-remote-offer') {
      this.localDescription = { type: 'answer', sdp: `answer-${++sdpCounter}` };
      this.signalingState = 'stable';
      this.#needed = false;
    } else {
      throw new Error(`setLocalDescription in ${this.signalingState}`);
    }
  }
  async setRemoteDescription(d: RTCSessionDescriptionInit): Promise<void> {
    await Promise.resolve();
    if (d.sdp?.includes('incompatible')) throw new Error('fingerprint changed');
    if (d.type === 'offer') {
      if (this.signalingState === 'have-local-offer') this.signalingState = 'stable'; // rollback
      this.signalingState = 'have-remote-offer';
    } else {
      if (this.signalingState !== 'have-local-offer') throw new Error('answer in wrong state');
      this.signalingState = 'stable';
    }
    this.remoteDescription = d;
  }
  async addIceCandidate(c: RTCIceCandidateInit): Promise<void> {
    await Promise.resolve();
    if (!this.remoteDescription) throw new Error('no remote description');
    this.candidates.push(c);
  }
  getStats(): Promise<Map<string, unknown>> {
    return Promise.resolve(new Map<string, unknown>());
  }
  close(): void {
    this.closed = true;
    this.signalingState = 'closed';
  }
  /** The test moves the connection state. */
  setConnectionState(state: RTCPeerConnectionState): void {
    this.connectionState = state;
    this.onconnectionstatechange?.();
  }
  /** The browser found a local candidate. */
  gather(candidate: { candidate: string; sdpMid: string; sdpMLineIndex: number; type?: string }): void {
    this.onicecandidate?.({ candidate: { ...candidate, toJSON: () => ({ ...candidate, usernameFragment: 'uf' }) } });
  }
  /** A remote track arrives. */
  addRemoteTrack(kind: string): void {
    this.ontrack?.({ track: new FakeTrack(kind), streams: [] });
  }
  #needNegotiation(): void {
    this.#needed = true;
    queueMicrotask(() => {
      if (this.#needed && this.signalingState === 'stable' && !this.closed) this.onnegotiationneeded?.();
    });
  }
}

export class FakeTrack {
  enabled = true;
  stopped = false;
  onended: (() => void) | null = null;
  contentHint = '';
  constructor(readonly kind: string) {}
  stop(): void {
    this.stopped = true;
  }
  getSettings(): { deviceId: string } {
    return { deviceId: `${this.kind}-1` };
  }
  addEventListener(): void {}
}

export class FakeStream {
  constructor(readonly tracks: FakeTrack[]) {}
  getTracks(): FakeTrack[] {
    return this.tracks;
  }
  getAudioTracks(): FakeTrack[] {
    return this.tracks.filter((t) => t.kind === 'audio');
  }
  getVideoTracks(): FakeTrack[] {
    return this.tracks.filter((t) => t.kind === 'video');
  }
  addTrack(t: FakeTrack): void {
    this.tracks.push(t);
  }
}

/** Media devices with a camera and a microphone, or refusing with `deny`. */
export function fakeMediaDevices(deny?: string): {
  getUserMedia(c: MediaStreamConstraints): Promise<MediaStream>;
  enumerateDevices(): Promise<MediaDeviceInfo[]>;
} {
  return {
    getUserMedia: async (c) => {
      await Promise.resolve();
      if (deny) throw Object.assign(new Error(deny), { name: deny });
      const tracks = [];
      if (c.audio) tracks.push(new FakeTrack('audio'));
      if (c.video) tracks.push(new FakeTrack('video'));
      return new FakeStream(tracks) as unknown as MediaStream;
    },
    enumerateDevices: () => Promise.resolve([]),
  };
}

/** Lets pending promise callbacks run. */
export async function settle(rounds = 20): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

/** A CallClient wired to the fakes above, and what it did: sockets, peer connections, states. */
export function fakeCallClient(options: { deny?: string; fetch?: FetchLike } = {}): {
  clock: FakeClock;
  sockets: ReturnType<typeof socketFactory>;
  pcs: FakePeerConnection[];
  client: CallClient;
  states: CallState[];
} {
  const clock = new FakeClock();
  const sockets = socketFactory();
  const pcs: FakePeerConnection[] = [];
  const client = new CallClient({
    server: 'http://zerortc.test',
    clock,
    createSocket: sockets.create,
    createPeerConnection: (c) => {
      const pc = new FakePeerConnection(c);
      pcs.push(pc);
      return pc as unknown as RTCPeerConnection;
    },
    createStream: (tracks) => new FakeStream(tracks as unknown as FakeTrack[]) as unknown as MediaStream,
    mediaDevices: fakeMediaDevices(options.deny),
    fetch:
      options.fetch ??
      (() =>
        Promise.resolve({
          ok: true,
          status: 200,
          json: () => Promise.resolve({ iceServers: [], iceTransportPolicy: 'all', ttl: 60 }),
        })),
  });
  const states: CallState[] = [];
  client.on('state', ({ state }) => states.push(state));
  return { clock, sockets, pcs, client, states };
}
