/**
 * Decodes frames from the signaling server into typed messages, once, at the edge. Unknown
 * commands and malformed frames give `undefined` and are ignored, as the tutorial's client does.
 */
import { AUTH_REASONS, type AuthReason, type IceServerEntry, type ServerMessage } from '../protocol/messages.ts';

function str(v: unknown): v is string {
  return typeof v === 'string';
}

/** Reads one server frame; `undefined` when it is not a message this client understands. */
export function decodeServerMessage(data: unknown): ServerMessage | undefined {
  if (typeof data !== 'string') return undefined;
  let value: unknown;
  try {
    value = JSON.parse(data);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const f = value as Record<string, unknown>;
  const roomId = str(f['roomId']) ? f['roomId'] : undefined;
  const polite = typeof f['polite'] === 'boolean' ? f['polite'] : undefined;
  switch (f['cmd']) {
    case 'pong':
      return { cmd: 'pong' };
    case 'joined':
      if (!str(f['roomId']) || !str(f['uid']) || typeof f['polite'] !== 'boolean' || !str(f['resume']))
        return undefined;
      return {
        cmd: 'joined',
        roomId: f['roomId'],
        uid: f['uid'],
        polite: f['polite'],
        resume: f['resume'],
        resumed: f['resumed'] === true,
        graceSeconds: typeof f['graceSeconds'] === 'number' ? f['graceSeconds'] : 0,
        ...(str(f['remoteUid']) && { remoteUid: f['remoteUid'] }),
      };
    case 'resp-join':
    case 'new-peer':
      if (!str(f['remoteUid'])) return undefined;
      return {
        cmd: f['cmd'],
        remoteUid: f['remoteUid'],
        ...(roomId !== undefined && { roomId }),
        ...(polite !== undefined && { polite }),
      };
    case 'peer-leave':
      if (!str(f['remoteUid'])) return undefined;
      return { cmd: 'peer-leave', remoteUid: f['remoteUid'], ...(roomId !== undefined && { roomId }) };
    case 'peer-reconnecting':
      if (!str(f['remoteUid']) || roomId === undefined) return undefined;
      return {
        cmd: 'peer-reconnecting',
        remoteUid: f['remoteUid'],
        roomId,
        graceSeconds: typeof f['graceSeconds'] === 'number' ? f['graceSeconds'] : 0,
      };
    case 'peer-resumed':
      if (!str(f['remoteUid']) || roomId === undefined) return undefined;
      return { cmd: 'peer-resumed', remoteUid: f['remoteUid'], roomId };
    case 'offer':
    case 'answer':
    case 'candidate':
      if (roomId === undefined || !str(f['uid']) || !str(f['remoteUid']) || !str(f['msg'])) return undefined;
      return { cmd: f['cmd'], roomId, uid: f['uid'], remoteUid: f['remoteUid'], msg: f['msg'] };
    case 'error':
      if (!str(f['code'])) return undefined;
      return {
        cmd: 'error',
        // The catalogue may grow on the server; the client maps unknown codes to 'server-error'.
        code: f['code'] as never,
        message: str(f['message']) ? f['message'] : '',
        ...(str(f['request']) && { request: f['request'] }),
        ...(AUTH_REASONS.includes(f['reason'] as AuthReason) && { reason: f['reason'] as AuthReason }),
      };
    case 'ice-servers':
      if (!Array.isArray(f['iceServers'])) return undefined;
      // Checked entry by entry where it is used (parseIceConfig), as the HTTP answer is.
      return {
        cmd: 'ice-servers',
        iceServers: f['iceServers'] as IceServerEntry[],
        iceTransportPolicy: f['iceTransportPolicy'] === 'relay' ? 'relay' : 'all',
        ttl: typeof f['ttl'] === 'number' ? f['ttl'] : 0,
      };
    default:
      return undefined;
  }
}
