/**
 * ZeroRTC's browser client library: the public API. See docs/client.md.
 */
export { CallClient } from './call-client.ts';
export type {
  CallClientEvents,
  CallClientOptions,
  CallSession,
  CallState,
  ChatMessage,
  JoinOptions,
  RemotePeer,
} from './call-types.ts';
export { PeerCall } from './call.ts';
export type { PeerCallEvents, PeerCallOptions, PeerConnectionFactory } from './peer-call-types.ts';
export { SignalingClient } from './signaling-client.ts';
export type {
  SignalingEvents,
  SignalingOptions,
  SignalingState,
  SocketFactory,
  SocketLike,
} from './signaling-types.ts';
export { DEFAULT_AUDIO_CONSTRAINTS, DEFAULT_VIDEO_CONSTRAINTS, LocalMedia } from './media.ts';
export type { LocalMediaEvents, LocalMediaOptions, LocalMediaState, MediaDevicesLike } from './media.ts';
export { IceServerProvider, parseIceConfig } from './ice-servers.ts';
export type { FetchLike, IceConfig, IceServerProviderOptions } from './ice-servers.ts';
export { summarizeStats } from './stats.ts';
export type { StatsSummary } from './stats.ts';
export { CLIENT_ERROR_CODES, ZeroRtcError } from './errors.ts';
export type { ClientErrorCode } from './errors.ts';
export { Emitter } from './events.ts';
export type { Listener } from './events.ts';
export type { Clock } from './clock.ts';
export type { PeerMediaState } from './peer-messages.ts';
export { deriveSafetyCode, sdpFingerprints, SAS_ITERATIONS } from './safety-code.ts';
export type { SafetyCode } from './safety-code.ts';
export { assessQuality, connectionPath, QUALITY_THRESHOLDS } from './quality.ts';
export type { ConnectionPath, QualityLevel } from './quality.ts';
export { browserOf, REPORT_FORMAT, SAMPLE_INTERVAL_MS } from './report.ts';
export type { CallReport, ReportEvent, ReportSample } from './report.ts';
