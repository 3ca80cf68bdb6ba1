/**
 * The call page: DOM glue only. Everything shown is drawn from the client's state and events.
 */
import {
  CallClient,
  summarizeStats,
  type CallState,
  type MediaDevicesLike,
  type RemotePeer,
  type StatsSummary,
  type ZeroRtcError,
} from '../client/index.ts';
import { BitrateGraph } from './bitrate-graph.ts';
import type {} from './debug-handle.ts';
import { pickStrings, translatePage } from './i18n.ts';
import { setupMobile } from './mobile.ts';
import { setUpNewCall } from './new-call.ts';
import { setupPrecall, type Precall } from './precall.ts';
import { setupReportButton } from './report-button.ts';
import { setupSafetyPanel } from './safety-panel.ts';
import { setupStatusBadge } from './status-badge.ts';
import { translateTrust, trustStrings } from './trust-strings.ts';
import { tokenFromHash, tokenSubject } from './room-token.ts';

const SESSION_KEY = 'zerortc.session';

interface StoredSession {
  roomId: string;
  uid: string;
  resume: string;
  name: string;
}

function $<T extends HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (!el) throw new Error(`#${id} is missing`);
  return el as T;
}

const { lang, strings: S } = pickStrings(navigator.languages.length > 0 ? navigator.languages : [navigator.language]);
document.documentElement.lang = lang;
document.title = S.title;
translatePage(document, S);

const roomInput = $<HTMLInputElement>('roomId');
const nameInput = $<HTMLInputElement>('displayName');
const joinForm = $<HTMLFormElement>('joinForm');
const joinBtn = $<HTMLButtonElement>('joinBtn');
const leaveBtn = $<HTMLButtonElement>('leaveBtn');
const micBtn = $<HTMLButtonElement>('micBtn');
const camBtn = $<HTMLButtonElement>('camBtn');
const screenBtn = $<HTMLButtonElement>('screenBtn');
const copyLinkBtn = $<HTMLButtonElement>('copyLinkBtn');
const localVideo = $<HTMLVideoElement>('localVideo');
const remoteVideo = $<HTMLVideoElement>('remoteVideo');
const callStatus = $<HTMLParagraphElement>('callStatus');
const chatLog = $<HTMLOListElement>('chatLog');
const chatForm = $<HTMLFormElement>('chatForm');
const chatInput = $<HTMLInputElement>('chatInput');
const chatSend = $<HTMLButtonElement>('chatSend');
const statsList = $<HTMLDListElement>('stats');
const micSelect = $<HTMLSelectElement>('micSelect');
const camSelect = $<HTMLSelectElement>('camSelect');
const graph = new BitrateGraph($<HTMLCanvasElement>('bitrateGraph'));

// The call's first getUserMedia takes the pre-call preview's running tracks (precall.ts).
const devices = navigator.mediaDevices as MediaDevices | undefined;
const mediaDevices: MediaDevicesLike | undefined = devices && {
  getUserMedia: (constraints) => precall.takePreview(constraints) ?? devices.getUserMedia(constraints),
  enumerateDevices: () => devices.enumerateDevices(),
  ...(typeof devices.getDisplayMedia === 'function' && {
    getDisplayMedia: (options?: DisplayMediaStreamOptions) => devices.getDisplayMedia(options),
  }),
};
// The page may live under a path (`/calls/`): the server's endpoints are next to it.
const client = new CallClient({ server: new URL('.', location.href).href, ...(mediaDevices && { mediaDevices }) });
const T = trustStrings(lang);
translateTrust(document, T);
setupSafetyPanel(client, T);
setupStatusBadge(client, T);
setupReportButton(client);
const precall: Precall = setupPrecall(client, T, { mic: S.micDevice, camera: S.camDevice });
const playRemote = setupMobile(client, {
  remoteVideo,
  screenBtn,
  switchBtn: $<HTMLButtonElement>('switchCamBtn'),
  tapToPlay: $<HTMLButtonElement>('tapToPlay'),
});

// ---- room from the URL or from a reload ----------------------------------------------------

const params = new URLSearchParams(location.search);
// An invitation link: the token opens the room, its `sub` (if any) is the uid the seat is bound to.
const token = tokenFromHash(location.hash);
const tokenUid = token === undefined ? undefined : tokenSubject(token);
const stored = readSession();
roomInput.value = params.get('room') ?? stored?.roomId ?? '';
nameInput.value = stored?.name ?? localStorage.getItem('zerortc.name') ?? '';

function readSession(): StoredSession | undefined {
  try {
    const raw = sessionStorage.getItem(SESSION_KEY);
    if (!raw) return undefined;
    const v = JSON.parse(raw) as Partial<StoredSession>;
    if (typeof v.roomId === 'string' && typeof v.uid === 'string' && typeof v.resume === 'string') {
      return { roomId: v.roomId, uid: v.uid, resume: v.resume, name: typeof v.name === 'string' ? v.name : '' };
    }
  } catch {
    // Storage blocked or corrupt: start afresh.
  }
  return undefined;
}

function shareUrl(room: string): string {
  return `${location.origin}${location.pathname}?room=${encodeURIComponent(room)}`;
}

// ---- drawing from the client's state -------------------------------------------------------

const IN_CALL: readonly CallState[] = ['joining', 'waiting', 'connecting', 'connected', 'reconnecting'];

function drawState(state: CallState, error: ZeroRtcError | undefined): void {
  document.body.dataset['state'] = state;
  callStatus.dataset['state'] = state;
  const words = error && (error.reason ? S.authReasons[error.reason] : S.errors[error.code]);
  if (state === 'error' && error) {
    callStatus.dataset['error'] = error.code;
    if (error.reason) callStatus.dataset['reason'] = error.reason;
    callStatus.textContent = words ?? '';
  } else {
    delete callStatus.dataset['error'];
    delete callStatus.dataset['reason'];
    callStatus.textContent = S.state[state];
  }
  const inCall = IN_CALL.includes(state);
  joinBtn.disabled = inCall;
  roomInput.disabled = inCall;
  leaveBtn.disabled = !inCall;
  for (const btn of [micBtn, camBtn, screenBtn]) btn.disabled = !inCall || !client.media;
  const chatReady = state === 'connected' || (state === 'reconnecting' && client.peer !== undefined);
  chatInput.disabled = chatSend.disabled = !chatReady;
  const room = client.roomId ?? roomInput.value.trim();
  // An invited person's link is theirs alone: the other person has a link of their own.
  $('shareHint').hidden = state !== 'waiting' || token !== undefined;
  $('shareLink').textContent = room ? shareUrl(room) : '';
  // Where the other person would be, say what is going on: the error itself, not a generic line.
  $('placeholderText').textContent =
    state === 'waiting' ? S.waitingFor : state === 'error' && words ? words : S.state[state];
  if (!inCall) {
    statsList.replaceChildren();
    graph.clear();
  }
}

function drawPeer(peer: RemotePeer | undefined): void {
  const tag = $('peerTag');
  tag.hidden = peer === undefined;
  const status = $('peerStatus');
  const name = peer?.media?.name || S.guest;
  $('peerName').textContent = name;
  $('remoteAvatar').textContent = peer ? name.slice(0, 1).toUpperCase() : '';
  status.dataset['mic'] = peer?.media?.micOn === false ? 'off' : 'on';
  status.dataset['camera'] = peer?.media?.cameraOn === false ? 'off' : 'on';
  status.dataset['screen'] = peer?.media?.screenSharing ? 'on' : 'off';
  status.dataset['presence'] = peer?.presence ?? 'here';
  $('peerMutedBadge').hidden = peer?.media?.micOn !== false;
  $('peerCameraBadge').hidden = peer?.media?.cameraOn !== false || peer.media.screenSharing;
  $('peerScreenBadge').hidden = peer?.media?.screenSharing !== true;
  $('peerReconnectingBadge').hidden = peer?.presence !== 'reconnecting';
  drawRemoteVisibility();
}

function drawRemoteVisibility(): void {
  const peer = client.peer;
  const showing =
    client.remoteStream !== undefined &&
    client.state !== 'idle' &&
    (peer?.media?.cameraOn !== false || peer.media.screenSharing);
  document.body.dataset['remote'] = showing ? 'on' : 'off';
}

client.on('state', ({ state, error }) => {
  drawState(state, error);
  if (state === 'left' || state === 'error') sessionStorage.removeItem(SESSION_KEY);
});
client.on('session', (session) => {
  const record: StoredSession = { ...session, name: nameInput.value.trim() };
  sessionStorage.setItem(SESSION_KEY, JSON.stringify(record));
});
client.on('local-stream', (stream) => {
  localVideo.srcObject = stream ?? null;
});
client.on('remote-stream', (stream) => {
  if (remoteVideo.srcObject !== (stream ?? null)) remoteVideo.srcObject = stream ?? null;
  playRemote();
  drawRemoteVisibility();
});
client.on('peer', drawPeer);
client.on('local-media', (media) => {
  micBtn.setAttribute('aria-pressed', String(media.micOn));
  camBtn.setAttribute('aria-pressed', String(media.cameraOn));
  screenBtn.setAttribute('aria-pressed', String(media.screenSharing));
  $('screenLabel').textContent = media.screenSharing ? S.stopScreen : S.screen;
  document.body.dataset['camera'] = media.cameraOn ? 'on' : 'off';
  document.body.dataset['screen'] = media.screenSharing ? 'on' : 'off';
  void fillDevices();
});
client.on('chat', (line) => {
  const item = document.createElement('li');
  item.className = `from-${line.from}`;
  item.textContent = line.text;
  chatLog.append(item);
  chatLog.scrollTop = chatLog.scrollHeight; // The log only: the page stays on the video.
  $('chatEmpty').hidden = true;
});
client.on('warning', (w) => {
  console.warn(w.code, w.message);
});

// ---- controls ------------------------------------------------------------------------------

async function join(resume?: StoredSession): Promise<void> {
  const room = roomInput.value.trim();
  if (!room) {
    callStatus.textContent = S.roomRequired;
    roomInput.focus();
    return;
  }
  // Before any change to the page: replaceState saves the scroll position, which lays the page
  // out at once if it changed (50-100 ms of the click on a busy machine after the call's state
  // was drawn, with the socket's open event waiting behind it).
  const url = new URL(location.href);
  url.searchParams.set('room', room);
  history.replaceState(null, '', url);
  const name = nameInput.value.trim();
  client.setName(name || undefined);
  const seat = resume && resume.roomId === room ? { uid: resume.uid, resume: resume.resume } : {};
  // The join's socket and media start first, the page's own bookkeeping after them.
  const joined = client.join(room, {
    ...(tokenUid !== undefined && { uid: tokenUid }),
    ...seat,
    ...(token !== undefined && { token }),
  });
  // A storage write is a round trip to the browser process (up to 25 ms of a busy click): only
  // when the name changed.
  if ((localStorage.getItem('zerortc.name') ?? '') !== name) localStorage.setItem('zerortc.name', name);
  chatLog.replaceChildren();
  $('chatEmpty').hidden = false;
  await joined.catch(() => undefined); // Shown through the state.
}

joinForm.addEventListener('submit', (ev) => {
  ev.preventDefault();
  void join(readSession());
});
leaveBtn.addEventListener('click', () => client.leave());
micBtn.addEventListener('click', () => {
  const on = micBtn.getAttribute('aria-pressed') !== 'true';
  client.setMicEnabled(on);
});
camBtn.addEventListener('click', () => {
  const on = camBtn.getAttribute('aria-pressed') !== 'true';
  void client.setCameraEnabled(on).catch(() => undefined);
});
screenBtn.addEventListener('click', () => {
  if (client.media?.state.screenSharing) client.stopScreenShare();
  else void client.startScreenShare().catch(() => undefined);
});
copyLinkBtn.addEventListener('click', () => {
  const room = client.roomId ?? roomInput.value.trim();
  if (!room) {
    callStatus.textContent = S.roomRequired;
    return;
  }
  void navigator.clipboard
    ?.writeText(shareUrl(room))
    .then(() => {
      $('copyLabel').textContent = S.copied;
      setTimeout(() => ($('copyLabel').textContent = S.copyLink), 1500);
    })
    .catch(() => undefined);
});
setUpNewCall(
  {
    button: $<HTMLButtonElement>('newCallBtn'),
    panel: $('newCallPanel'),
    link: $<HTMLInputElement>('newCallLink'),
    copy: $<HTMLButtonElement>('newCallCopy'),
    qr: $<HTMLCanvasElement>('newCallQr'),
    roomInput,
  },
  S,
  shareUrl,
);
chatForm.addEventListener('submit', (ev) => {
  ev.preventDefault();
  if (client.sendChat(chatInput.value)) chatInput.value = '';
});
micSelect.addEventListener('change', () => void client.switchDevice('audio', micSelect.value).catch(() => undefined));
camSelect.addEventListener('change', () => void client.switchDevice('video', camSelect.value).catch(() => undefined));

async function fillDevices(): Promise<void> {
  const media = client.media;
  if (!media) return;
  const { audio, video } = await media.listDevices();
  const fill = (select: HTMLSelectElement, devices: MediaDeviceInfo[], current: string | undefined): void => {
    select.replaceChildren(
      ...devices.map((d, i) => {
        const option = new Option(
          d.label || `${select === micSelect ? S.micDevice : S.camDevice} ${i + 1}`,
          d.deviceId,
        );
        option.selected = d.deviceId === current;
        return option;
      }),
    );
  };
  fill(micSelect, audio, media.state.audioDeviceId);
  fill(camSelect, video, media.state.videoDeviceId);
}

// ---- stats ---------------------------------------------------------------------------------

function kbps(bits: number | undefined): string {
  return bits === undefined ? S.unknown : `${Math.round(bits / 1000)} kbit/s`;
}

function drawStats(s: StatsSummary): void {
  const rows: [string, string][] = [
    [S.bitrateIn, kbps(s.bitrateIn)],
    [S.bitrateOut, kbps(s.bitrateOut)],
    [S.rtt, s.rttMs === undefined ? S.unknown : `${Math.round(s.rttMs)} ms`],
    [S.loss, s.lossPercent === undefined ? S.unknown : `${s.lossPercent.toFixed(1)} %`],
    [
      S.resolution,
      s.width === undefined || s.height === undefined
        ? S.unknown
        : `${s.width}×${s.height} @ ${Math.round(s.fps ?? 0)} fps`,
    ],
    [S.path, s.path === 'unknown' ? S.unknown : S[s.path]],
  ];
  statsList.replaceChildren(
    ...rows.flatMap(([k, v]) => {
      const dt = document.createElement('dt');
      dt.textContent = k;
      const dd = document.createElement('dd');
      dd.textContent = v;
      return [dt, dd];
    }),
  );
  if (s.bitrateIn !== undefined && s.bitrateOut !== undefined) graph.push(s.bitrateIn, s.bitrateOut);
}

setInterval(() => {
  if (client.state !== 'connected' && client.state !== 'reconnecting') return;
  void client.getStats().then(
    (s) => s && drawStats(s),
    () => undefined,
  );
}, 1000);

// ---- start ---------------------------------------------------------------------------------

drawState('idle', undefined);
drawPeer(undefined);

// A reload during a call takes the seat back at once (the person already chose to be in it).
if (stored && !params.has('room')) void join(stored);
else if (stored && params.get('room') === stored.roomId) void join(stored);

window.zerortc = {
  client,
  stats: async () => {
    const pc = client.peerConnection;
    return pc ? summarizeStats(await pc.getStats()) : undefined;
  },
};
