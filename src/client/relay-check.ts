/**
 * A check of the TURN relay before a relay-only call: two throwaway peer connections in this page
 * call each other through the TURN servers from `/api/ice-servers`, exactly as the real call will
 * (relay to relay). It runs while the person is still alone in the room, so that both people of a
 * call learn that the relay does not work. Without it only the side that notices first would see
 * the error, and the other would be sent back to "waiting" when that side gives up.
 */
import type { PeerConnectionFactory } from './peer-call-types.ts';
import type { Clock } from './clock.ts';
import { ZeroRtcError } from './errors.ts';

/**
 * - `ok`: the two connections connected through the relay
 * - `refused`: the TURN server answered 401/403 to an allocation (wrong secret, expired)
 * - `unreachable`: no relay candidate (nothing answers, a port is blocked)
 * - `no-path`: relays were allocated but no connection through them worked; coturn refused the
 *   peer address (403 Forbidden IP, which browsers do not report), typically a relay address in a
 *   `denied-peer-ip` range because `external-ip` is not set
 */
export type RelayCheckResult = 'ok' | 'refused' | 'unreachable' | 'no-path';

/**
 * Runs the check; never rejects; closes its connections. Gives up after `timeoutMs`, or when
 * `signal` aborts (the verdict so far, which the caller ignores).
 */
export function checkRelay(
  configuration: RTCConfiguration,
  createPeerConnection: PeerConnectionFactory,
  clock: Clock,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<RelayCheckResult> {
  return new Promise((resolve) => {
    const pcs: RTCPeerConnection[] = [];
    let refused = false;
    let sawRelay = false;
    let done = false;
    const verdict = (): RelayCheckResult => (refused ? 'refused' : sawRelay ? 'no-path' : 'unreachable');
    const finish = (result: RelayCheckResult): void => {
      if (done) return;
      done = true;
      clock.clearTimeout(timer);
      for (const pc of pcs) {
        pc.onicecandidate = pc.onicecandidateerror = pc.onicegatheringstatechange = null;
        pc.onconnectionstatechange = null;
        pc.close();
      }
      resolve(result);
    };
    const timer = clock.setTimeout(() => finish(verdict()), timeoutMs);
    if (signal?.aborted) return finish(verdict());
    signal?.addEventListener('abort', () => finish(verdict()), { once: true });
    try {
      for (let i = 0; i < 2; i++) pcs.push(createPeerConnection({ ...configuration, iceTransportPolicy: 'relay' }));
    } catch {
      finish('unreachable');
      return;
    }
    const [caller, callee] = pcs as [RTCPeerConnection, RTCPeerConnection];
    for (const [pc, other] of [
      [caller, callee],
      [callee, caller],
    ] as const) {
      pc.onicecandidate = ({ candidate }) => {
        if (candidate?.type === 'relay') sawRelay = true;
        if (candidate?.candidate) other.addIceCandidate(candidate).catch(() => undefined);
      };
      pc.onicecandidateerror = (ev) => {
        if (ev.errorCode === 401 || ev.errorCode === 403) refused = true;
      };
      pc.onicegatheringstatechange = () => {
        // Gathering ended without any relay: nothing can connect, no need to wait for the timeout.
        if (pc.iceGatheringState === 'complete' && !sawRelay) finish(verdict());
      };
    }
    caller.onconnectionstatechange = () => {
      if (caller.connectionState === 'connected') finish('ok');
      else if (caller.connectionState === 'failed') finish(verdict());
    };
    // A data channel is enough to gather and connect; no camera needed.
    caller.createDataChannel('relay-check');
    const negotiate = async (): Promise<void> => {
      await caller.setLocalDescription();
      if (caller.localDescription) await callee.setRemoteDescription(caller.localDescription);
      await callee.setLocalDescription();
      if (callee.localDescription) await caller.setRemoteDescription(callee.localDescription);
    };
    negotiate().catch(() => finish('unreachable'));
  });
}

/** The `turn-failed` error a failed relay check ends the call with. */
export function relayError(result: Exclude<RelayCheckResult, 'ok'>): ZeroRtcError {
  const message = {
    refused: 'The TURN relay refused our credentials (401/403).',
    unreachable: 'The TURN relay did not answer: no relay candidate.',
    'no-path': 'The TURN relay allocated but relayed nothing (a refused peer address?).',
  }[result];
  return new ZeroRtcError('turn-failed', message);
}
