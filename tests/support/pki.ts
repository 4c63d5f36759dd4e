/**
 * The test PKI every cross-package suite shares, generated once per run by global-setup.ts into a
 * temporary folder (PEM files, so `openssl s_server`/`s_client` can use them too).
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAuthority, issueCertificate, type IssuedCertificate } from '@unitls/demo-pki';

const DAY = 86_400_000;

/** Host names in README examples that tests/docs/readme-examples serves locally (one certificate for all). */
export const EXAMPLE_HOSTS = ['example.org', 'mail.example.org', 'ftp.example.org', 'internal.example', 'proxy.example.net', 'pop.example.org'] as const;

/** Every file name the fixture writes (name.crt, name.key, plus bundles). */
export const PKI_NAMES = [
  'root',
  'intermediate',
  'server-ec',
  'server-rsa',
  'alpha-rsa',
  'beta-ec',
  'expired',
  'not-yet-valid',
  'expired-ca',
  'under-expired-ca',
  'expired-under-expired-ca',
  'expired-root',
  'under-expired-root-ca',
  'under-expired-root',
  'expired-ca-under-expired-root',
  'under-expired-ca-and-root',
  'expired-odd-subject',
  'wronghost',
  'selfsigned',
  'other-root',
  'untrusted',
  'client',
  'cn-only',
  'foreign-client',
  'expired-client',
  'examples',
] as const;
export type PkiName = (typeof PKI_NAMES)[number];

/** The intermediate CA a leaf's chain sends when it is not 'intermediate' (chainOf, name.chain.crt). */
export const ISSUERS: Partial<Record<PkiName, PkiName>> = {
  'under-expired-ca': 'expired-ca',
  'expired-under-expired-ca': 'expired-ca',
  'under-expired-root': 'under-expired-root-ca',
  'under-expired-ca-and-root': 'expired-ca-under-expired-root',
};

export async function generatePki(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'unitls-pki-'));
  const root = await createAuthority({ name: 'unitls test root' });
  const intermediate = await createAuthority({ name: 'unitls test intermediate', issuer: root });
  const otherRoot = await createAuthority({ name: 'unitls other root' });
  const now = Date.now();
  // An intermediate CA past its notAfter, and a valid leaf it issued (chainOf sends the two).
  const expiredCa = await createAuthority({ name: 'unitls expired intermediate', issuer: root, notBefore: new Date(now - 60 * DAY), notAfter: new Date(now - 2 * DAY) });
  // A root past its notAfter (a client trusting it: TrustStore.fromFile('expired-root.crt')), a
  // valid intermediate it issued and a valid leaf under that: only the trust anchor is expired.
  const expiredRoot = await createAuthority({ name: 'unitls expired root', notBefore: new Date(now - 90 * DAY), notAfter: new Date(now - 3 * DAY) });
  const underExpiredRootCa = await createAuthority({ name: 'unitls intermediate under the expired root', issuer: expiredRoot });
  // An expired intermediate under the expired root, and a valid leaf under it: two CAs out of their period.
  const expiredCaUnderExpiredRoot = await createAuthority({ name: 'unitls expired intermediate under the expired root', issuer: expiredRoot, notBefore: new Date(now - 60 * DAY), notAfter: new Date(now - 2 * DAY) });
  const local = ['localhost', '127.0.0.1', '::1'];
  const issued: Record<PkiName, IssuedCertificate> = {
    root,
    intermediate,
    'server-ec': await issueCertificate(intermediate, { names: local, keyType: 'ec' }),
    'server-rsa': await issueCertificate(intermediate, { names: local, keyType: 'rsa' }),
    'alpha-rsa': await issueCertificate(intermediate, { names: ['alpha.test'], keyType: 'rsa' }),
    'beta-ec': await issueCertificate(intermediate, { names: ['beta.test'], keyType: 'ec' }),
    expired: await issueCertificate(intermediate, { names: local, notBefore: new Date(now - 30 * DAY), notAfter: new Date(now - DAY) }),
    'not-yet-valid': await issueCertificate(intermediate, { names: local, notBefore: new Date(now + DAY), notAfter: new Date(now + 30 * DAY) }),
    'expired-ca': expiredCa,
    'under-expired-ca': await issueCertificate(expiredCa, { names: local }),
    // An expired leaf under the expired intermediate: two certificates of one chain out of their period.
    'expired-under-expired-ca': await issueCertificate(expiredCa, { names: local, notBefore: new Date(now - 30 * DAY), notAfter: new Date(now - DAY) }),
    'expired-root': expiredRoot,
    'under-expired-root-ca': underExpiredRootCa,
    'under-expired-root': await issueCertificate(underExpiredRootCa, { names: local }),
    'expired-ca-under-expired-root': expiredCaUnderExpiredRoot,
    // An expired leaf whose subject needs RFC 4514 escaping: CN=#1 "unitls", expired+odd <name>; a=b\c
    'expired-odd-subject': await issueCertificate(intermediate, {
      names: local,
      commonName: '\\#1 \\"unitls\\"\\, expired\\+odd \\<name\\>\\; a=b\\\\c',
      notBefore: new Date(now - 30 * DAY),
      notAfter: new Date(now - DAY),
    }),
    'under-expired-ca-and-root': await issueCertificate(expiredCaUnderExpiredRoot, { names: local }),
    wronghost: await issueCertificate(intermediate, { names: ['wrong.example'] }),
    selfsigned: await issueCertificate(null, { names: local }),
    'other-root': otherRoot,
    untrusted: await issueCertificate(otherRoot, { names: local }),
    client: await issueCertificate(intermediate, { names: ['client.test'], usage: 'client', commonName: 'unitls test client' }),
    'foreign-client': await issueCertificate(otherRoot, { names: ['client.test'], usage: 'client' }),
    'expired-client': await issueCertificate(intermediate, { names: ['client.test'], usage: 'client', commonName: 'unitls expired client', notBefore: new Date(now - 30 * DAY), notAfter: new Date(now - DAY) }),
    // The name only in the subject CN, no SAN for it: must never match.
    'cn-only': await issueCertificate(intermediate, { names: ['other.test'], commonName: 'localhost' }),
    // The host names README examples use; tests/docs routes them to local servers.
    examples: await issueCertificate(intermediate, { names: [...EXAMPLE_HOSTS, ...local] }),
  };
  for (const [name, cert] of Object.entries(issued)) {
    writeFileSync(join(dir, `${name}.crt`), cert.certPem);
    writeFileSync(join(dir, `${name}.key`), cert.keyPem);
    // leaf + intermediate, for servers that take one file
    const issuer = ISSUERS[name as PkiName];
    writeFileSync(join(dir, `${name}.chain.crt`), cert.certPem + (name === 'untrusted' || name === 'foreign-client' ? '' : issued[issuer ?? 'intermediate'].certPem));
  }
  return dir;
}

/** Reads the fixture from the folder global-setup made. */
export class Pki {
  constructor(readonly dir: string) {}
  path(name: PkiName, kind: 'crt' | 'key' | 'chain.crt' = 'crt'): string {
    return join(this.dir, `${name}.${kind}`);
  }
  pem(name: PkiName, kind: 'crt' | 'key' | 'chain.crt' = 'crt'): string {
    return readFileSync(this.path(name, kind), 'utf8');
  }
}
