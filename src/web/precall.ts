/**
 * The check before the call, on the page while not in a call: the camera preview, a microphone
 * level meter, the choice of devices, and the network test (network-check.ts) in the background.
 * Joining stays one click: the preview stops when the call's own media starts, and nothing waits
 * for the network test. Tests read `data-*` on #netCheck and the value of #micLevel.
 */
import type { CallClient } from '../client/index.ts';
import { runNetworkCheck, verdict, type NetworkCheck } from './network-check.ts';
import type { TrustStrings } from './trust-strings.ts';

function el<T extends HTMLElement>(id: string): T {
  const found = document.getElementById(id);
  if (!found) throw new Error(`#${id} is missing`);
  return found as T;
}

const ROWS = ['server', 'stun', 'turnUdp', 'turnTcp', 'turnTls'] as const;

/** Wires #precallPanel; starts the preview and the network test. */
export function setupPrecall(client: CallClient, T: TrustStrings, labels: { mic: string; camera: string }): void {
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

  const stopPreview = (): void => {
    generation++;
    clearInterval(meterTimer);
    meterTimer = undefined;
    void audio?.close().catch(() => undefined);
    audio = undefined;
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
    const device = (id: string | undefined): MediaTrackConstraints | boolean =>
      id ? { deviceId: { exact: id } } : true;
    let next: MediaStream;
    try {
      next = await navigator.mediaDevices.getUserMedia({ audio: device(chosen.audio), video: device(chosen.video) });
    } catch (err) {
      mediaNote.hidden = false;
      mediaNote.textContent = T.precallNoMedia.replace('{reason}', err instanceof Error ? err.name : String(err));
      return;
    }
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

  let appliedChoice = false;
  client.on('state', ({ state }) => {
    const inCall = state !== 'idle' && state !== 'left' && state !== 'error';
    panel.hidden = inCall;
    if (state === 'joining') {
      // The call's media replaces the preview; the chosen devices follow once it runs.
      stopPreview();
      appliedChoice = false;
    } else if (state === 'left') {
      void startPreview();
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
  void runNetworkCheck(location.origin, drawCheck);
}
