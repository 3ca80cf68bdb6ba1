/**
 * The call as a person sees it: one object that joins a room, starts the camera and microphone,
 * connects to the other member and keeps the call alive through network blips and server
 * restarts. It ties together the signaling client, the peer call, local media and ICE servers,
 * and derives one {@link CallState} from them (SPEC §4's states).
 */
import type { ServerMessage } from '../protocol/messages.ts';
import { PeerCall, type PeerConnectionFactory } from './call.ts';
import { CallTrust } from './call-trust.ts';
import { CallRecovery } from './call-recovery.ts';
import { systemClock, type Clock, type TimerHandle } from './clock.ts';
import { ZeroRtcError } from './errors.ts';
import { Emitter } from './events.ts';
import { requestIceServers } from './ice-request.ts';
import { IceServerProvider, type FetchLike, type IceConfig } from './ice-servers.ts';
import { LocalMedia, type LocalMediaOptions, type LocalMediaState, type MediaDevicesLike } from './media.ts';
import { MAX_CHAT_LENGTH, type PeerMediaState, type PeerMessage } from './peer-messages.ts';
import { startAtHalfSize } from './fast-start.ts';
import { checkRelay, relayError } from './relay-check.ts';
import type { CallReport } from './report.ts';
import type { SafetyCode } from './safety-code.ts';
import { SignalingClient, type SignalingOptions, type SocketFactory } from './signaling-client.ts';
import { summarizeStats, type StatsSummary } from './stats.ts';

/**
 * - `idle`: not joined yet
 * - `joining`: starting media and joining the room
 * - `waiting`: in the room, alone
 * - `connecting`: the other member is here; media is being connected
 * - `connected`: the other member's media is playing
 * - `reconnecting`: the connection to the server or to the other member dropped; restoring it
 * - `left`: we left the room
 * - `error`: the call ended with an error (see `error.code`)
 */
export type CallState = 'idle' | 'joining' | 'waiting' | 'connecting' | 'connected' | 'reconnecting' | 'left' | 'error';

/** The other member, as far as we know. */
export interface RemotePeer {
  readonly uid: string;
  /** `reconnecting` while the server holds its seat after a drop. */
  readonly presence: 'here' | 'reconnecting';
  /** Its microphone/camera/screen state, once its browser told us. */
  readonly media: PeerMediaState | undefined;
}

/** A chat line. */
export interface ChatMessage {
  readonly from: 'local' | 'remote';
  readonly text: string;
  /** Sender's clock, ms since the epoch. */
  readonly at: number;
}

/** What a page keeps to take its seat back after a reload. */
export interface CallSession {
  readonly roomId: string;
  readonly uid: string;
  readonly resume: string;
}

/** Events of {@link CallClient}. */
export interface CallClientEvents {
  /** The state changed; `error` is set in state `error`. */
  state: { readonly state: CallState; readonly error: ZeroRtcError | undefined };
  /** The other member's media: attach `stream` to a video element. */
  'remote-stream': MediaStream | undefined;
  /** The other member arrived, left, or changed its media state. */
  peer: RemotePeer | undefined;
  /** Our own media changed (mute, camera, screen, devices). */
  'local-media': LocalMediaState;
  /** The outgoing preview stream changed. */
  'local-stream': MediaStream | undefined;
  /** A chat line, sent or received. */
  chat: ChatMessage;
  /** The server seated us: keep this to resume after a reload. */
  session: CallSession;
  /** A problem that does not end the call. */
  warning: ZeroRtcError;
  /** The safety code was derived, changed (a new certificate), confirmed, or went away. */
  'safety-code': SafetyCode | undefined;
}

/** Options of {@link CallClient}; everything has a browser default. */
export interface CallClientOptions {
  /** HTTP(S) base URL of the ZeroRTC server (default: the page's origin). */
  readonly server?: string;
  /** WebSocket URL (default: derived from `server`, path `/ws`). */
  readonly wsUrl?: string;
  /** Our display name, sent to the other side over the data channel. */
  readonly name?: string;
  readonly createSocket?: SocketFactory;
  readonly createPeerConnection?: PeerConnectionFactory;
  readonly createStream?: (tracks: MediaStreamTrack[]) => MediaStream;
  readonly mediaDevices?: MediaDevicesLike;
  readonly fetch?: FetchLike;
  readonly clock?: Clock;
  readonly media?: Pick<LocalMediaOptions, 'audio' | 'video'>;
  readonly signaling?: Pick<
    SignalingOptions,
    'initialBackoffMs' | 'maxBackoffMs' | 'maxInitialAttempts' | 'reconnectSlackMs' | 'keepaliveMs' | 'pongTimeoutMs'
  >;
  /** Peer connection tuning (ms). */
  readonly peer?: {
    readonly disconnectedRestartMs?: number;
    readonly maxIceRestarts?: number;
    readonly relayTimeoutMs?: number;
    /** How long the answering side waits for the first offer before offering itself. */
    readonly offerWaitMs?: number;
    readonly politeRestartDelayMs?: number;
  };
}

/** Options of {@link CallClient.join}. */
export interface JoinOptions {
  /** Our uid in the room (default: a random one). */
  readonly uid?: string;
  /** A resume credential kept from an earlier `session` event. */
  readonly resume?: string;
  /** A room token, for a server that admits invited people only (docs/access.md). */
  readonly token?: string;
}

function randomUid(): string {
  return `u-${Math.random().toString(36).slice(2, 10)}`;
}

function rtcConfig(ice: IceConfig): RTCConfiguration {
  return { iceServers: ice.iceServers, iceTransportPolicy: ice.iceTransportPolicy, bundlePolicy: 'max-bundle' };
}

/**
 * A one-to-one call.
 * @example
 * const client = new CallClient();
 * client.on('state', ({ state, error }) => console.log(state, error?.code));
 * client.on('remote-stream', (s) => (remoteVideo.srcObject = s ?? null));
 * await client.join('room-1');
 */
export class CallClient extends Emitter<CallClientEvents> {
  #state: CallState = 'idle';
  #error: ZeroRtcError | undefined;
  #signaling: SignalingClient | undefined;
  #media: LocalMedia | undefined;
  #mediaStarted = false;
  #mediaReady: Promise<boolean> = Promise.resolve(false);
  /** The first ICE configuration fetched for this join: no call starts without it. */
  #iceReady: Promise<IceConfig> | undefined;
  #call: PeerCall | undefined;
  #recovery: CallRecovery | undefined;
  #peer: RemotePeer | undefined;
  #remoteStream: MediaStream | undefined;
  #remoteTracks: MediaStreamTrack[] = [];
  #polite = false;
  #chain: Promise<void> = Promise.resolve();
  #offerWaitTimer: TimerHandle;
  #lastStats: StatsSummary | undefined;
  #name: string | undefined;
  readonly #ice: IceServerProvider;
  readonly #options: CallClientOptions;
  readonly #clock: Clock;
  readonly #server: string;
  readonly #trust: CallTrust;

  /** @param options server address and injectable dependencies */
  constructor(options: CallClientOptions = {}) {
    super();
    this.#options = options;
    this.#clock = options.clock ?? systemClock;
    this.#name = options.name;
    this.#server = (options.server ?? globalThis.location.origin).replace(/\/+$/, '');
    this.#ice = new IceServerProvider({
      url: `${this.#server}/api/ice-servers`,
      clock: this.#clock,
      ...(options.fetch && { fetch: options.fetch }),
      onUpdate: (config) => this.#call?.setConfiguration(rtcConfig(config)),
      request: () => this.#signaling && requestIceServers(this.#signaling, this.#clock),
    });
    this.#trust = new CallTrust(this, this.#clock, (code) => this.emit('safety-code', code));
  }

  /** The safety code of the current call (docs/security.md); read it aloud with the other person. */
  get safetyCode(): SafetyCode | undefined {
    return this.#trust.safetyCode;
  }

  /** The person confirmed that both sides show `code`: marks the call verified on this side. */
  confirmSafetyCode(code: string): boolean {
    return this.#trust.confirm(code);
  }

  /** The call report (no addresses, SDP, credentials or chat): see docs/client.md. */
  report(): Promise<CallReport> {
    return this.#trust.report();
  }

  /** The current state. */
  get state(): CallState {
    return this.#state;
  }

  /** The error that ended the call, in state `error`. */
  get error(): ZeroRtcError | undefined {
    return this.#error;
  }

  /** The other member, when there is one. */
  get peer(): RemotePeer | undefined {
    return this.#peer;
  }

  /** Our uid in the room. */
  get uid(): string | undefined {
    return this.#signaling?.uid;
  }

  /** The room joined. */
  get roomId(): string | undefined {
    return this.#signaling?.roomId;
  }

  /** Local media (mute, camera, devices); undefined before `join`. */
  get media(): LocalMedia | undefined {
    return this.#media;
  }

  /** The other member's media. */
  get remoteStream(): MediaStream | undefined {
    return this.#remoteStream;
  }

  /** The current peer connection (for stats and debugging). */
  get peerConnection(): RTCPeerConnection | undefined {
    return this.#call?.pc;
  }

  /** Our role in the last negotiation. */
  get polite(): boolean {
    return this.#polite;
  }

  /** Sets the display name sent to the other side. */
  setName(name: string | undefined): void {
    this.#name = name;
    this.#sendMediaState();
  }

  /**
   * Starts camera and microphone and joins `roomId`. Resolves once media is running; rejects with
   * a {@link ZeroRtcError} when media cannot start (the state becomes `error` too). Everything
   * after that (room full, server unreachable, ...) is reported through the `state` event.
   */
  async join(roomId: string, options: JoinOptions = {}): Promise<void> {
    if (this.#state !== 'idle' && this.#state !== 'left' && this.#state !== 'error') {
      throw new Error('join() while in a call: leave() first');
    }
    this.#error = undefined;
    this.#state = 'idle';
    this.#trust.begin();
    this.#setState('joining');
    const o = this.#options;
    const media = new LocalMedia({
      ...(o.mediaDevices && { mediaDevices: o.mediaDevices }),
      ...(o.createStream && { createStream: o.createStream }),
      ...o.media,
    });
    this.#media = media;
    media.on('change', (state) => {
      this.emit('local-media', state);
      this.#sendMediaState();
    });
    media.on('track', ({ kind, track }) => {
      this.emit('local-stream', media.stream);
      void this.#call?.replaceTrack(kind, track, media.stream).catch(() => undefined);
    });
    media.on('warning', (w) => this.emit('warning', w));

    const signaling = new SignalingClient({
      url: o.wsUrl ?? `${this.#server.replace(/^http/, 'ws')}/ws`,
      clock: this.#clock,
      ...(o.createSocket && { createSocket: o.createSocket }),
      ...o.signaling,
    });
    this.#signaling = signaling;
    signaling.on('attempt', () => void this.#ice.refresh());
    signaling.on('state', () => this.#recompute());
    signaling.on('error', (err) => this.#fail(err));
    signaling.on('joined', (m) => this.#enqueue(m));
    signaling.on('message', (m) => this.#enqueue(m));

    let mediaError: ZeroRtcError | undefined;
    this.#mediaReady = media.start().then(
      () => {
        if (this.#media !== media) return false;
        this.#mediaStarted = true;
        this.emit('local-stream', media.stream);
        this.emit('local-media', media.state);
        this.#recompute();
        return true;
      },
      (err: unknown) => {
        mediaError = err instanceof ZeroRtcError ? err : new ZeroRtcError('media-in-use', String(err), err);
        if (this.#media === media) this.#fail(mediaError);
        return false;
      },
    );
    // Signaling and media start together: joining does not wait for the camera.
    const uid = options.uid ?? randomUid();
    this.#ice.token = options.token === undefined ? undefined : { token: options.token, room: roomId, uid };
    signaling.join(roomId, uid, options.resume, options.token);
    // Joins the fetch the first attempt started.
    const iceReady = this.#ice.refresh();
    this.#iceReady = iceReady;
    void iceReady.then((ice) => this.#checkRelay(ice, signaling));
    await this.#mediaReady;
    if (mediaError) throw mediaError;
  }

  /** Hangs up and leaves the room. Safe to call twice. */
  leave(): void {
    if (this.#state === 'idle' || this.#state === 'left') return;
    this.#teardown();
    this.#setState('left');
  }

  /** Mutes (false) or unmutes (true) the microphone. */
  setMicEnabled(on: boolean): void {
    this.#media?.setMicEnabled(on);
  }

  /** Turns the camera off (false) or on (true). */
  async setCameraEnabled(on: boolean): Promise<void> {
    await this.#media?.setCameraEnabled(on);
  }

  /** Switches the microphone or camera. */
  async switchDevice(kind: 'audio' | 'video', deviceId: string): Promise<void> {
    await this.#media?.switchDevice(kind, deviceId);
  }

  /** Shares the screen in place of the camera. */
  async startScreenShare(): Promise<void> {
    await this.#media?.startScreenShare();
  }

  /** Stops sharing the screen; the camera comes back. */
  stopScreenShare(): void {
    this.#media?.stopScreenShare();
  }

  /**
   * Sends a chat line to the other member.
   * @returns false when there is nobody to send it to yet
   */
  sendChat(text: string): boolean {
    const line = text.trim().slice(0, MAX_CHAT_LENGTH);
    if (!line || !this.#call) return false;
    const at = Date.now();
    if (!this.#call.sendPeer({ t: 'chat', text: line, at })) return false;
    this.emit('chat', { from: 'local', text: line, at });
    return true;
  }

  /** A stats summary of the call (rates against the previous call of this method). */
  async getStats(): Promise<StatsSummary | undefined> {
    const pc = this.#call?.pc;
    if (!pc) return undefined;
    const summary = summarizeStats(await pc.getStats(), this.#lastStats);
    this.#lastStats = summary;
    return summary;
  }

  // ---- internals -----------------------------------------------------------------------

  #enqueue(message: ServerMessage): void {
    const signaling = this.#signaling;
    this.#chain = this.#chain
      .then(async () => {
        if (this.#signaling !== signaling) return;
        await this.#handle(message);
      })
      .catch(() => undefined);
  }

  async #handle(m: ServerMessage): Promise<void> {
    switch (m.cmd) {
      case 'joined': {
        this.#polite = m.polite;
        this.emit('session', { roomId: m.roomId, uid: m.uid, resume: m.resume });
        if (m.remoteUid === undefined) {
          // After a server restart the new server does not know the other member yet; a call
          // whose media still flows is kept until the other member re-joins or it fails.
          if (!this.#callAlive()) this.#dropCall();
        } else if (this.#call?.remoteUid === m.remoteUid) {
          this.#setPeer({ uid: m.remoteUid, presence: 'here' });
          if (!this.#callAlive()) this.#call.recover(true);
        } else if (m.resumed) {
          // Our seat came back but we have no connection with the other member (a reload):
          // offer from a fresh connection; the other side starts afresh when it must.
          await this.#startCall(m.remoteUid, m.polite, true);
        }
        break;
      }
      case 'resp-join':
        await this.#meet(m.remoteUid, m.polite ?? true, false);
        break;
      case 'new-peer':
        await this.#meet(m.remoteUid, m.polite ?? false, true);
        break;
      case 'peer-leave':
        if (this.#peer?.uid === m.remoteUid || this.#call?.remoteUid === m.remoteUid) this.#dropCall();
        break;
      case 'peer-reconnecting':
        if (this.#peer?.uid === m.remoteUid) this.#setPeer({ ...this.#peer, presence: 'reconnecting' });
        break;
      case 'peer-resumed':
        if (this.#peer?.uid === m.remoteUid) this.#setPeer({ ...this.#peer, presence: 'here' });
        if (this.#call && !this.#callAlive()) this.#call.recover(true);
        break;
      case 'offer':
      case 'answer':
      case 'candidate':
        await this.#relay(m.cmd, m.uid, m.msg);
        break;
      case 'error':
        this.emit('warning', new ZeroRtcError('server-error', m.message));
        break;
    }
    this.#recompute();
  }

  async #relay(cmd: 'offer' | 'answer' | 'candidate', from: string, msg: string): Promise<void> {
    if (!this.#call || this.#call.remoteUid !== from) {
      if (cmd !== 'offer') return;
      await this.#startCall(from, true, false);
    }
    const call = this.#call;
    if (!call) return;
    try {
      await call.handle(cmd, msg);
    } catch {
      if (cmd !== 'offer') return;
      // The other side started a new connection (reload, restart): follow it.
      await this.#startCall(from, true, false);
      await this.#call?.handle(cmd, msg).catch(() => undefined);
    }
  }

  /** `resp-join` or `new-peer`: keep a live call with the same member, else start one. */
  async #meet(remoteUid: string, polite: boolean, canOffer: boolean): Promise<void> {
    this.#polite = polite;
    if (this.#call?.remoteUid === remoteUid && this.#callAlive()) {
      this.#call.setRole(polite, canOffer);
      this.#setPeer({ uid: remoteUid, presence: 'here' });
      return;
    }
    await this.#startCall(remoteUid, polite, canOffer);
  }

  async #startCall(remoteUid: string, polite: boolean, canOffer: boolean): Promise<void> {
    this.#dropCall();
    this.#setPeer({ uid: remoteUid, presence: 'here' });
    const signaling = this.#signaling;
    if (!(await this.#mediaReady)) return;
    // Under the relay-only policy a call must never start with the fallback configuration.
    await this.#iceReady;
    const media = this.#media;
    if (!media || !signaling || this.#signaling !== signaling) return;
    const o = this.#options;
    const call = new PeerCall({
      remoteUid,
      polite,
      canOffer,
      configuration: rtcConfig(this.#ice.current),
      tracks: media.outgoingTracks,
      ...(media.stream && { stream: media.stream }),
      clock: this.#clock,
      send: (cmd, msg) => signaling.send({ cmd, roomId: signaling.roomId, uid: signaling.uid, remoteUid, msg }),
      ...(o.createPeerConnection && { createPeerConnection: o.createPeerConnection }),
      beforeRestart: () => this.#ice.refreshWithin(2000),
      ...o.peer,
    });
    this.#call = call;
    this.#trust.watch(call, signaling.roomId);
    startAtHalfSize(call.pc, this.#clock);
    this.#recovery = new CallRecovery(call, signaling, this.#clock, () => this.#recompute());
    call.on('track', ({ track, stream }) => {
      if (this.#call !== call) return;
      if (!this.#remoteTracks.includes(track)) this.#remoteTracks.push(track);
      const next = stream ?? this.#remoteStream ?? this.#newStream(this.#remoteTracks);
      if (!stream && next !== undefined && !next.getTracks().includes(track)) next.addTrack(track);
      this.#remoteStream = next;
      this.emit('remote-stream', next);
      this.#recompute();
    });
    call.on('connection', () => {
      if (this.#call !== call) return;
      if (call.pc.connectionState === 'connected') this.#clock.clearTimeout(this.#offerWaitTimer);
      this.#recompute();
    });
    call.on('channel-open', () => this.#sendMediaState());
    call.on('peer', (message) => this.#onPeerMessage(message));
    call.on('error', (err) => {
      if (this.#call === call) this.#fail(err);
    });
    if (!canOffer) {
      // The offer should come soon; if it does not, the other side may be holding an older
      // connection: offering ourselves makes it start afresh. Not too soon: a client that is not
      // ours cannot settle glare, and some offer only after gathering (werift waits up to 5 s
      // for a STUN server that does not answer), so offering early would race them into glare.
      this.#offerWaitTimer = this.#clock.setTimeout(() => {
        if (this.#call === call && !call.pc.remoteDescription) call.startNegotiation();
      }, o.peer?.offerWaitMs ?? 10_000);
    }
    this.#recompute();
  }

  /** Relay-only: checks the TURN server while alone in the room (see relay-check.ts). */
  async #checkRelay(ice: IceConfig, signaling: SignalingClient): Promise<void> {
    if (ice.iceTransportPolicy !== 'relay' || this.#signaling !== signaling) return;
    const factory = this.#options.createPeerConnection ?? ((c) => new RTCPeerConnection(c));
    const result = await checkRelay(rtcConfig(ice), factory, this.#clock, this.#options.peer?.relayTimeoutMs ?? 10_000);
    if (result !== 'ok' && this.#signaling === signaling) this.#fail(relayError(result));
  }

  #newStream(tracks: MediaStreamTrack[]): MediaStream | undefined {
    if (this.#options.createStream) return this.#options.createStream([...tracks]);
    return typeof MediaStream === 'function' ? new MediaStream([...tracks]) : undefined;
  }

  #onPeerMessage(message: PeerMessage): void {
    if (message.t === 'chat') {
      this.emit('chat', { from: 'remote', text: message.text, at: message.at });
    } else if (this.#peer) {
      const { micOn, cameraOn, screenSharing, name } = message;
      this.#setPeer({ ...this.#peer, media: { micOn, cameraOn, screenSharing, name } });
    }
  }

  #sendMediaState(): void {
    const state = this.#media?.state;
    if (!state || !this.#call) return;
    this.#call.sendPeer({
      t: 'state',
      micOn: state.micOn,
      cameraOn: state.cameraOn,
      screenSharing: state.screenSharing,
      ...(this.#name !== undefined && { name: this.#name }),
    });
  }

  #setPeer(
    peer: { uid: string; presence: RemotePeer['presence']; media?: PeerMediaState | undefined } | undefined,
  ): void {
    const next: RemotePeer | undefined = peer && {
      uid: peer.uid,
      presence: peer.presence,
      media: 'media' in peer ? peer.media : this.#peer?.uid === peer.uid ? this.#peer.media : undefined,
    };
    this.#peer = next;
    this.emit('peer', next);
  }

  /** Is there a call whose media is flowing (or about to)? */
  #callAlive(): boolean {
    const state = this.#call?.pc.connectionState;
    return state === 'connected';
  }

  #dropCall(): void {
    this.#clock.clearTimeout(this.#offerWaitTimer);
    this.#recovery?.stop();
    this.#recovery = undefined;
    if (this.#call) {
      this.#call.close();
      this.#call = undefined;
      this.#trust.watch(undefined, undefined);
    }
    this.#lastStats = undefined;
    this.#remoteTracks = [];
    if (this.#remoteStream) {
      this.#remoteStream = undefined;
      this.emit('remote-stream', undefined);
    }
    if (this.#peer) {
      this.#peer = undefined;
      this.emit('peer', undefined);
    }
  }

  #teardown(): void {
    this.#dropCall();
    this.#ice.stop();
    const signaling = this.#signaling;
    this.#signaling = undefined;
    signaling?.leave();
    signaling?.removeAllListeners();
    this.#media?.stop();
    this.#media?.removeAllListeners();
    this.#media = undefined;
    this.#mediaStarted = false;
    this.emit('local-stream', undefined);
  }

  #fail(error: ZeroRtcError): void {
    if (this.#state === 'error' || this.#state === 'left' || this.#state === 'idle') return;
    this.#error = error;
    this.#teardown();
    this.#setState('error');
  }

  #recompute(): void {
    if (this.#state === 'idle' || this.#state === 'left' || this.#state === 'error') return;
    const sig = this.#signaling?.state;
    const call = this.#call;
    let next: CallState;
    if (sig === 'reconnecting') next = 'reconnecting';
    else if (!this.#mediaStarted || sig !== 'joined') next = 'joining';
    else if (!this.#peer) next = 'waiting';
    else if (!call) next = 'connecting';
    else if (call.pc.connectionState === 'connected' && this.#remoteTracks.length > 0 && !this.#recovery?.stalled)
      next = 'connected';
    else if (call.everConnected) next = 'reconnecting';
    else next = 'connecting';
    this.#setState(next);
  }

  /** The one state setter: emits only on change. */
  #setState(state: CallState): void {
    if (state === this.#state) return;
    this.#state = state;
    this.emit('state', { state, error: state === 'error' ? this.#error : undefined });
  }
}
