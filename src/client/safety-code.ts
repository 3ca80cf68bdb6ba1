/**
 * The safety code (a short authentication string): both browsers derive the same 12 digits from
 * the DTLS certificate fingerprints of the two SDPs and the room id. The people read it to each
 * other; if the signaling path swapped a fingerprint (a man in the middle), the codes differ.
 * Construction and threat model: docs/security.md.
 */

/** The current safety code of a call. */
export interface SafetyCode {
  /** Four groups of three digits, e.g. `"042 917 388 105"`. */
  readonly code: string;
  /** True once this side pressed "It matches" for this code. Cleared when the code changes. */
  readonly verified: boolean;
}

/** Domain separation and version of the construction (docs/security.md). */
const SALT_PREFIX = 'zerortc-sas-v1:';
/** Makes trying many certificates until two codes collide far too slow to finish in a call. */
export const SAS_ITERATIONS = 100_000;
/**
 * The derivation (about 40 ms of CPU in Chromium) waits until the connection is up and this long
 * after, so that it does not compete with ICE, DTLS and the first video frames on a busy device;
 * the people read the code once they see each other. ms.
 */
export const SAS_AFTER_CONNECTED_MS = 500;
/** A connection that is neither up nor failed by then gets its code anyway (ms after settling). */
export const SAS_MAX_WAIT_MS = 3000;

/**
 * The DTLS fingerprints in an SDP, normalized (`sha-256 AB:CD:...`), deduplicated and sorted.
 * Bundled media sections repeat the same one.
 */
export function sdpFingerprints(sdp: string): string[] {
  const found = new Set<string>();
  for (const match of sdp.matchAll(/^a=fingerprint:(\S+) ([0-9A-Fa-f:]+)\s*$/gm)) {
    found.add(`${(match[1] ?? '').toLowerCase()} ${(match[2] ?? '').toUpperCase()}`);
  }
  return [...found].sort();
}

/**
 * Derives the code: PBKDF2-SHA-256 over the sorted fingerprints of both sides, salted with the
 * room id; 40 bits read as 12 decimal digits. Sorting makes it the same on both sides.
 */
export async function deriveSafetyCode(
  roomId: string,
  localFingerprints: readonly string[],
  remoteFingerprints: readonly string[],
): Promise<string> {
  if (localFingerprints.length === 0 || remoteFingerprints.length === 0) {
    throw new Error('a safety code needs fingerprints from both SDPs');
  }
  const enc = new TextEncoder();
  const material = [...localFingerprints, ...remoteFingerprints].sort().join('\n');
  const key = await crypto.subtle.importKey('raw', enc.encode(material), 'PBKDF2', false, ['deriveBits']);
  const bits = await crypto.subtle.deriveBits(
    { name: 'PBKDF2', hash: 'SHA-256', salt: enc.encode(SALT_PREFIX + roomId), iterations: SAS_ITERATIONS },
    key,
    40,
  );
  let n = 0;
  for (const byte of new Uint8Array(bits)) n = n * 256 + byte;
  const digits = String(n % 1e12).padStart(12, '0');
  return digits.replace(/(\d{3})(?=\d)/g, '$1 ');
}

/**
 * Resolves {@link SAS_AFTER_CONNECTED_MS} after `pc` is connected (at once when it already is: a
 * renegotiation in a running call), at once when it failed or closed (a forged fingerprint fails
 * DTLS, and that is when the code matters most), and after {@link SAS_MAX_WAIT_MS} at the latest.
 */
function connectionSettled(pc: RTCPeerConnection): Promise<void> {
  const state = (): RTCPeerConnectionState | undefined => pc.connectionState;
  // Unit-test fakes have no connection state: nothing to wait for.
  if (state() === undefined || state() === 'connected' || typeof pc.addEventListener !== 'function') {
    return Promise.resolve();
  }
  return new Promise((resolve) => {
    let connectedTimer: ReturnType<typeof setTimeout> | undefined;
    const done = (): void => {
      clearTimeout(maxTimer);
      clearTimeout(connectedTimer);
      pc.removeEventListener('connectionstatechange', onState);
      resolve();
    };
    const onState = (): void => {
      const now = state();
      if (now === 'failed' || now === 'closed') done();
      else if (now === 'connected') connectedTimer ??= setTimeout(done, SAS_AFTER_CONNECTED_MS);
    };
    const maxTimer = setTimeout(done, SAS_MAX_WAIT_MS);
    pc.addEventListener('connectionstatechange', onState);
    onState();
  });
}

/**
 * Follows one peer connection at a time: each time negotiation settles (signaling state
 * `stable`) it reads both descriptions' fingerprints and derives the code again when they
 * changed, which clears the "verified" mark. Renegotiation that keeps the certificates keeps it.
 */
export class SafetyCodeTracker {
  #pc: RTCPeerConnection | undefined;
  #roomId = '';
  #fingerprints = '';
  #current: SafetyCode | undefined;
  #generation = 0;
  readonly #onChange: (code: SafetyCode | undefined) => void;
  readonly #listener = (): void => void this.#update().catch(() => undefined);

  /** @param onChange called with the new code (or `undefined` when the call ends) */
  constructor(onChange: (code: SafetyCode | undefined) => void) {
    this.#onChange = onChange;
  }

  /** The current code; `undefined` before both descriptions are known. */
  get current(): SafetyCode | undefined {
    return this.#current;
  }

  /** Follows `pc` (or nothing) from now on. */
  watch(pc: RTCPeerConnection | undefined, roomId: string | undefined): void {
    if (pc === this.#pc) return;
    // Injected peer connections (unit-test fakes) may lack the EventTarget methods.
    if (typeof this.#pc?.removeEventListener === 'function') {
      this.#pc.removeEventListener('signalingstatechange', this.#listener);
    }
    this.#pc = pc;
    this.#roomId = roomId ?? '';
    this.#fingerprints = '';
    this.#generation++;
    this.#set(undefined);
    if (typeof pc?.addEventListener === 'function') pc.addEventListener('signalingstatechange', this.#listener);
    if (pc) void this.#update().catch(() => undefined);
  }

  /** Marks the current code as read and confirmed by the person. */
  verify(code: string): boolean {
    if (!this.#current || this.#current.code !== code) return false;
    if (!this.#current.verified) this.#set({ code, verified: true });
    return true;
  }

  async #update(): Promise<void> {
    const pc = this.#pc;
    if (!pc || pc.signalingState !== 'stable') return;
    const local = sdpFingerprints(pc.localDescription?.sdp ?? '');
    const remote = sdpFingerprints(pc.remoteDescription?.sdp ?? '');
    if (local.length === 0 || remote.length === 0) return;
    const key = `${local.join(',')}|${remote.join(',')}`;
    if (key === this.#fingerprints) return;
    this.#fingerprints = key;
    const generation = ++this.#generation;
    await connectionSettled(pc);
    if (generation !== this.#generation) return;
    const code = await deriveSafetyCode(this.#roomId, local, remote);
    if (generation === this.#generation) this.#set({ code, verified: false });
  }

  #set(code: SafetyCode | undefined): void {
    if (code?.code === this.#current?.code && code?.verified === this.#current?.verified) return;
    this.#current = code;
    this.#onChange(code);
  }
}
