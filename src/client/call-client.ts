/**
 * The call as a person sees it: one object that joins a room, starts the camera and microphone,
 * connects to the other member and keeps the call alive through network blips and server
 * restarts. It ties together the signaling client, the peer call, local media and ICE servers,
 * and derives one {@link CallState} from them (SPEC §4's states).
 */
import type { ServerMessage } from '../protocol/messages.ts';
import { CallLink, rtcConfig } from './call-link.ts';
import { CallRemote, sendMediaState } from './call-remote.ts';
import { CallTrust } from './call-trust.ts';
import { handleServerMessage, type CallRoom } from './call-room.ts';
import { systemClock, type Clock } from './clock.ts';
import { ZeroRtcError } from './errors.ts';
import { Emitter } from './events.ts';
import { requestIceServers } from './ice-request.ts';
import { IceServerProvider, type IceConfig } from './ice-servers.ts';
import type { CallClientEvents, CallClientOptions, CallState, JoinOptions, RemotePeer } from './call-types.ts';
import { LocalMedia } from './media.ts';
import { MAX_CHAT_LENGTH } from './peer-messages.ts';
import { checkRelay, relayError } from './relay-check.ts';
import type { CallReport } from './report.ts';
import type { SafetyCode } from './safety-code.ts';
import { SignalingClient } from './signaling-client.ts';
import type { StatsSummary } from './stats.ts';

function randomUid(): string {
  return `u-${Math.random().toString(36).slice(2, 10)}`;
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
  #polite = false;
  #chain: Promise<void> = Promise.resolve();
  #name: string | undefined;
  readonly #ice: IceServerProvider;
  readonly #options: CallClientOptions;
  readonly #clock: Clock;
  readonly #server: string;
  readonly #trust: CallTrust;
  readonly #remote: CallRemote;
  readonly #link: CallLink;
  readonly #room: CallRoom;

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
      onUpdate: (config) => this.#link.call?.setConfiguration(rtcConfig(config)),
      request: () => this.#signaling && requestIceServers(this.#signaling, this.#clock),
    });
    this.#trust = new CallTrust(this, this.#clock, (code) => this.emit('safety-code', code));
    this.#remote = new CallRemote((type, payload) => this.emit(type, payload), options.createStream);
    this.#link = new CallLink(this.#clock, options, {
      onCall: (call) => this.#trust.watch(call, call && this.#signaling?.roomId),
      onTrack: (track, stream) => {
        this.#remote.addTrack(track, stream);
        this.#recompute();
      },
      onChange: () => this.#recompute(),
      onChannelOpen: () => this.#sendMediaState(),
      onPeerMessage: (message) => this.#remote.onPeerMessage(message),
      onError: (err) => this.#fail(err),
    });
    this.#room = {
      link: this.#link,
      remote: this.#remote,
      setPolite: (polite) => (this.#polite = polite),
      session: (session) => this.emit('session', session),
      warn: (warning) => this.emit('warning', warning),
      startCall: (remoteUid, polite, canOffer) => this.#startCall(remoteUid, polite, canOffer),
      dropCall: () => this.#dropCall(),
    };
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
    return this.#remote.peer;
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
    return this.#remote.stream;
  }

  /** The current peer connection (for stats and debugging). */
  get peerConnection(): RTCPeerConnection | undefined {
    return this.#link.call?.pc;
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
      void this.#link.call?.replaceTrack(kind, track, media.stream).catch(() => undefined);
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
    if (!line || !this.#link.call) return false;
    const at = Date.now();
    if (!this.#link.call.sendPeer({ t: 'chat', text: line, at })) return false;
    this.emit('chat', { from: 'local', text: line, at });
    return true;
  }

  /** A stats summary of the call (rates against the previous call of this method). */
  getStats(): Promise<StatsSummary | undefined> {
    return this.#link.getStats();
  }

  // ---- internals -----------------------------------------------------------------------

  #enqueue(message: ServerMessage): void {
    const signaling = this.#signaling;
    this.#chain = this.#chain
      .then(async () => {
        if (this.#signaling !== signaling) return;
        await handleServerMessage(this.#room, message);
        this.#recompute();
      })
      .catch(() => undefined);
  }

  async #startCall(remoteUid: string, polite: boolean, canOffer: boolean): Promise<void> {
    this.#dropCall();
    this.#remote.setPeer({ uid: remoteUid, presence: 'here' });
    const signaling = this.#signaling;
    if (!(await this.#mediaReady)) return;
    // Under the relay-only policy a call must never start with the fallback configuration.
    await this.#iceReady;
    const media = this.#media;
    if (!media || !signaling || this.#signaling !== signaling) return;
    const ice = this.#ice;
    this.#link.start({
      remoteUid,
      polite,
      canOffer,
      ice: ice.current,
      media,
      signaling,
      beforeRestart: () => ice.refreshWithin(2000),
    });
    this.#recompute();
  }

  /** Relay-only: checks the TURN server while alone in the room (see relay-check.ts). */
  async #checkRelay(ice: IceConfig, signaling: SignalingClient): Promise<void> {
    if (ice.iceTransportPolicy !== 'relay' || this.#signaling !== signaling) return;
    const factory = this.#options.createPeerConnection ?? ((c) => new RTCPeerConnection(c));
    const result = await checkRelay(rtcConfig(ice), factory, this.#clock, this.#options.peer?.relayTimeoutMs ?? 10_000);
    if (result !== 'ok' && this.#signaling === signaling) this.#fail(relayError(result));
  }

  #sendMediaState(): void {
    sendMediaState(this.#link.call, this.#media?.state, this.#name);
  }

  #dropCall(): void {
    this.#link.drop();
    this.#remote.clear();
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
    const call = this.#link.call;
    let next: CallState;
    if (sig === 'reconnecting') next = 'reconnecting';
    else if (!this.#mediaStarted || sig !== 'joined') next = 'joining';
    else if (!this.#remote.peer) next = 'waiting';
    else if (!call) next = 'connecting';
    else if (call.pc.connectionState === 'connected' && this.#remote.hasTracks && !this.#link.stalled)
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
