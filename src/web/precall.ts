/**
 * The check before the call, on the page while not in a call: the camera preview, a microphone
 * level meter, the choice of devices, and the network test (network-check.ts) in the background.
 * Joining stays one click and nothing waits for the test. The preview asks for what the call asks
 * for, and the call takes the preview's running camera and microphone (`takePreview`) rather than
 * stopping them and opening them again: that restart was on the path of every call's setup. The
 * network test's probes stop when the person joins (their peer connections would compete with the
 * call's own ICE) and run again after the call. Tests read `data-*` on #netCheck and the value of
 * #micLevel.
 */
import { DEFAULT_AUDIO_CONSTRAINTS, DEFAULT_VIDEO_CONSTRAINTS, type CallClient } from '../client/index.ts';
import { runNetworkCheck, verdict, type NetworkCheck } from './network-check.ts';
import type { TrustStrings } from './trust-strings.ts';

function el<T extends HTMLElement>(id: string): T {
  const found = document.getElementById(id);
  if (!found) throw new Error(`#${id} is missing`);
  return found as T;
}

const ROWS = ['server', 'stun', 'turnUdp', 'turnTcp', 'turnTls'] as const;

/** What the page's call uses of the pre-call check. */
export interface Precall {
  /**
   * The preview's camera and microphone for the call's first `getUserMedia` (both kinds asked,
   * no device named: the preview's are the devices the person chose), or `undefined` when there
   * is no preview to take. The tracks then belong to the caller.
   */
  takePreview(constraints: MediaStreamConstraints): Promise<MediaStream> | undefined;
}

/** One preview request and whether the call took it. */
interface PreviewRequest {
  readonly request: Promise<MediaStream>;
  readonly generation: number;
  taken: boolean;
}

/** Wires #precallPanel; starts the preview and the network test. */
export function setupPrecall(client: CallClient, T: TrustStrings, labels: { mic: string; camera: string }): Precall {
  const panel = el('precallPanel');
  const video = el<HTMLVideoElement>('previewVideo');
  const meter = el<HTMLMeterElement>('micLevel');
  const micSelect = el<HTMLSelectElement>('precallMic');
  const camSelect = el<HTMLSelectElement>('precallCam');
  const mediaNote = el('precallMedia');
  const netVerdict = el('netVerdict');
  const netList = el<HTMLDListElement>('netCheck');
  let stream: MediaStream | undefined;
  let audio: AudioContext | undefined;
  let meterTimer: ReturnType<typeof setInterval> | undefined;
  let generation = 0;
  let chosen: { audio?: string; video?: string } = {};
  let preview: PreviewRequest | undefined;
  let check: AbortController | undefined;
  let checkDone = false;

  const stopPreview = (): void => {
    generation++;
    preview = undefined;
    clearInterval(meterTimer);
    meterTimer = undefined;
    void audio?.close().catch(() => undefined);
    audio = undefined;
    // A stream the call took is the call's now.
    for (const track of stream?.getTracks() ?? []) track.stop();
    stream = undefined;
    video.srcObject = null;
    meter.value = 0;
  };

  const fillDevices = async (): Promise<void> => {
    const devices = await navigator.mediaDevices.enumerateDevices();
    const fill = (
      select: HTMLSelectElement,
      kind: MediaDeviceKind,
      current: string | undefined,
      label: string,
    ): void => {
      const list = devices.filter((d) => d.kind === kind);
      select.replaceChildren(
        ...list.map((d, i) => {
          const option = new Option(d.label || `${label} ${i + 1}`, d.deviceId);
          option.selected = d.deviceId === current;
          return option;
        }),
      );
      select.disabled = list.length === 0;
    };
    const track = (kind: 'audio' | 'video'): string | undefined =>
      stream
        ?.getTracks()
        .find((t) => t.kind === kind)
        ?.getSettings().deviceId;
    fill(micSelect, 'audioinput', track('audio'), labels.mic);
    fill(camSelect, 'videoinput', track('video'), labels.camera);
  };

  const startPreview = async (): Promise<void> => {
    stopPreview();
    const mine = generation;
    // The call's own constraints, so that the call can take these tracks as they are.
    const device = (base: MediaTrackConstraints, id: string | undefined): MediaTrackConstraints =>
      id ? { ...base, deviceId: { exact: id } } : base;
    const request = navigator.mediaDevices.getUserMedia({
      audio: device(DEFAULT_AUDIO_CONSTRAINTS, chosen.audio),
      video: device(DEFAULT_VIDEO_CONSTRAINTS, chosen.video),
    });
    const attempt: PreviewRequest = { request, generation: mine, taken: false };
    preview = attempt;
    let next: MediaStream;
    try {
      next = await request;
    } catch (err) {
      if (attempt.taken || mine !== generation) return;
      mediaNote.hidden = false;
      mediaNote.textContent = T.precallNoMedia.replace('{reason}', err instanceof Error ? err.name : String(err));
      return;
    }
    if (attempt.taken) return;
    if (mine !== generation) {
      for (const track of next.getTracks()) track.stop();
      return;
    }
    mediaNote.hidden = true;
    stream = next;
    video.srcObject = next;
    void video.play().catch(() => undefined);
    void fillDevices().catch(() => undefined);
    if (next.getAudioTracks().length > 0 && typeof AudioContext === 'function') {
      const context = new AudioContext();
      audio = context;
      const analyser = context.createAnalyser();
      analyser.fftSize = 1024;
      context.createMediaStreamSource(next).connect(analyser);
      const samples = new Float32Array(analyser.fftSize);
      meterTimer = setInterval(() => {
        analyser.getFloatTimeDomainData(samples);
        let sum = 0;
        for (const v of samples) sum += v * v;
        // RMS scaled so that speech fills most of the meter.
        meter.value = Math.min(1, Math.sqrt(sum / samples.length) * 4);
      }, 100);
    }
  };

  // An AudioContext made without a gesture may start suspended (autoplay rules): the first
  // click or key press lets the meter run.
  const resume = (): void => void audio?.resume().catch(() => undefined);
  document.addEventListener('pointerdown', resume);
  document.addEventListener('keydown', resume);

  micSelect.addEventListener('change', () => {
    chosen = { ...chosen, audio: micSelect.value };
    void startPreview();
  });
  camSelect.addEventListener('change', () => {
    chosen = { ...chosen, video: camSelect.value };
    void startPreview();
  });

  const drawCheck = (check: NetworkCheck): void => {
    for (const row of ROWS) netList.dataset[row] = check[row];
    const { key, protocol } = verdict(check);
    netList.dataset['verdict'] = key;
    netVerdict.textContent = T[key].replace('{protocol}', protocol);
    netList.replaceChildren(
      ...ROWS.flatMap((row) => {
        const dt = document.createElement('dt');
        dt.textContent = T.netRows[row];
        const dd = document.createElement('dd');
        dd.textContent = T.netResult[check[row]];
        dd.dataset['result'] = check[row];
        return [dt, dd];
      }),
    );
  };

  const startCheck = (): void => {
    checkDone = false;
    check = new AbortController();
    void runNetworkCheck(location.origin, drawCheck, check.signal).then((result) => {
      checkDone = ROWS.every((row) => result[row] !== 'pending');
    });
  };

  let appliedChoice = false;
  client.on('state', ({ state }) => {
    const inCall = state !== 'idle' && state !== 'left' && state !== 'error';
    panel.hidden = inCall;
    if (state === 'joining') {
      // The test's probes stop (their connections would compete with the call's ICE); what they
      // did not finish is checked again after the call.
      check?.abort();
      // 'joining' comes before the call asks for media: the call takes the preview's tracks
      // (takePreview) in the same task, and what it did not take stops in the next one.
      setTimeout(() => {
        if (client.state !== 'idle' && client.state !== 'left') stopPreview();
      });
      appliedChoice = false;
    } else if (state === 'left') {
      void startPreview();
      if (!checkDone) startCheck();
    }
  });
  client.on('local-media', (media) => {
    if (appliedChoice) return;
    appliedChoice = true;
    if (chosen.audio && chosen.audio !== media.audioDeviceId)
      void client.switchDevice('audio', chosen.audio).catch(() => undefined);
    if (chosen.video && chosen.video !== media.videoDeviceId)
      void client.switchDevice('video', chosen.video).catch(() => undefined);
  });

  void startPreview();
  startCheck();

  return {
    takePreview(constraints) {
      const current = preview;
      const named = (c: boolean | MediaTrackConstraints | undefined): boolean =>
        typeof c === 'object' && c.deviceId !== undefined;
      if (!current || current.taken || current.generation !== generation) return undefined;
      if (!constraints.audio || !constraints.video || named(constraints.audio) || named(constraints.video)) {
        return undefined;
      }
      current.taken = true;
      preview = undefined;
      // Nothing of the preview stops these tracks from now on; the meter lets go of them.
      stream = undefined;
      return current.request.then((taken) => {
        // A preview that lost a device gives the call what a fresh request would not refuse.
        if (taken.getTracks().some((t) => t.readyState !== 'live')) {
          for (const track of taken.getTracks()) track.stop();
          return navigator.mediaDevices.getUserMedia(constraints);
        }
        return taken;
      });
    },
  };
}
