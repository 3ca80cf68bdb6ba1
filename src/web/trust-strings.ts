/**
 * Words of the safety code, the status badge, the pre-call check and the report, in English and
 * Simplified Chinese. Kept apart from i18n.ts so that each feature's words live with it.
 */
import type { QualityLevel } from '../client/index.ts';
import { fillStrings } from './i18n.ts';

const en = {
  safetyTitle: 'Safety code',
  safetyHelp: 'Read it aloud with the other person. If both of you see the same code, nobody is in the middle.',
  safetyMatch: 'It matches',
  safetyVerified: 'Verified on this side',
  safetyPending: 'Appears when the call connects…',
  badgeIdle: 'End-to-end encrypted calls',
  badgeConnecting: 'Encrypted · connecting…',
  direct: 'Peer-to-peer',
  relay: 'Relayed via TURN',
  encrypted: 'encrypted',
  verified: 'verified',
  notVerified: 'not verified',
  quality: { good: 'good', fair: 'fair', poor: 'poor' } satisfies Record<QualityLevel, string>,
  qualityLabel: 'Quality',
  report: 'Download report',
  precallTitle: 'Before you join',
  micLevel: 'Microphone level',
  preview: 'Your camera',
  netChecking: 'Checking your network…',
  netServerDown: 'The call server cannot be reached from this network.',
  netDirect: 'Your network is fine for calls: direct connections and the relay both answer.',
  netStunOnly:
    'Your network allows direct connections. No relay is configured, so calls across strict firewalls may fail.',
  netUdpBlocked: 'Your network blocks UDP; the call will go through the relay over {protocol}.',
  netRelayOnly: 'The call will go through the relay over {protocol}.',
  netNoRelay: 'The relay does not answer from this network; calls may fail behind a strict firewall.',
  netNoPath: 'Neither STUN nor the relay answers: calls will likely fail on this network.',
  netNothing:
    'This server has no STUN or relay configured: calls work only where both people can reach each other directly.',
  precallNoMedia: 'The camera or microphone could not start: {reason}. You can still try to join.',
  netRows: {
    server: 'Server',
    stun: 'STUN',
    turnUdp: 'Relay over UDP',
    turnTcp: 'Relay over TCP',
    turnTls: 'Relay over TLS',
  },
  netResult: { ok: 'answers', failed: 'no answer', none: 'not configured', pending: 'checking…' },
  switchCamera: 'Switch camera',
  tapToPlay: 'Tap to start audio and video',
};

export type TrustStrings = typeof en;

const zh: TrustStrings = {
  safetyTitle: '安全码',
  safetyHelp: '和对方互相读出安全码。如果双方看到的相同，就没有人在中间窃听。',
  safetyMatch: '安全码一致',
  safetyVerified: '本方已验证',
  safetyPending: '通话连接后显示…',
  badgeIdle: '端到端加密通话',
  badgeConnecting: '已加密 · 正在连接…',
  direct: '点对点',
  relay: '经 TURN 中继',
  encrypted: '已加密',
  verified: '已验证',
  notVerified: '未验证',
  quality: { good: '良好', fair: '一般', poor: '较差' },
  qualityLabel: '质量',
  report: '下载报告',
  precallTitle: '加入前检查',
  micLevel: '麦克风音量',
  preview: '你的摄像头',
  netChecking: '正在检查你的网络…',
  netServerDown: '从这个网络无法连接通话服务器。',
  netDirect: '你的网络适合通话：直连和中继都有响应。',
  netStunOnly: '你的网络允许直连。没有配置中继，严格防火墙后的通话可能失败。',
  netUdpBlocked: '你的网络阻止了 UDP；通话将通过 {protocol} 中继。',
  netRelayOnly: '通话将通过 {protocol} 中继。',
  netNoRelay: '从这个网络无法连接中继；在严格防火墙后通话可能失败。',
  netNoPath: 'STUN 和中继都没有响应：在这个网络上通话很可能失败。',
  netNothing: '此服务器没有配置 STUN 或中继：只有双方能直接互通时才能通话。',
  precallNoMedia: '摄像头或麦克风无法启动：{reason}。你仍然可以尝试加入。',
  netRows: { server: '服务器', stun: 'STUN', turnUdp: 'UDP 中继', turnTcp: 'TCP 中继', turnTls: 'TLS 中继' },
  netResult: { ok: '有响应', failed: '无响应', none: '未配置', pending: '检查中…' },
  switchCamera: '切换摄像头',
  tapToPlay: '点按开始播放音视频',
};

/** The words for `lang` (as chosen by i18n.ts). */
export function trustStrings(lang: string): TrustStrings {
  return lang.startsWith('zh') ? zh : en;
}

/** Fills every `[data-i18n-trust]` element's text from `strings`. */
export function translateTrust(root: ParentNode, strings: TrustStrings): void {
  fillStrings(root, 'data-i18n-trust', strings);
}
