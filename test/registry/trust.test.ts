import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { rootCertificates } from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { trustedCas } from '../../src/registry/trust.js';

const PEM = (name: string) => `-----BEGIN CERTIFICATE-----\n${name}\n-----END CERTIFICATE-----\n`;

describe('the CAs a registry is checked against', () => {
  const certsDir = mkdtempSync(join(tmpdir(), 'certs-d-'));
  mkdirSync(join(certsDir, 'registry.example.com:5000'));
  writeFileSync(join(certsDir, 'registry.example.com:5000', 'ca.crt'), PEM('registry-ca'));
  writeFileSync(join(certsDir, 'registry.example.com:5000', 'client.key'), 'not a CA');
  const caFile = join(certsDir, 'gitlab-ca.pem');
  writeFileSync(caFile, PEM('gitlab-ca'));

  it("are Node's own (the defaults) when nothing else is there", () => {
    expect(trustedCas('registry.example.com', {}, certsDir)).toBeUndefined();
    expect(trustedCas('registry.example.com', { caFile: join(certsDir, 'missing.pem') }, certsDir)).toBeUndefined();
  });

  it("add the job's CA file and Docker's certs.d/<host:port>/*.crt to Node's roots", () => {
    expect(trustedCas('registry.example.com', { caFile }, certsDir)).toEqual([...rootCertificates, PEM('gitlab-ca')]);
    expect(trustedCas('registry.example.com:5000', { caFile }, certsDir)).toEqual([
      ...rootCertificates,
      PEM('gitlab-ca'),
      PEM('registry-ca'),
    ]);
    expect(trustedCas('registry.example.com:5000', {}, certsDir)).toEqual([...rootCertificates, PEM('registry-ca')]);
  });

  it('keep NODE_EXTRA_CA_CERTS, which Node drops once a list replaces its defaults, and only then', () => {
    const nodeExtraCaFile = join(certsDir, 'node-extra.pem');
    writeFileSync(nodeExtraCaFile, PEM('node-extra'));
    expect(trustedCas('registry.example.com', { nodeExtraCaFile }, certsDir)).toBeUndefined();
    expect(trustedCas('registry.example.com', { caFile, nodeExtraCaFile }, certsDir)).toEqual([
      ...rootCertificates,
      PEM('gitlab-ca'),
      PEM('node-extra'),
    ]);
    expect(trustedCas('registry.example.com:5000', { nodeExtraCaFile }, certsDir)).toEqual([
      ...rootCertificates,
      PEM('registry-ca'),
      PEM('node-extra'),
    ]);
  });
});
