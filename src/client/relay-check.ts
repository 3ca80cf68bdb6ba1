/**
 * A check of the TURN relay before a relay-only call: a throwaway peer connection gathers
 * candidates with the ICE servers from `/api/ice-servers`. It runs while the person is still
 * alone in the room, so that both people of a call learn that the relay refuses them or does not
 * answer. Without it only the side whose browser gathers first (the one that offers) would see
 * the error, and the other would be sent back to "waiting" when that side gives up.
 */
import type { PeerConnectionFactory } from './call.ts';
import type { Clock } from './clock.ts';

/** `refused`: the TURN server answered 401/403 (wrong secret, expired); `unreachable`: no answer. */
export type RelayCheckResult = 'ok' | 'refused' | 'unreachable';

/**
 * Resolves `ok` at the first relay candidate, else `refused` or `unreachable` once gathering
 * completes or `timeoutMs` passes. Never rejects; closes its connection.
 */
export function checkRelay(
  configuration: RTCConfiguration,
  createPeerConnection: PeerConnectionFactory,
  clock: Clock,
  timeoutMs: number,
): Promise<RelayCheckResult> {
  return new Promise((resolve) => {
    let refused = false;
    let done = false;
    let pc: RTCPeerConnection | undefined;
    const finish = (result: RelayCheckResult): void => {
      if (done) return;
      done = true;
      clock.clearTimeout(timer);
      if (pc) {
        pc.onicecandidate = pc.onicecandidateerror = pc.onicegatheringstatechange = null;
        pc.close();
      }
      resolve(result);
    };
    const timer = clock.setTimeout(() => finish(refused ? 'refused' : 'unreachable'), timeoutMs);
    try {
      pc = createPeerConnection({ ...configuration, iceTransportPolicy: 'relay' });
    } catch {
      finish('unreachable');
      return;
    }
    const conn = pc;
    conn.onicecandidate = ({ candidate }) => {
      if (candidate?.type === 'relay') finish('ok');
    };
    conn.onicecandidateerror = (ev) => {
      if (ev.errorCode === 401 || ev.errorCode === 403) refused = true;
    };
    conn.onicegatheringstatechange = () => {
      if (conn.iceGatheringState === 'complete') finish(refused ? 'refused' : 'unreachable');
    };
    // A data channel is enough to gather candidates; no camera needed.
    conn.createDataChannel('relay-check');
    conn.setLocalDescription().catch(() => finish('unreachable'));
  });
}
