/**
 * One RTCPeerConnection with the other member, negotiated with the "perfect negotiation" pattern
 * and the role the server hands out (`polite`). The member that heard `new-peer` makes the first
 * offer; the one that heard `resp-join` waits for it (`canOffer: false`), so a tutorial client,
 * which offers on `new-peer` and never otherwise, never meets glare. Later renegotiations (ICE
 * restart, an added track) may come from either side; glare is then settled by the roles.
 */
import type { RelayCmd } from '../protocol/messages.ts';
import { parseCandidate, parseDescription, serializeCandidate } from './candidates.ts';
import { systemClock, type Clock, type TimerHandle } from './clock.ts';
import { ZeroRtcError } from './errors.ts';
import { Emitter } from './events.ts';
import { decodePeerMessage, type PeerMessage } from './peer-messages.ts';
import type { PeerCallEvents, PeerCallOptions, PeerConnectionFactory } from './peer-call-types.ts';

/** The data channel both sides create with the same id (no in-band announcement needed). */
const CHANNEL = { label: 'zerortc', id: 0 } as const;

const defaultFactory: PeerConnectionFactory = (configuration) => new RTCPeerConnection(configuration);

/** A call with one remote member. */
export class PeerCall extends Emitter<PeerCallEvents> {
  /** The other member. */
  readonly remoteUid: string;
  /** The underlying connection (for stats and debugging). */
  readonly pc: RTCPeerConnection;
  #polite: boolean;
  #canOffer: boolean;
  #makingOffer = false;
  #ignoreOffer = false;
  #answerPending = false;
  #queue: Promise<void> = Promise.resolve();
  #pendingCandidates: RTCIceCandidateInit[] = [];
  #channel: RTCDataChannel;
  #restarts = 0;
  #disconnectedTimer: TimerHandle;
  /** A restart is waiting for its fresh credentials (see {@link restartIce}). */
  #restartPending = false;
  #politeTimer: TimerHandle;
  #relayTimer: TimerHandle;
  #sawRelay = false;
  #relayOnly: boolean;
  #closed = false;
  #everConnected = false;
  readonly #send: (cmd: RelayCmd, msg: string) => void;
  readonly #clock: Clock;
  readonly #disconnectedRestartMs: number;
  readonly #maxIceRestarts: number;
  readonly #relayTimeoutMs: number;
  readonly #politeRestartDelayMs: number;
  readonly #beforeRestart: (() => Promise<void>) | undefined;

  /** Creates the connection, adds the tracks and opens the data channel. */
  constructor(options: PeerCallOptions) {
    super();
    this.remoteUid = options.remoteUid;
    this.#polite = options.polite;
    this.#canOffer = options.canOffer;
    this.#send = options.send;
    this.#clock = options.clock ?? systemClock;
    this.#disconnectedRestartMs = options.disconnectedRestartMs ?? 3000;
    this.#maxIceRestarts = options.maxIceRestarts ?? 2;
    this.#relayTimeoutMs = options.relayTimeoutMs ?? 10_000;
    this.#politeRestartDelayMs = options.politeRestartDelayMs ?? 4000;
    this.#beforeRestart = options.beforeRestart;
    this.#relayOnly = options.configuration.iceTransportPolicy === 'relay';
    const pc = (options.createPeerConnection ?? defaultFactory)(options.configuration);
    this.pc = pc;

    pc.onnegotiationneeded = () => {
      // The polite side waits for the first offer; the browser fires this again after the
      // answer if our side still needs negotiating.
      if (this.#canOffer) void this.#offer();
    };
    pc.onicecandidate = ({ candidate }) => {
      if (!candidate?.candidate) return;
      if (candidate.type === 'relay') this.#sawRelay = true;
      this.#send('candidate', serializeCandidate(candidate.toJSON()));
    };
    pc.onicegatheringstatechange = () => {
      if (pc.iceGatheringState === 'complete' && this.#relayOnly && !this.#sawRelay) this.#turnFailed();
    };
    pc.onicecandidateerror = (ev) => {
      const url = ev.url;
      // 401/403: the TURN server refused our credentials; 701 on a turn: URL: it did not answer.
      const turn = url.startsWith('turn');
      if (turn && (ev.errorCode === 401 || ev.errorCode === 403 || (this.#relayOnly && ev.errorCode === 701))) {
        if (this.#relayOnly) this.#turnFailed();
      }
    };
    pc.ontrack = ({ track, streams }) => this.emit('track', { track, stream: streams[0] });
    pc.onconnectionstatechange = () => this.#onConnectionState();

    for (const track of options.tracks) {
      if (options.stream) pc.addTrack(track, options.stream);
      else pc.addTrack(track);
    }
    this.#channel = pc.createDataChannel(CHANNEL.label, { negotiated: true, id: CHANNEL.id });
    this.#channel.onopen = () => this.emit('channel-open', undefined);
    this.#channel.onmessage = (ev: MessageEvent) => {
      const message = decodePeerMessage(ev.data);
      if (message) this.emit('peer', message);
    };
    if (this.#relayOnly) {
      this.#relayTimer = this.#clock.setTimeout(() => {
        if (!this.#sawRelay && !this.#everConnected) this.#turnFailed();
      }, this.#relayTimeoutMs);
    }
  }

  /** Our current role. */
  get polite(): boolean {
    return this.#polite;
  }

  /** True once the connection has been `connected` at least once. */
  get everConnected(): boolean {
    return this.#everConnected;
  }

  /** Is the data channel open? */
  get channelOpen(): boolean {
    return this.#channel.readyState === 'open';
  }

  /**
   * Updates the role after a re-join (the server may hand out the other role after a restart).
   * @param canOffer true lets this side offer again
   */
  setRole(polite: boolean, canOffer: boolean): void {
    this.#polite = polite;
    if (canOffer) this.#canOffer = true;
  }

  /**
   * Makes an offer now even if the other side was expected to: used when the expected offer does
   * not come (the other side kept an older connection).
   */
  startNegotiation(): void {
    if (this.#closed) return;
    this.#canOffer = true;
    if (this.pc.signalingState === 'stable') void this.#offer();
  }

  /**
   * Handles an offer, answer or candidate relayed from the other member, in arrival order.
   * Rejects when a description cannot be applied (for example an offer from a brand-new
   * connection of the other side, whose DTLS identity differs): the caller starts afresh.
   */
  handle(cmd: RelayCmd, msg: string): Promise<void> {
    const run = async (): Promise<void> => {
      if (this.#closed) return;
      if (cmd === 'candidate') await this.#onCandidate(msg);
      else await this.#onDescription(msg);
    };
    const result = this.#queue.then(run);
    this.#queue = result.catch(() => undefined);
    return result;
  }

  /** Applies new ICE servers (refreshed TURN credentials, policy). */
  setConfiguration(configuration: RTCConfiguration): void {
    if (this.#closed) return;
    this.#relayOnly = configuration.iceTransportPolicy === 'relay';
    try {
      this.pc.setConfiguration({ ...this.pc.getConfiguration(), ...configuration });
    } catch {
      // Some browsers refuse a policy change mid-call; the new credentials apply on the next call.
    }
  }

  /**
   * Restarts ICE (new candidates, same media). Counts toward `ice-failed` unless `manual`.
   * @returns false when the restart budget is spent
   */
  restartIce(manual = false): boolean {
    if (this.#closed) return false;
    // Asked again while fetching the fresh credentials (a stall, a re-join and ICE's own
    // `disconnected` often come within a second of each other): one restart serves them all, a
    // second would throw away the checks of the first.
    if (this.#restartPending) return true;
    if (!manual) {
      if (this.#restarts >= this.#maxIceRestarts) {
        // Relay-only, never connected: every path went through TURN and none worked. Chromium
        // reports nothing when TURN refuses the peer address (403 Forbidden IP), so say it here.
        const error =
          this.#relayOnly && !this.#everConnected
            ? new ZeroRtcError('turn-failed', 'No path through the TURN relay worked (a refused peer address?).')
            : new ZeroRtcError('ice-failed', 'The media connection failed and could not be restored.');
        this.emit('error', error);
        return false;
      }
      this.#restarts += 1;
    }
    this.#canOffer = true;
    this.#clock.clearTimeout(this.#politeTimer);
    this.#politeTimer = undefined;
    this.emit('ice-restart', { attempt: this.#restarts });
    this.#restartPending = true;
    void this.#restart();
    return true;
  }

  async #restart(): Promise<void> {
    try {
      // Fresh TURN credentials first: those of the call's start may be close to their end.
      if (this.#beforeRestart) await this.#beforeRestart().catch(() => undefined);
      if (this.#closed) return;
      if (this.pc.signalingState === 'have-local-offer' && !this.#makingOffer) {
        // An offer that never got its answer (it went out on a socket that was already dead):
        // take it back, or the restart would wait for that answer forever.
        await this.pc.setLocalDescription({ type: 'rollback' }).catch(() => undefined);
        if (this.#closed) return;
      }
      this.pc.restartIce();
    } finally {
      this.#restartPending = false;
    }
  }

  /**
   * Restores a broken media path without glare: the impolite side restarts ICE now; the polite
   * side gives it `politeRestartDelayMs` and restarts itself only if the connection is still
   * not back (the other side may be a client that never restarts).
   * @param manual true: does not count toward `ice-failed` (a re-join, a member's return)
   * @param stillBroken what the polite side checks after its delay (default: not `connected`)
   */
  recover(manual = false, stillBroken = (): boolean => this.pc.connectionState !== 'connected'): void {
    if (this.#closed) return;
    if (!this.#polite) {
      this.restartIce(manual);
      return;
    }
    if (this.#politeTimer !== undefined) return;
    this.#politeTimer = this.#clock.setTimeout(() => {
      this.#politeTimer = undefined;
      if (stillBroken()) this.restartIce(manual);
    }, this.#politeRestartDelayMs);
  }

  /** Replaces the outgoing track of `kind` without renegotiating; adds a sender when there is none. */
  async replaceTrack(kind: 'audio' | 'video', track: MediaStreamTrack | null, stream?: MediaStream): Promise<void> {
    if (this.#closed) return;
    const transceiver = this.pc
      .getTransceivers()
      .find((t) => t.currentDirection !== 'stopped' && t.receiver.track.kind === kind);
    if (!transceiver) {
      if (!track) return;
      if (stream) this.pc.addTrack(track, stream);
      else this.pc.addTrack(track);
      return;
    }
    await transceiver.sender.replaceTrack(track);
    if (track && (transceiver.direction === 'recvonly' || transceiver.direction === 'inactive')) {
      // We only received this kind so far: start sending on the same m-line (renegotiates).
      transceiver.direction = transceiver.direction === 'recvonly' ? 'sendrecv' : 'sendonly';
      if (stream) transceiver.sender.setStreams(stream);
    }
  }

  /** Sends a message to the other browser; false when the channel is not open. */
  sendPeer(message: PeerMessage): boolean {
    if (this.#channel.readyState !== 'open') return false;
    this.#channel.send(JSON.stringify(message));
    return true;
  }

  /** Closes the connection. Safe to call twice. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#clock.clearTimeout(this.#disconnectedTimer);
    this.#clock.clearTimeout(this.#relayTimer);
    this.#clock.clearTimeout(this.#politeTimer);
    this.#channel.onopen = this.#channel.onmessage = null;
    this.pc.onnegotiationneeded = this.pc.onicecandidate = this.pc.ontrack = null;
    this.pc.onconnectionstatechange = this.pc.onicecandidateerror = this.pc.onicegatheringstatechange = null;
    this.#channel.close();
    this.pc.close();
    this.removeAllListeners();
  }

  async #offer(): Promise<void> {
    if (this.#closed) return;
    try {
      this.#makingOffer = true;
      await this.pc.setLocalDescription();
      const local = this.pc.localDescription;
      if (local && !this.#closed) this.#send('offer', JSON.stringify({ type: local.type, sdp: local.sdp }));
    } catch {
      // The state changed under us (a remote offer won); the browser asks again when needed.
    } finally {
      this.#makingOffer = false;
    }
  }

  async #onDescription(msg: string): Promise<void> {
    const description = parseDescription(msg);
    if (!description) return;
    const pc = this.pc;
    const readyForOffer = !this.#makingOffer && (pc.signalingState === 'stable' || this.#answerPending);
    const collision = description.type === 'offer' && !readyForOffer;
    this.#ignoreOffer = !this.#polite && collision;
    if (this.#ignoreOffer) return;
    if (description.type === 'answer' && pc.signalingState !== 'have-local-offer') return;
    this.#answerPending = description.type === 'answer';
    // For the polite side, setRemoteDescription rolls back our own offer implicitly.
    await pc.setRemoteDescription(description);
    this.#answerPending = false;
    if (description.type === 'offer') {
      this.#canOffer = true;
      await pc.setLocalDescription();
      const local = pc.localDescription;
      if (local && !this.#closed) this.#send('answer', JSON.stringify({ type: local.type, sdp: local.sdp }));
    }
    for (const candidate of this.#pendingCandidates.splice(0)) await this.#addCandidate(candidate);
  }

  async #onCandidate(msg: string): Promise<void> {
    const candidate = parseCandidate(msg);
    if (!candidate?.candidate) return;
    if (!this.pc.remoteDescription) {
      this.#pendingCandidates.push(candidate);
      return;
    }
    await this.#addCandidate(candidate);
  }

  async #addCandidate(candidate: RTCIceCandidateInit): Promise<void> {
    try {
      await this.pc.addIceCandidate(candidate);
    } catch {
      // Candidates of an offer we ignored (glare) or of an older ICE generation: harmless.
    }
  }

  #onConnectionState(): void {
    const state = this.pc.connectionState;
    this.#clock.clearTimeout(this.#disconnectedTimer);
    this.#disconnectedTimer = undefined;
    if (state === 'connected') {
      this.#everConnected = true;
      this.#restarts = 0;
      this.#clock.clearTimeout(this.#relayTimer);
      this.#clock.clearTimeout(this.#politeTimer);
      this.#politeTimer = undefined;
    } else if (state === 'failed') {
      this.recover();
    } else if (state === 'disconnected') {
      this.#disconnectedTimer = this.#clock.setTimeout(() => {
        if (this.pc.connectionState === 'disconnected') this.recover();
      }, this.#disconnectedRestartMs);
    }
    this.emit('connection', state);
  }

  #turnFailed(): void {
    this.#clock.clearTimeout(this.#relayTimer);
    if (this.#closed || this.#everConnected) return;
    this.emit('error', new ZeroRtcError('turn-failed', 'The TURN relay refused us or gave no relay candidate.'));
  }
}
