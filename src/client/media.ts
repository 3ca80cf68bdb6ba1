/**
 * Local media: camera and microphone (or whichever of the two exists and is allowed), mute,
 * camera off and on, switching devices, and screen sharing that takes the camera's place.
 * Every change of an outgoing track is announced with `track`, so that the call can swap it with
 * `replaceTrack` (no renegotiation).
 */
import { mediaError, ZeroRtcError } from './errors.ts';
import { Emitter } from './events.ts';

/** The parts of `navigator.mediaDevices` used here. */
export interface MediaDevicesLike {
  getUserMedia(constraints: MediaStreamConstraints): Promise<MediaStream>;
  getDisplayMedia?(options?: DisplayMediaStreamOptions): Promise<MediaStream>;
  enumerateDevices(): Promise<MediaDeviceInfo[]>;
}

/** The state of local media, for the page's controls. */
export interface LocalMediaState {
  readonly hasMic: boolean;
  readonly hasCamera: boolean;
  readonly micOn: boolean;
  readonly cameraOn: boolean;
  readonly screenSharing: boolean;
  readonly audioDeviceId: string | undefined;
  readonly videoDeviceId: string | undefined;
}

/** Events of {@link LocalMedia}. */
export interface LocalMediaEvents {
  /** Any state change. */
  change: LocalMediaState;
  /** The outgoing track of `kind` is now `track` (null: send nothing). */
  track: { readonly kind: 'audio' | 'video'; readonly track: MediaStreamTrack | null };
  /** A problem that does not end the call (one device missing, screen share refused). */
  warning: ZeroRtcError;
}

/** Options of {@link LocalMedia}. */
export interface LocalMediaOptions {
  readonly mediaDevices?: MediaDevicesLike;
  /** Video constraints for the camera (default: 1280x720 ideal). */
  readonly video?: MediaTrackConstraints;
  /** Audio constraints (default: echo cancellation and noise suppression on). */
  readonly audio?: MediaTrackConstraints;
  /** Builds a MediaStream from tracks (the browser's by default). */
  readonly createStream?: (tracks: MediaStreamTrack[]) => MediaStream;
}

/** The camera constraints a call asks for unless told otherwise (a page's preview can ask the same). */
export const DEFAULT_VIDEO_CONSTRAINTS: MediaTrackConstraints = {
  width: { ideal: 1280 },
  height: { ideal: 720 },
  frameRate: { ideal: 30 },
};
/** The microphone constraints a call asks for unless told otherwise. */
export const DEFAULT_AUDIO_CONSTRAINTS: MediaTrackConstraints = {
  echoCancellation: true,
  noiseSuppression: true,
  autoGainControl: true,
};

/** Camera, microphone and screen capture of this browser. */
export class LocalMedia extends Emitter<LocalMediaEvents> {
  #audio: MediaStreamTrack | undefined;
  #camera: MediaStreamTrack | undefined;
  #screen: MediaStreamTrack | undefined;
  #micOn = true;
  #cameraOn = true;
  #audioDeviceId: string | undefined;
  #videoDeviceId: string | undefined;
  #stream: MediaStream | undefined;
  readonly #devices: MediaDevicesLike;
  readonly #videoConstraints: MediaTrackConstraints;
  readonly #audioConstraints: MediaTrackConstraints;
  readonly #createStream: (tracks: MediaStreamTrack[]) => MediaStream;

  /** @param options devices and constraints */
  constructor(options: LocalMediaOptions = {}) {
    super();
    this.#devices = options.mediaDevices ?? navigator.mediaDevices;
    this.#videoConstraints = options.video ?? DEFAULT_VIDEO_CONSTRAINTS;
    this.#audioConstraints = options.audio ?? DEFAULT_AUDIO_CONSTRAINTS;
    this.#createStream = options.createStream ?? ((tracks) => new MediaStream(tracks));
  }

  /** A stream of what we send (the screen replaces the camera while sharing), for the preview and for the call. */
  get stream(): MediaStream | undefined {
    return this.#stream;
  }

  /** The tracks to send now. */
  get outgoingTracks(): MediaStreamTrack[] {
    const tracks: MediaStreamTrack[] = [];
    if (this.#audio) tracks.push(this.#audio);
    const video = this.#outgoingVideo();
    if (video) tracks.push(video);
    return tracks;
  }

  /** The current state. */
  get state(): LocalMediaState {
    return {
      hasMic: this.#audio !== undefined,
      hasCamera: this.#camera !== undefined || (!this.#cameraOn && this.#videoDeviceId !== undefined),
      micOn: this.#audio !== undefined && this.#micOn,
      cameraOn: this.#camera !== undefined && this.#cameraOn,
      screenSharing: this.#screen !== undefined,
      audioDeviceId: this.#audioDeviceId,
      videoDeviceId: this.#videoDeviceId,
    };
  }

  /**
   * Starts camera and microphone; with only one of them available, starts that one and emits a
   * `warning`. Rejects with a {@link ZeroRtcError} (`media-denied`, `media-not-found`,
   * `media-in-use`, `unsupported`) when neither starts.
   */
  async start(): Promise<void> {
    if (typeof this.#devices === 'undefined' || typeof this.#devices.getUserMedia !== 'function') {
      throw new ZeroRtcError('unsupported', 'This browser cannot capture media here (is the page on https?).');
    }
    let stream: MediaStream;
    try {
      stream = await this.#devices.getUserMedia({ audio: this.#audioConstraints, video: this.#videoConstraints });
    } catch (both) {
      // One device may be missing, busy or refused: try each alone.
      const audio = await this.#devices.getUserMedia({ audio: this.#audioConstraints }).catch(() => undefined);
      const video = audio
        ? undefined
        : await this.#devices.getUserMedia({ video: this.#videoConstraints }).catch(() => undefined);
      const got = audio ?? video;
      if (!got) throw mediaError(both);
      stream = got;
      this.emit('warning', mediaError(both));
    }
    this.#audio = stream.getAudioTracks()[0];
    this.#camera = stream.getVideoTracks()[0];
    this.#audioDeviceId = this.#audio?.getSettings().deviceId;
    this.#videoDeviceId = this.#camera?.getSettings().deviceId;
    this.#watchEnded();
    this.#rebuildStream();
    this.#changed();
  }

  /** Mutes or unmutes the microphone (the track keeps running; the other side hears silence). */
  setMicEnabled(on: boolean): void {
    this.#micOn = on;
    if (this.#audio) this.#audio.enabled = on;
    this.#changed();
  }

  /**
   * Turns the camera off (the camera light goes off: the track is stopped) or on again.
   */
  async setCameraEnabled(on: boolean): Promise<void> {
    if (on === this.#cameraOn && (on ? this.#camera !== undefined : this.#camera === undefined)) return;
    this.#cameraOn = on;
    if (!on) {
      this.#camera?.stop();
      this.#camera = undefined;
    } else {
      try {
        const stream = await this.#devices.getUserMedia({ video: this.#videoFor(this.#videoDeviceId) });
        this.#camera = stream.getVideoTracks()[0];
        this.#watchEnded();
      } catch (err) {
        this.#cameraOn = false;
        this.#changed();
        throw mediaError(err);
      }
    }
    this.#rebuildStream();
    if (!this.#screen) this.emit('track', { kind: 'video', track: this.#outgoingVideo() ?? null });
    this.#changed();
  }

  /** Switches the camera or microphone in use, during a call too. */
  async switchDevice(kind: 'audio' | 'video', deviceId: string): Promise<void> {
    if (kind === 'audio') {
      let stream: MediaStream;
      try {
        stream = await this.#devices.getUserMedia({
          audio: { ...this.#audioConstraints, deviceId: { exact: deviceId } },
        });
      } catch (err) {
        throw mediaError(err);
      }
      this.#audio?.stop();
      this.#audio = stream.getAudioTracks()[0];
      if (this.#audio) this.#audio.enabled = this.#micOn;
      this.#audioDeviceId = deviceId;
      this.#rebuildStream();
      this.emit('track', { kind: 'audio', track: this.#audio ?? null });
    } else {
      this.#videoDeviceId = deviceId;
      if (this.#cameraOn) {
        const old = this.#camera;
        // iOS ends the camera in use when another one opens: that is this switch, not an unplug.
        if (old) old.onended = null;
        let stream: MediaStream;
        try {
          stream = await this.#openCamera(deviceId, old);
        } catch (err) {
          this.#watchEnded();
          throw mediaError(err);
        }
        this.#camera?.stop();
        this.#camera = stream.getVideoTracks()[0];
        this.#rebuildStream();
        if (!this.#screen) this.emit('track', { kind: 'video', track: this.#outgoingVideo() ?? null });
      }
    }
    this.#watchEnded();
    this.#changed();
  }

  /** Shares the screen in the camera's place. Rejects with `screen-share-failed`. */
  async startScreenShare(): Promise<void> {
    if (this.#screen) return;
    if (typeof this.#devices.getDisplayMedia !== 'function') {
      throw new ZeroRtcError('screen-share-failed', 'This browser cannot share the screen.');
    }
    let stream: MediaStream;
    try {
      stream = await this.#devices.getDisplayMedia({ video: { frameRate: { ideal: 15 } }, audio: false });
    } catch (err) {
      throw mediaError(err, true);
    }
    const track = stream.getVideoTracks()[0];
    if (!track) throw new ZeroRtcError('screen-share-failed', 'No screen was chosen.');
    track.contentHint = 'detail';
    // The browser's own "Stop sharing" button ends the track.
    track.addEventListener('ended', () => this.stopScreenShare());
    this.#screen = track;
    this.#rebuildStream();
    this.emit('track', { kind: 'video', track });
    this.#changed();
  }

  /** Stops sharing and gives the camera its place back. Safe to call when not sharing. */
  stopScreenShare(): void {
    if (!this.#screen) return;
    this.#screen.stop();
    this.#screen = undefined;
    this.#rebuildStream();
    this.emit('track', { kind: 'video', track: this.#outgoingVideo() ?? null });
    this.#changed();
  }

  /** Cameras and microphones, for device pickers (labels appear once media was allowed). */
  async listDevices(): Promise<{ audio: MediaDeviceInfo[]; video: MediaDeviceInfo[] }> {
    const all = await this.#devices.enumerateDevices();
    return { audio: all.filter((d) => d.kind === 'audioinput'), video: all.filter((d) => d.kind === 'videoinput') };
  }

  /** Stops every track. Safe to call twice. */
  stop(): void {
    for (const track of [this.#audio, this.#camera, this.#screen]) track?.stop();
    this.#audio = this.#camera = this.#screen = undefined;
    this.#stream = undefined;
    this.#micOn = this.#cameraOn = true;
  }

  #outgoingVideo(): MediaStreamTrack | undefined {
    return this.#screen ?? (this.#cameraOn ? this.#camera : undefined);
  }

  #videoFor(deviceId: string | undefined): MediaTrackConstraints {
    return deviceId === undefined
      ? this.#videoConstraints
      : { ...this.#videoConstraints, deviceId: { exact: deviceId } };
  }

  #rebuildStream(): void {
    this.#stream = this.#createStream(this.outgoingTracks);
  }

  /**
   * Opens camera `deviceId` while `old` still runs. Some phones open one camera at a time and
   * refuse the second (NotReadableError): then `old` is stopped and the new one asked again.
   */
  async #openCamera(deviceId: string, old: MediaStreamTrack | undefined): Promise<MediaStream> {
    const constraints = { video: this.#videoFor(deviceId) };
    try {
      return await this.#devices.getUserMedia(constraints);
    } catch (err) {
      if (!old || (err as { name?: unknown } | undefined)?.name !== 'NotReadableError') throw err;
      old.stop();
      try {
        return await this.#devices.getUserMedia(constraints);
      } catch (again) {
        // The old camera is gone too: the camera is off now.
        this.#camera = undefined;
        this.#cameraOn = false;
        this.#rebuildStream();
        if (!this.#screen) this.emit('track', { kind: 'video', track: null });
        this.#changed();
        throw again;
      }
    }
  }

  #watchEnded(): void {
    // A camera unplugged mid-call: show it as off rather than freezing.
    const camera = this.#camera;
    if (camera) {
      camera.onended = () => {
        if (this.#camera !== camera) return;
        this.#camera = undefined;
        this.#cameraOn = false;
        this.#rebuildStream();
        if (!this.#screen) this.emit('track', { kind: 'video', track: null });
        this.#changed();
      };
    }
  }

  #changed(): void {
    this.emit('change', this.state);
  }
}
