/**
 * Messages between the two browsers on the data channel: chat text, and each side's media state
 * (so that the other side can show "muted" or "camera off").
 */

/** Largest chat message, in characters. */
export const MAX_CHAT_LENGTH = 2000;

/** What each side tells the other about its own media. */
export interface PeerMediaState {
  readonly micOn: boolean;
  readonly cameraOn: boolean;
  readonly screenSharing: boolean;
  /** The name the person gave, if any. */
  readonly name?: string | undefined;
}

/** A data-channel message. */
export type PeerMessage =
  { readonly t: 'chat'; readonly text: string; readonly at: number } | ({ readonly t: 'state' } & PeerMediaState);

/** Reads a data-channel message; `undefined` when malformed. */
export function decodePeerMessage(data: unknown): PeerMessage | undefined {
  if (typeof data !== 'string' || data.length > MAX_CHAT_LENGTH * 4) return undefined;
  let v: unknown;
  try {
    v = JSON.parse(data);
  } catch {
    return undefined;
  }
  if (typeof v !== 'object' || v === null) return undefined;
  const m = v as Record<string, unknown>;
  if (m['t'] === 'chat' && typeof m['text'] === 'string') {
    return { t: 'chat', text: m['text'].slice(0, MAX_CHAT_LENGTH), at: typeof m['at'] === 'number' ? m['at'] : 0 };
  }
  if (m['t'] === 'state') {
    return {
      t: 'state',
      micOn: m['micOn'] !== false,
      cameraOn: m['cameraOn'] !== false,
      screenSharing: m['screenSharing'] === true,
      ...(typeof m['name'] === 'string' && { name: m['name'].slice(0, 64) }),
    };
  }
  return undefined;
}
