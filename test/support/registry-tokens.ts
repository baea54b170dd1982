/**
 * Registry tokens as GitLab's `/jwt/auth` issues them (JwtController and
 * Auth::ContainerRegistryAuthenticationService): RS256 JWTs whose `kid` is the libtrust key ID of the
 * signing key, which the distribution registry's `auth.token` mode looks up among the keys of the
 * certificates in its `rootcertbundle`.
 */
import { createHash, createPrivateKey, createPublicKey, randomUUID, sign, type KeyObject } from 'node:crypto';
import { selfSignedCertificate } from './registry-tls.js';

export interface RegistryAccess {
  type: 'repository' | 'registry';
  name: string;
  actions: string[];
}

export interface MintOptions {
  subject?: string;
  access: RegistryAccess[];
  /** GitLab's `auth_type` claim: 'personal_access_token', 'build', 'deploy_token', … */
  authType?: string;
  /** Seconds; GitLab's default `container_registry_token_expire_delay` is 5 minutes. */
  expiresIn?: number;
}

export const REGISTRY_SERVICE = 'container_registry';
export const REGISTRY_ISSUER = 'gitlab-issuer';

export class RegistryTokenIssuer {
  /** Tokens minted so far (claims), newest last: what `/jwt/auth` granted, for assertions. */
  readonly issued: Array<{ subject?: string; access: RegistryAccess[] }> = [];

  constructor(
    /** The realm a registry names in its challenge: `<gitlab>/jwt/auth`. */
    readonly realm: string,
    private readonly privateKey: KeyObject,
    /** PEM certificate of the signing key, for the registry's `rootcertbundle`. */
    readonly certificatePem: string,
    readonly service = REGISTRY_SERVICE,
    readonly issuer = REGISTRY_ISSUER,
  ) {}

  /** libtrust's key ID of the signing key (the JWT's `kid`). */
  get keyId(): string {
    return libtrustKeyId(createPublicKey(this.privateKey));
  }

  /** A signed JWT with GitLab's claims (iss, aud, sub, iat, nbf five seconds back, exp, jti, access). */
  mint(options: MintOptions): string {
    const now = Math.floor(Date.now() / 1000);
    const header = { typ: 'JWT', alg: 'RS256', kid: this.keyId };
    const claims = {
      iss: this.issuer,
      aud: this.service,
      ...(options.subject !== undefined ? { sub: options.subject } : {}),
      iat: now,
      nbf: now - 5,
      exp: now + (options.expiresIn ?? 300),
      jti: randomUUID(),
      ...(options.authType ? { auth_type: options.authType } : {}),
      access: options.access,
    };
    this.issued.push({
      ...(options.subject !== undefined ? { subject: options.subject } : {}),
      access: options.access,
    });
    const signingInput = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(claims))}`;
    const signature = sign('sha256', Buffer.from(signingInput), this.privateKey);
    return `${signingInput}.${base64url(signature)}`;
  }
}

/** A fresh RSA key and a self-signed certificate for it, as a GitLab instance's registry key. */
export function createRegistryTokenIssuer(realm: string): Promise<RegistryTokenIssuer> {
  const { key, cert } = selfSignedCertificate({ commonName: 'gitlab-issuer' });
  return Promise.resolve(new RegistryTokenIssuer(realm, createPrivateKey(key), cert));
}

/**
 * libtrust's KeyID: SHA-256 of the DER SubjectPublicKeyInfo, its first 240 bits in unpadded base32,
 * in groups of four characters joined by colons (`ABCD:EFGH:…`, 12 groups).
 */
export function libtrustKeyId(publicKey: KeyObject): string {
  const der = publicKey.export({ type: 'spki', format: 'der' });
  const encoded = base32(createHash('sha256').update(der).digest().subarray(0, 30));
  return encoded.match(/.{1,4}/g)!.join(':');
}

function base32(bytes: Uint8Array): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += alphabet[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
    value &= (1 << bits) - 1;
  }
  if (bits > 0) out += alphabet[(value << (5 - bits)) & 31];
  return out;
}

function base64url(data: string | Buffer): string {
  return Buffer.from(data).toString('base64url');
}
