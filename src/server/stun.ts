/**
 * The built-in STUN server (RFC 8489 Binding only): it tells a browser the address and port its
 * packets come from, which is all a browser behind an ordinary home or office NAT needs to find
 * its server-reflexive candidate. With it, a ZeroRTC server on a public address gives calls
 * across most NATs with no third party; only symmetric NATs and networks that block UDP need a
 * TURN relay. The wire format is werift-ice's STUN codec (the same project as the probe's WebRTC
 * stack), not one of our own.
 */
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { Message, classes, isComprehensionRequiredAttribute, methods, parseMessage } from 'werift-ice';
import type { Logger } from './logger.ts';

export interface StunServer {
  /** The UDP port it listens on. */
  readonly port: number;
  /** Stops listening. Safe to call twice. */
  close(): Promise<void>;
}

export interface StunServerOptions {
  readonly host: string;
  readonly port: number;
  readonly log: Logger;
  /** Counts answered Binding requests (for /metrics). */
  readonly onRequest?: () => void;
}

const SOFTWARE = 'ZeroRTC';

/** The answer to one datagram, or undefined when it deserves none (not a request, not STUN). */
export function answerStun(datagram: Buffer, from: { address: string; port: number }): Buffer | undefined {
  const request = parseMessage(datagram);
  // Responses, indications and non-STUN traffic get no answer (RFC 8489 §6.3).
  if (request === undefined || request.messageClass !== classes.REQUEST) return undefined;
  const reply = (messageClass: classes): Message =>
    new Message(request.messageMethod, messageClass, request.transactionId).setAttribute('SOFTWARE', SOFTWARE);
  if (request.messageMethod !== methods.BINDING) {
    return reply(classes.ERROR).setAttribute('ERROR-CODE', [400, 'Only Binding is served here']).addFingerprint().bytes;
  }
  const unknown = request.unknownAttributeTypes.filter(isComprehensionRequiredAttribute);
  if (unknown.length > 0) {
    return reply(classes.ERROR)
      .setAttribute('ERROR-CODE', [420, 'Unknown Attribute'])
      .setAttribute('UNKNOWN-ATTRIBUTES', unknown)
      .addFingerprint().bytes;
  }
  return reply(classes.RESPONSE).setAttribute('XOR-MAPPED-ADDRESS', [from.address, from.port]).addFingerprint().bytes;
}

/** Listens for STUN Binding requests on UDP `host:port` (port 0: any free port). */
export function startStunServer(options: StunServerOptions): Promise<StunServer> {
  const { log } = options;
  const socket: Socket = createSocket({ type: options.host.includes(':') ? 'udp6' : 'udp4' });
  let closed: Promise<void> | undefined;

  socket.on('message', (datagram: Buffer, from: RemoteInfo) => {
    let answer: Buffer | undefined;
    try {
      answer = answerStun(datagram, from);
    } catch (err) {
      // A datagram is the sender's to shape: whatever it holds, the server goes on.
      log.debug({ err, from: from.address }, 'stun datagram not understood');
      return;
    }
    if (answer === undefined) return;
    options.onRequest?.();
    socket.send(answer, from.port, from.address);
  });

  return new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(options.port, options.host, () => {
      socket.off('error', reject);
      // After start, a send error (e.g. ICMP unreachable surfacing) concerns one datagram only.
      socket.on('error', (err) => log.debug({ err }, 'stun socket error'));
      resolve({
        port: socket.address().port,
        close() {
          closed ??= new Promise((done) => socket.close(() => done()));
          return closed;
        },
      });
    });
  });
}
