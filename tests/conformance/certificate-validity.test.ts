/**
 * A certificate outside its validity period (RFC 5280 §4.1.2.5), refused the same way by every
 * implementation: a CertificateVerificationError whose reason is 'expired' or 'not-yet-valid' and
 * whose message (tls-core's validityFailureMessage) names the certificate (its place in the chain
 * and subject), its notAfter or notBefore, the verification time, and what to do. Before,
 * tls-node and tls-openssl said OpenSSL's bare "certificate has expired (CERT_HAS_EXPIRED)", and
 * tls-pure "the certificate expired at <date> (EXPIRED)": no certificate, no time, no advice.
 * The servers are openssl s_server (a peer nobody here wrote) and each implementation's own.
 */
import { X509Certificate } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { CertificateVerificationError, TrustStore, VALIDITY_ADVICE } from '@unitls/tls-core';
import { clientConfig, pki, serverConfig } from '../support/fixtures.js';
import { ISSUERS, type PkiName } from '../support/pki.js';
import { startServer, type OpenSSLServer } from '../support/openssl.js';
import { failingPair } from '../support/sockets.js';
import { conformanceImplementations as implementations } from './implementations.js';

const servers: OpenSSLServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

/**
 * The cases: the server's leaf, which certificate is out of its period, how it is named, the
 * reason, the root the client trusts. With several certificates out of their period every
 * implementation names the one nearest the leaf (tls-core validity-failure.ts says why); break13
 * found tls-openssl naming the intermediate where tls-node and tls-pure named the leaf, and
 * tls-node giving OpenSSL's bare words for an expired trust anchor.
 */
const CASES = [
  ['expired', 'expired', 'the certificate', 'expired', 'root'],
  ['not-yet-valid', 'not-yet-valid', 'the certificate', 'not-yet-valid', 'root'],
  ['under-expired-ca', 'expired-ca', 'the intermediate CA certificate', 'expired', 'root'],
  ['expired-under-expired-ca', 'expired-under-expired-ca', 'the certificate', 'expired', 'root'],
  ['under-expired-root', 'expired-root', 'the trust anchor', 'expired', 'expired-root'],
  ['under-expired-ca-and-root', 'expired-ca-under-expired-root', 'the intermediate CA certificate', 'expired', 'expired-root'],
  // A subject with RFC 4514's special characters: escaped alike (tls-pure showed them bare, break13).
  ['expired-odd-subject', 'expired-odd-subject', 'the certificate', 'expired', 'root'],
] as const satisfies ReadonlyArray<readonly [PkiName, PkiName, string, 'expired' | 'not-yet-valid', PkiName]>;

/** A client configuration trusting `root`. */
const trusting = (root: PkiName) => clientConfig({ trustStore: TrustStore.fromFile(pki.path(root)) });

/** The message every implementation gives, but for the verification time and the implementation's code. */
function expectedMessage(refused: PkiName, position: string, reason: 'expired' | 'not-yet-valid'): RegExp {
  const cert = new X509Certificate(pki.pem(refused));
  const subject = cert.subject.split('\n').join(', ');
  if (refused === 'expired-odd-subject') expect(subject).toBe('CN=\\#1 \\"unitls\\"\\, expired\\+odd \\<name\\>\\; a=b\\\\c');
  const what =
    reason === 'expired'
      ? `expired at ${new Date(cert.validTo).toISOString()} \\(its notAfter\\)`
      : `is not valid before ${new Date(cert.validFrom).toISOString()} \\(its notBefore\\)`;
  const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(
    `^certificate verification failed: ${escape(position)} "${escape(subject)}" ${what}; the verification time was (\\S+) \\(([A-Z_]+)\\); ${escape(VALIDITY_ADVICE[reason])}$`,
  );
}

/** Checks `error` against the expected message; the verification time it names lies in [before, after]. */
function expectRefusal(error: unknown, refused: PkiName, position: string, reason: 'expired' | 'not-yet-valid', before: number, after: number): void {
  expect(error).toBeInstanceOf(CertificateVerificationError);
  expect(error).toMatchObject({ reason });
  const match = expectedMessage(refused, position, reason).exec((error as Error).message);
  expect(match, (error as Error).message).not.toBeNull();
  const time = Date.parse(match![1]!);
  // Whole seconds at least (tls-pure compares in seconds, as RFC 5280 validity is).
  expect(time).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000);
  expect(time).toBeLessThanOrEqual(after);
  expect(match![2]).toBe((error as CertificateVerificationError).verifyCode);
  expect((error as Error).cause).toBeDefined();
}

describe.each(implementations.map((i) => [i.name, i] as const))('certificate validity (%s)', (_, implementation) => {
  it.each(CASES)('against openssl s_server: a %s chain names %s and the verification time', async (leaf, refused, position, reason, root) => {
    const server = await startServer(['-cert', pki.path(leaf), '-cert_chain', pki.path(ISSUERS[leaf] ?? 'intermediate'), '-key', pki.path(leaf, 'key')]);
    servers.push(server);
    const before = Date.now();
    const error = await new implementation.clientContext(trusting(root)).connect({ host: 'localhost', port: server.port }).then(
      async (socket) => {
        await socket.close(true);
        return null;
      },
      (e: unknown) => e,
    );
    expectRefusal(error, refused, position, reason, before, Date.now());
  });

  it.each(CASES)('against its own server: a %s chain names %s and the verification time', async (leaf, refused, position, reason, root) => {
    const before = Date.now();
    const result = await failingPair(implementation, serverConfig(leaf), trusting(root), { serverHostname: 'localhost' });
    expectRefusal(result.client, refused, position, reason, before, Date.now());
  });
});
