import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { rootCertificates } from 'node:tls';

/**
 * The CA certificates a registry's HTTPS is checked against: Node's roots, the CA file the job trusts for
 * GitLab (CI_SERVER_TLS_CA_FILE: a self-managed GitLab's registry usually shares its CA), and Docker's
 * convention for one registry, `/etc/docker/certs.d/<host[:port]>/*.crt`. Undefined when there is
 * nothing beyond Node's own (then Node's defaults apply, NODE_EXTRA_CA_CERTS included).
 */
export const DOCKER_CERTS_DIR = '/etc/docker/certs.d';

export function trustedCas(
  registry: string,
  caFile: string | undefined,
  certsDir = DOCKER_CERTS_DIR,
): string[] | undefined {
  const extra: string[] = [];
  if (caFile) {
    try {
      extra.push(readFileSync(caFile, 'utf8'));
    } catch {
      // Not readable here: git reports it for the clone; the registry is checked against the rest.
    }
  }
  const dir = join(certsDir, registry);
  try {
    for (const name of readdirSync(dir)
      .filter((file) => file.endsWith('.crt'))
      .sort())
      extra.push(readFileSync(join(dir, name), 'utf8'));
  } catch {
    // No such directory: nothing to add.
  }
  return extra.length > 0 ? [...rootCertificates, ...extra] : undefined;
}
