/**
 * Asks the server for fresh ICE servers over a seated signaling connection (`ice-servers`, see
 * docs/protocol.md): the seat proves the right to TURN credentials, whatever the room token's
 * lifetime.
 */
import type { Clock, TimerHandle } from './clock.ts';
import type { SignalingClient } from './signaling-client.ts';

/** How long to wait for the answer before the provider falls back to retrying. */
export const ICE_REQUEST_TIMEOUT_MS = 5000;

/**
 * Sends `ice-servers` and resolves with the answer; `undefined` (without sending) when the
 * connection is not seated, so that the caller fetches over HTTP instead.
 */
export function requestIceServers(signaling: SignalingClient, clock: Clock): Promise<unknown> | undefined {
  if (signaling.state !== 'joined') return undefined;
  return new Promise((resolve, reject) => {
    const finish = (): void => {
      off();
      clock.clearTimeout(timer);
    };
    const off = signaling.on('message', (m) => {
      if (m.cmd !== 'ice-servers') return;
      finish();
      resolve(m);
    });
    const timer: TimerHandle = clock.setTimeout(() => {
      finish();
      reject(new Error('no ice-servers answer'));
    }, ICE_REQUEST_TIMEOUT_MS);
    if (!signaling.send({ cmd: 'ice-servers', roomId: signaling.roomId, uid: signaling.uid })) {
      finish();
      reject(new Error('not seated'));
    }
  });
}
