import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import type * as Tls from 'node:tls';
import type { RegistryEnvironment } from '../settings/types.js';

/**
 * The CA certificates a registry's HTTPS is checked against: Node's roots, the CA file the job trusts for
 * GitLab (CI_SERVER_TLS_CA_FILE: a self-managed GitLab's registry usually shares its CA), and Docker's
 * convention for one registry, `/etc/docker/certs.d/<host[:port]>/*.crt`. Undefined when there is
 * nothing beyond Node's own (then Node's defaults apply, NODE_EXTRA_CA_CERTS included). A list given to
 * Node replaces its defaults, NODE_EXTRA_CA_CERTS with them, so that file's CAs are added to it here.
 */
export const DOCKER_CERTS_DIR = '/etc/docker/certs.d';

export function trustedCas(
  registry: string,
  { caFile, nodeExtraCaFile }: Pick<RegistryEnvironment, 'caFile' | 'nodeExtraCaFile'>,
  certsDir = DOCKER_CERTS_DIR,
): string[] | undefined {
  const extra: string[] = [];
  // Not readable here: git reports CI_SERVER_TLS_CA_FILE for the clone (and Node warns about
  // NODE_EXTRA_CA_CERTS at start); the registry is checked against the rest.
  const addFile = (file: string | undefined) => {
    if (!file) return;
    try {
      extra.push(readFileSync(file, 'utf8'));
    } catch {
      // See above.
    }
  };
  addFile(caFile);
  const dir = join(certsDir, registry);
  try {
    for (const name of readdirSync(dir)
      .filter((file) => file.endsWith('.crt'))
      .sort())
      extra.push(readFileSync(join(dir, name), 'utf8'));
  } catch {
    // No such directory: nothing to add.
  }
  if (extra.length === 0) return undefined;
  addFile(nodeExtraCaFile);
  // node:tls is loaded only here: at start-up it costs milliseconds before the clone can start.
  const { rootCertificates } = createRequire(import.meta.url)('node:tls') as typeof Tls;
  return [...rootCertificates, ...extra];
}
