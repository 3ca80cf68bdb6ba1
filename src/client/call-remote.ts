/**
 * The other member as the call client shows it: who it is, its media stream, and what its
 * browser tells ours on the data channel (chat, mute/camera state). Kept out of call-client.ts,
 * which tells it when tracks arrive and when the call is dropped.
 */
import type { PeerCall } from './call.ts';
import type { CallClientEvents, RemotePeer } from './call-types.ts';
import type { LocalMediaState } from './media.ts';
import type { PeerMediaState, PeerMessage } from './peer-messages.ts';

/** The client events this module emits. */
type RemoteEvents = Pick<CallClientEvents, 'peer' | 'remote-stream' | 'chat'>;

/** Emits one of the client's events. */
export type RemoteEmit = <K extends keyof RemoteEvents>(type: K, payload: CallClientEvents[K]) => void;

/** What {@link CallRemote.setPeer} takes: `media` omitted keeps the known media of the same uid. */
export type PeerUpdate = { uid: string; presence: RemotePeer['presence']; media?: PeerMediaState | undefined };

/** The remote side of one call client. */
export class CallRemote {
  #peer: RemotePeer | undefined;
  #stream: MediaStream | undefined;
  #tracks: MediaStreamTrack[] = [];
  readonly #emit: RemoteEmit;
  readonly #createStream: ((tracks: MediaStreamTrack[]) => MediaStream) | undefined;

  /**
   * @param emit emits the client's `peer`, `remote-stream` and `chat` events
   * @param createStream makes a stream where the browser has no `MediaStream` (tests)
   */
  constructor(emit: RemoteEmit, createStream?: (tracks: MediaStreamTrack[]) => MediaStream) {
    this.#emit = emit;
    this.#createStream = createStream;
  }

  /** The other member, when there is one. */
  get peer(): RemotePeer | undefined {
    return this.#peer;
  }

  /** The other member's media. */
  get stream(): MediaStream | undefined {
    return this.#stream;
  }

  /** Has a remote track arrived on the current call? */
  get hasTracks(): boolean {
    return this.#tracks.length > 0;
  }

  /** Sets (or clears) the other member and emits `peer`. */
  setPeer(peer: PeerUpdate | undefined): void {
    const next: RemotePeer | undefined = peer && {
      uid: peer.uid,
      presence: peer.presence,
      media: 'media' in peer ? peer.media : this.#peer?.uid === peer.uid ? this.#peer.media : undefined,
    };
    this.#peer = next;
    this.#emit('peer', next);
  }

  /** A remote track arrived, with the stream the other side put it in (if any). */
  addTrack(track: MediaStreamTrack, stream: MediaStream | undefined): void {
    if (!this.#tracks.includes(track)) this.#tracks.push(track);
    const next = stream ?? this.#stream ?? this.#newStream(this.#tracks);
    if (!stream && next !== undefined && !next.getTracks().includes(track)) next.addTrack(track);
    this.#stream = next;
    this.#emit('remote-stream', next);
  }

  /** A data-channel message from the other browser. */
  onPeerMessage(message: PeerMessage): void {
    if (message.t === 'chat') {
      this.#emit('chat', { from: 'remote', text: message.text, at: message.at });
    } else if (this.#peer) {
      const { micOn, cameraOn, screenSharing, name } = message;
      this.setPeer({ ...this.#peer, media: { micOn, cameraOn, screenSharing, name } });
    }
  }

  /** The call was dropped: forgets the tracks, the stream and the member. */
  clear(): void {
    this.#tracks = [];
    if (this.#stream) {
      this.#stream = undefined;
      this.#emit('remote-stream', undefined);
    }
    if (this.#peer) {
      this.#peer = undefined;
      this.#emit('peer', undefined);
    }
  }

  #newStream(tracks: MediaStreamTrack[]): MediaStream | undefined {
    if (this.#createStream) return this.#createStream([...tracks]);
    return typeof MediaStream === 'function' ? new MediaStream([...tracks]) : undefined;
  }
}

/** Tells the other browser our mute/camera/screen state and name over the data channel. */
export function sendMediaState(
  call: PeerCall | undefined,
  state: LocalMediaState | undefined,
  name: string | undefined,
): void {
  if (!state || !call) return;
  call.sendPeer({
    t: 'state',
    micOn: state.micOn,
    cameraOn: state.cameraOn,
    screenSharing: state.screenSharing,
    ...(name !== undefined && { name }),
  });
}
