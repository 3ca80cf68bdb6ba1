/**
 * The page's words in English and Simplified Chinese, chosen from the browser's languages.
 */
import type { CallState, ClientErrorCode } from '../client/index.ts';
import type { AuthReason } from '../protocol/messages.ts';

const en = {
  title: 'ZeroRTC video call',
  tagline: 'Private one-to-one video calls',
  privacy: 'Peer-to-peer and encrypted',
  roomLabel: 'Room name',
  roomPlaceholder: 'e.g. clinic-42',
  nameLabel: 'Your name (optional)',
  namePlaceholder: 'Shown to the other person',
  join: 'Join call',
  leave: 'Leave',
  mic: 'Microphone',
  camera: 'Camera',
  screen: 'Share screen',
  stopScreen: 'Stop sharing',
  copyLink: 'Copy link',
  copied: 'Link copied',
  chat: 'Chat',
  chatPlaceholder: 'Write a message',
  send: 'Send',
  stats: 'Connection',
  devices: 'Devices',
  micDevice: 'Microphone',
  camDevice: 'Camera',
  you: 'You',
  guest: 'Guest',
  waitingFor: 'Waiting for the other person to join…',
  share: 'Send this link to the person you want to call:',
  peerMuted: 'Muted',
  peerCameraOff: 'Camera off',
  peerSharing: 'Sharing screen',
  peerReconnecting: 'Reconnecting…',
  bitrateIn: 'In',
  bitrateOut: 'Out',
  rtt: 'Round trip',
  loss: 'Loss',
  resolution: 'Video',
  path: 'Path',
  direct: 'direct',
  relay: 'relayed (TURN)',
  unknown: '—',
  noMessages: 'Messages stay in this call only.',
  roomRequired: 'Enter a room name first.',
  newCall: 'New call',
  newCallHint: 'A new room nobody can guess. Send this link, or scan the code with a phone:',
  newCallLinkLabel: 'Link of the new call',
  qrLabel: 'QR code of the link',
  state: {
    idle: 'Ready. Enter a room name and join.',
    joining: 'Joining…',
    waiting: 'In the room. Waiting for the other person…',
    connecting: 'Connecting to the other person…',
    connected: 'Connected',
    reconnecting: 'Connection lost. Reconnecting…',
    left: 'You left the call.',
    error: 'The call could not continue.',
  } satisfies Record<CallState, string>,
  errors: {
    'media-denied': 'Camera and microphone were blocked. Allow them in the browser’s address bar, then join again.',
    'media-not-found': 'No camera or microphone was found. Connect one, then join again.',
    'media-in-use': 'The camera or microphone is busy in another program. Close it, then join again.',
    'screen-share-failed': 'Screen sharing was cancelled or is not available.',
    'room-full': 'This room is full: two people are already in it. Choose another room name.',
    'server-unreachable': 'The call server cannot be reached. Check your internet connection and try again.',
    unavailable: 'The call service is temporarily unavailable. Try again in a minute.',
    'turn-failed':
      'The relay server (TURN) refused the connection or did not answer, so the call cannot connect. Ask the administrator to check the TURN settings.',
    'ice-failed': 'The connection to the other person failed. A firewall may block it; try another network.',
    unauthorized: 'This page is not allowed to use the call server.',
    'uid-taken': 'You are already in this room in another tab or window.',
    replaced: 'This call continued in another tab or on another device.',
    unsupported: 'This browser cannot make video calls here. Use a current browser over https.',
    'server-error': 'The call server refused the request. Try again.',
  } satisfies Record<ClientErrorCode, string>,
  /** Why the server refused a room token (error `unauthorized`), in words. */
  authReasons: {
    'no-token': 'This call server admits invited people only. Open the link you were sent (it ends in #token=…).',
    malformed: 'The link you opened is damaged. Copy the whole link you were sent and open it again.',
    'bad-signature': 'The link you opened was not issued by this call server. Ask for a new link.',
    'wrong-algorithm': 'The link you opened was not issued by this call server. Ask for a new link.',
    expired: 'This link has expired. Ask the person who invited you for a new one.',
    'not-yet-valid': 'This link is not valid yet. Open it again at the time of the call.',
    'wrong-room': 'This link is for another room. Open the link exactly as you were sent it.',
    'wrong-user': 'This link belongs to someone else. Open the link you were sent.',
    'seat-taken':
      'Someone is already in this call with your link. If that is you in another tab, close it; otherwise ask for a new link.',
  } satisfies Record<AuthReason, string>,
};

export type Strings = typeof en;

const zh: Strings = {
  title: 'ZeroRTC 视频通话',
  tagline: '私密的一对一视频通话',
  privacy: '点对点加密连接',
  roomLabel: '房间名',
  roomPlaceholder: '例如 clinic-42',
  nameLabel: '你的名字（可选）',
  namePlaceholder: '对方会看到这个名字',
  join: '加入通话',
  leave: '挂断',
  mic: '麦克风',
  camera: '摄像头',
  screen: '共享屏幕',
  stopScreen: '停止共享',
  copyLink: '复制链接',
  copied: '链接已复制',
  chat: '聊天',
  chatPlaceholder: '输入消息',
  send: '发送',
  stats: '连接',
  devices: '设备',
  micDevice: '麦克风',
  camDevice: '摄像头',
  you: '你',
  guest: '访客',
  waitingFor: '正在等待对方加入…',
  share: '把这个链接发给你要通话的人：',
  peerMuted: '已静音',
  peerCameraOff: '摄像头已关闭',
  peerSharing: '正在共享屏幕',
  peerReconnecting: '正在重新连接…',
  bitrateIn: '接收',
  bitrateOut: '发送',
  rtt: '往返时延',
  loss: '丢包',
  resolution: '视频',
  path: '路径',
  direct: '直连',
  relay: '中继 (TURN)',
  unknown: '—',
  noMessages: '消息只在本次通话中保留。',
  roomRequired: '请先输入房间名。',
  newCall: '新建通话',
  newCallHint: '一个别人猜不到的新房间。把这个链接发给对方，或用手机扫描二维码：',
  newCallLinkLabel: '新通话的链接',
  qrLabel: '链接的二维码',
  state: {
    idle: '准备就绪。输入房间名后加入。',
    joining: '正在加入…',
    waiting: '已进入房间，正在等待对方…',
    connecting: '正在连接对方…',
    connected: '已连接',
    reconnecting: '连接中断，正在重新连接…',
    left: '你已离开通话。',
    error: '通话无法继续。',
  },
  errors: {
    'media-denied': '摄像头和麦克风被阻止。请在浏览器地址栏中允许后重新加入。',
    'media-not-found': '没有找到摄像头或麦克风。请连接设备后重新加入。',
    'media-in-use': '摄像头或麦克风正被其他程序占用。请关闭该程序后重新加入。',
    'screen-share-failed': '屏幕共享已取消或不可用。',
    'room-full': '房间已满：已经有两个人在里面。请换一个房间名。',
    'server-unreachable': '无法连接通话服务器。请检查网络后重试。',
    unavailable: '通话服务暂时不可用。请稍后再试。',
    'turn-failed': '中继服务器 (TURN) 拒绝了连接或没有响应，通话无法建立。请联系管理员检查 TURN 设置。',
    'ice-failed': '与对方的连接失败，可能被防火墙阻止。请换一个网络再试。',
    unauthorized: '此页面无权使用该通话服务器。',
    'uid-taken': '你已在另一个标签页或窗口中加入了这个房间。',
    replaced: '通话已在另一个标签页或设备上继续。',
    unsupported: '此浏览器无法在这里进行视频通话。请使用最新的浏览器并通过 https 访问。',
    'server-error': '通话服务器拒绝了请求。请重试。',
  },
  authReasons: {
    'no-token': '此通话服务器只允许受邀者加入。请打开你收到的链接（以 #token=… 结尾）。',
    malformed: '你打开的链接已损坏。请复制完整的链接后重新打开。',
    'bad-signature': '你打开的链接不是此通话服务器签发的。请索取新的链接。',
    'wrong-algorithm': '你打开的链接不是此通话服务器签发的。请索取新的链接。',
    expired: '此链接已过期。请向邀请你的人索取新的链接。',
    'not-yet-valid': '此链接尚未生效。请在通话时间再打开。',
    'wrong-room': '此链接属于另一个房间。请按收到的原样打开链接。',
    'wrong-user': '此链接属于其他人。请打开你自己收到的链接。',
    'seat-taken': '已经有人用你的链接进入了通话。如果是你在另一个标签页中，请关闭它；否则请索取新的链接。',
  },
};

/** Picks English or Simplified Chinese from the browser's preferred languages. */
export function pickStrings(languages: readonly string[]): { lang: 'en' | 'zh-CN'; strings: Strings } {
  for (const language of languages) {
    const l = language.toLowerCase();
    if (l.startsWith('zh')) return { lang: 'zh-CN', strings: zh };
    if (l.startsWith('en')) return { lang: 'en', strings: en };
  }
  return { lang: 'en', strings: en };
}

/**
 * Puts `strings[key]` into every element under `root` whose `attribute` names a key, with `set`
 * (its text by default). Keys whose value is not a string (a table of them) are left alone.
 */
export function fillStrings(
  root: ParentNode,
  attribute: string,
  strings: object,
  set = (el: HTMLElement, value: string): void => {
    el.textContent = value;
  },
): void {
  for (const el of root.querySelectorAll<HTMLElement>(`[${attribute}]`)) {
    const value: unknown = (strings as Record<string, unknown>)[el.getAttribute(attribute) ?? ''];
    if (typeof value === 'string') set(el, value);
  }
}

/** Translates the page's fixed words: texts, placeholders and accessible names. */
export function translatePage(root: ParentNode, strings: Strings): void {
  fillStrings(root, 'data-i18n', strings);
  fillStrings(root, 'data-i18n-placeholder', strings, (el, value) => {
    (el as HTMLInputElement).placeholder = value;
  });
  fillStrings(root, 'data-i18n-aria-label', strings, (el, value) => el.setAttribute('aria-label', value));
}
