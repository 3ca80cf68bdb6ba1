/**
 * Starts Debian's coturn (/usr/bin/turnserver) on 127.0.0.1 for a test: a free port found at run
 * time, its own config, pid file, log and user database in a temp dir, the TURN REST API
 * (`use-auth-secret`), UDP and TCP, no TLS. Resolves once it answers a STUN binding request;
 * stop() ends it by PID and removes the temp dir.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { selfSignedCertificate } from './certificate.ts';

export const TURNSERVER = '/usr/bin/turnserver';

export interface CoturnOptions {
  /** coturn's static-auth-secret (the ZeroRTC server's --turn-secret). */
  readonly secret: string;
  readonly realm?: string;
  /**
   * Relay to 127.0.0.1 peers (default true). Without it coturn answers CreatePermission with
   * 403 Forbidden IP, as a production configuration's `denied-peer-ip` does for private addresses.
   */
  readonly allowLoopbackPeers?: boolean;
  /** Address to listen and relay on (default 127.0.0.1; the network lab's internet address). */
  readonly ip?: string;
  /** Port for UDP and TCP (default: a free one). */
  readonly port?: number;
  /** Also TURN over TLS on this port (`turns:`), with a self-signed certificate made by openssl. */
  readonly tlsPort?: number;
}

export interface Coturn {
  readonly port: number;
  /** `turn:` URLs for UDP and TCP on that port. */
  readonly urls: readonly string[];
  /** The `turns:` URL, with `tlsPort`. */
  readonly tlsUrl: string | undefined;
  /** The log coturn wrote so far (for a failing test's message). */
  log(): string;
  stop(): Promise<void>;
}

/** A TCP port that is free now, whose UDP twin is free too. */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const port = await new Promise<number>((resolve, reject) => {
      const server = createServer();
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        const address = server.address();
        server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
      });
    });
    const udpFree = await new Promise<boolean>((resolve) => {
      const socket = createSocket('udp4');
      socket.once('error', () => resolve(false));
      socket.bind(port, '127.0.0.1', () => socket.close(() => resolve(true)));
    });
    if (udpFree) return port;
  }
  throw new Error('no free port for coturn');
}

/** Resolves when a STUN binding request to 127.0.0.1:port gets an answer. */
async function answersStun(ip: string, port: number, timeoutMs: number): Promise<boolean> {
  const socket = createSocket('udp4');
  socket.on('error', () => undefined);
  const request = Buffer.alloc(20);
  request.writeUInt16BE(0x0001, 0);
  request.writeUInt32BE(0x2112a442, 4);
  randomBytes(12).copy(request, 8);
  try {
    return await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      socket.once('message', () => {
        clearTimeout(timer);
        resolve(true);
      });
      socket.send(request, port, ip);
    });
  } finally {
    socket.close();
  }
}

export async function startCoturn(options: CoturnOptions): Promise<Coturn> {
  const dir = mkdtempSync(join(tmpdir(), 'zerortc-coturn-'));
  const ip = options.ip ?? '127.0.0.1';
  const port = options.port ?? (await freePort());
  const certificate = options.tlsPort === undefined ? undefined : await selfSignedCertificate(dir, ip);
  const tls = certificate ? [`cert=${certificate.cert}`, `pkey=${certificate.key}`] : [];
  const minPort = 49152 + Math.floor(Math.random() * 1000) * 10;
  const logFile = join(dir, 'turn.log');
  const config = [
    `listening-ip=${ip}`,
    `relay-ip=${ip}`,
    `listening-port=${port}`,
    'use-auth-secret',
    `static-auth-secret=${options.secret}`,
    `realm=${options.realm ?? 'zerortc.test'}`,
    'fingerprint',
    ...(options.tlsPort === undefined ? ['no-tls'] : [`tls-listening-port=${options.tlsPort}`, ...tls]),
    'no-dtls',
    'no-cli',
    'no-multicast-peers',
    ...(options.allowLoopbackPeers === false ? [] : ['allow-loopback-peers']),
    `min-port=${minPort}`,
    `max-port=${minPort + 200}`,
    `pidfile=${join(dir, 'turnserver.pid')}`,
    `userdb=${join(dir, 'turndb')}`,
    `log-file=${logFile}`,
    'simple-log',
    'no-stdout-log',
  ];
  writeFileSync(join(dir, 'turnserver.conf'), config.join('\n') + '\n', { mode: 0o600 });
  const child = spawn(TURNSERVER, ['-c', join(dir, 'turnserver.conf')], { stdio: 'ignore' });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let running = true;
  child.once('exit', () => (running = false));
  const log = (): string => {
    try {
      return readFileSync(logFile, 'utf8');
    } catch {
      return '';
    }
  };
  const stop = async (): Promise<void> => {
    if (running && child.pid !== undefined) {
      process.kill(child.pid, 'SIGTERM');
      const killer = setTimeout(() => running && child.pid !== undefined && process.kill(child.pid, 'SIGKILL'), 3000);
      await exited;
      clearTimeout(killer);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 10_000;
  while (!(await answersStun(ip, port, 200))) {
    if (!running || Date.now() > deadline) {
      const output = log();
      await stop();
      throw new Error(`coturn did not start on ${ip}:${port}:\n${output.slice(-2000)}`);
    }
  }
  return {
    port,
    urls: [`turn:${ip}:${port}?transport=udp`, `turn:${ip}:${port}?transport=tcp`],
    tlsUrl: options.tlsPort === undefined ? undefined : `turns:${ip}:${options.tlsPort}?transport=tcp`,
    log,
    stop,
  };
}
