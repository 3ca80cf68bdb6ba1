/**
 * `zerortc/server`: ZeroRTC on an HTTP(S) server you own. See README, "Use it in your app".
 */
export { createZeroRtc } from './create-zerortc.ts';
export type { ZeroRtc, ZeroRtcOptions } from './create-zerortc.ts';
export type { RequestHandler } from './http.ts';
export { ConfigError } from './config.ts';
