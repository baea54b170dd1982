/**
 * TLS for the test registry: the machine's own non-loopback address (clients speak plain HTTP to
 * 127.0.0.0/8 and localhost, as Docker does, so an HTTPS registry needs another address) and a
 * server certificate for it from a CA generated with openssl.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';

/** The first non-internal IPv4 address, else a global IPv6 address; undefined when the machine has none. */
export function tlsAddress(): string | undefined {
  const addresses = Object.values(networkInterfaces()).flatMap((entries) => entries ?? []);
  const external = addresses.filter((entry) => !entry.internal);
  const v4 = external.find((entry) => entry.family === 'IPv4');
  if (v4) return v4.address;
  return external.find((entry) => entry.family === 'IPv6' && !entry.address.toLowerCase().startsWith('fe80'))?.address;
}

/** Whether a TLS registry can run here, and if not, why (for `it.skipIf(...)` with a clear reason). */
export function tlsAvailable(): { available: true; address: string } | { available: false; reason: string } {
  const address = tlsAddress();
  if (address) return { available: true, address };
  return {
    available: false,
    reason:
      'this machine has no non-loopback network address; a TLS registry must be reached at an address ' +
      'outside 127.0.0.0/8 and localhost, which clients speak plain HTTP to',
  };
}

export interface ServerCertificate {
  caFile: string;
  certFile: string;
  keyFile: string;
}

/** A CA and a server certificate for `address` (IP SAN), valid for a day, written into `dir`. */
export async function createServerCertificate(dir: string, address: string): Promise<ServerCertificate> {
  const file = (name: string) => join(dir, name);
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  await openssl(
    'req',
    '-x509',
    ...ec,
    '-keyout',
    file('ca.key'),
    '-out',
    file('ca.crt'),
    '-days',
    '1',
    '-subj',
    '/CN=registry test CA',
  );
  await openssl(
    'req',
    '-new',
    ...ec,
    '-keyout',
    file('server.key'),
    '-out',
    file('server.csr'),
    '-subj',
    `/CN=${address}`,
  );
  await writeFile(
    file('server.ext'),
    `subjectAltName=IP:${address}\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n`,
  );
  await openssl(
    'x509',
    '-req',
    '-in',
    file('server.csr'),
    '-CA',
    file('ca.crt'),
    '-CAkey',
    file('ca.key'),
    '-CAcreateserial',
    '-days',
    '1',
    '-extfile',
    file('server.ext'),
    '-out',
    file('server.crt'),
  );
  return { caFile: file('ca.crt'), certFile: file('server.crt'), keyFile: file('server.key') };
}

async function openssl(command: string, ...args: string[]): Promise<void> {
  await execa('openssl', [command, ...args], { stdin: 'ignore' });
}

/**
 * A fresh RSA key and a self-signed certificate for it, made with openssl in a new directory: for a
 * test server on 127.0.0.1 (an IP subjectAltName) by default, or for an issuer named `commonName` alone.
 */
export function selfSignedCertificate(
  options: { commonName: string; ip?: string } = { commonName: '127.0.0.1', ip: '127.0.0.1' },
): { key: string; cert: string; certFile: string } {
  const dir = mkdtempSync(join(tmpdir(), 'self-signed-'));
  const keyFile = join(dir, 'key.pem');
  const certFile = join(dir, 'cert.pem');
  const san = options.ip ? ['-addext', `subjectAltName=IP:${options.ip}`] : [];
  execFileSync(
    'openssl',
    ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', keyFile, '-out', certFile, '-days', '2'].concat(
      ['-subj', `/CN=${options.commonName}`],
      san,
    ),
    { stdio: 'ignore' },
  );
  return { key: readFileSync(keyFile, 'utf8'), cert: readFileSync(certFile, 'utf8'), certFile };
}
