/** A self-signed certificate made with Debian's openssl, for the tests' TLS servers. */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

/**
 * Writes a self-signed certificate for `ip` (as its CN and subjectAltName) and its key into `dir`.
 * @returns the paths of the PEM files
 */
export async function selfSignedCertificate(dir: string, ip = '127.0.0.1'): Promise<{ cert: string; key: string }> {
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  await promisify(execFile)('openssl', [
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-days',
    '2',
    '-subj',
    `/CN=${ip}`,
    '-addext',
    `subjectAltName=IP:${ip}`,
    '-keyout',
    key,
    '-out',
    cert,
  ]);
  return { cert, key };
}
