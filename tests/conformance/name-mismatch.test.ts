/**
 * A certificate valid for other names than the one asked for: one error on every implementation,
 * down to the message. Class CertificateVerificationError, code UNITLS_CERTIFICATE_VERIFICATION,
 * reason 'hostname-mismatch', and the message names the host (or IP address) asked for and the
 * certificate's DNS and IP subjectAltName entries, at most MISMATCH_NAMES_SHOWN of them, then
 * "and K more".
 *
 * Before: three wordings; tls-pure listed the DNS names only (no IP SANs) and at most five of them,
 * tls-node and tls-openssl every entry, however many, in node:crypto's "IP Address:0:0:0:0:0:0:0:1" form.
 */
import { describe, expect, it } from 'vitest';
import { createAuthority, issueCertificate, type IssuedCertificate } from '@unitls/demo-pki';
import {
  Certificate,
  CertificateVerificationError,
  MISMATCH_NAME_CHARS,
  MISMATCH_NAMES_SHOWN,
  PrivateKey,
  SigningChain,
  TLSClientConfiguration,
  TLSServerConfiguration,
  TrustStore,
  type TLSImplementation,
} from '@unitls/tls-core';
import { failingPair } from '../support/sockets.js';
import { conformanceImplementations as implementations } from './implementations.js';

interface Pki {
  root: IssuedCertificate;
  intermediate: IssuedCertificate;
  leaf(names: string[]): Promise<IssuedCertificate>;
}

let pki: Promise<Pki> | undefined;
function testPki(): Promise<Pki> {
  return (pki ??= (async () => {
    const root = await createAuthority({ name: 'unitls name-mismatch root' });
    const intermediate = await createAuthority({ name: 'unitls name-mismatch intermediate', issuer: root });
    return { root, intermediate, leaf: (names) => issueCertificate(intermediate, { names, keyType: 'ec' }) };
  })());
}

/** The client's error when `implementation` connects to a server with a leaf for `names`, asking for `asked`. */
async function mismatch(implementation: TLSImplementation, names: string[], asked: string): Promise<CertificateVerificationError> {
  const { root, intermediate, leaf } = await testPki();
  const issued = await leaf(names);
  const chain = new SigningChain([Certificate.fromBuffer(issued.certPem), PrivateKey.fromBuffer(issued.keyPem)], [Certificate.fromBuffer(intermediate.certPem)]);
  const result = await failingPair(
    implementation,
    new TLSServerConfiguration({ certificateChain: [chain] }),
    new TLSClientConfiguration({ trustStore: TrustStore.fromBuffer(root.certPem) }),
    { host: '127.0.0.1', serverHostname: asked },
  );
  expect(result.client, String(result.client)).toBeInstanceOf(CertificateVerificationError);
  const error = result.client as CertificateVerificationError;
  expect(error.code).toBe('UNITLS_CERTIFICATE_VERIFICATION');
  expect(error.reason).toBe('hostname-mismatch');
  return error;
}

const NAMES = ['alpha.test', '*.beta.test', '192.0.2.7', '2001:db8::7'];
const LISTED = 'DNS:alpha.test, DNS:*.beta.test, IP:192.0.2.7, IP:2001:db8::7';

describe.each(implementations)('$name: a certificate for other names (hostname mismatch)', (implementation: TLSImplementation) => {
  it('a DNS name: the message names it and every DNS and IP SAN', async () => {
    const error = await mismatch(implementation, NAMES, 'other.test');
    expect(error.message).toBe(`certificate verification failed: the certificate does not match host name "other.test" (its subjectAltName: ${LISTED}); check the server name you connect to`);
  });

  it('an IP address: the message names it and every DNS and IP SAN', async () => {
    const error = await mismatch(implementation, NAMES, '192.0.2.8');
    expect(error.message).toBe(`certificate verification failed: the certificate does not match IP address "192.0.2.8" (its subjectAltName: ${LISTED}); check the server name you connect to`);
  });

  it('an IPv6 address asked for, the SAN list bounded: the first names, then "and K more"', async () => {
    const dns = Array.from({ length: 12 }, (_, i) => `host${i}.test`);
    const error = await mismatch(implementation, [...dns, '10.0.0.1', '::1', '2001:db8:0:0:1:0:0:1'], '2001:db8::2');
    const shown = dns.slice(0, MISMATCH_NAMES_SHOWN).map((name) => `DNS:${name}`).join(', ');
    expect(error.message).toBe(
      `certificate verification failed: the certificate does not match IP address "2001:db8::2" (its subjectAltName: ${shown} and ${12 + 3 - MISMATCH_NAMES_SHOWN} more); check the server name you connect to`,
    );
  });

  it('SANs with CR/LF, NUL, ESC, non-ASCII, a comma or 3,000 characters: escaped and bounded (no log injection)', async () => {
    const long = `${'b'.repeat(3000)}.test`;
    const error = await mismatch(
      implementation,
      ['good.test', 'evil.test\r\nX-Injected: 1', long, 'nul\0.test', 'esc\x1b[31m.test', 'caf\u00e9.test', 'a.test, IP:192.0.2.1'],
      'other.test',
    );
    const cut = `${'b'.repeat(MISMATCH_NAME_CHARS - 3)}...`;
    const listed = ['DNS:good.test', 'DNS:evil.test\\x0d\\x0aX-Injected:\\x201', `DNS:${cut}`, 'DNS:nul\\x00.test', 'DNS:esc\\x1b[31m.test', 'DNS:caf\\xe9.test', 'DNS:a.test\\x2c\\x20IP:192.0.2.1'].join(', ');
    expect(error.message).toBe(`certificate verification failed: the certificate does not match host name "other.test" (its subjectAltName: ${listed}); check the server name you connect to`);
    expect(error.message).not.toMatch(/[^\x20-\x7e]/);
  });

  it('an IDN asked for as U-labels is named in its A-label form, as it was checked', async () => {
    const error = await mismatch(implementation, ['xn--caf-dma.test'], 'bücher.test');
    expect(error.message).toBe('certificate verification failed: the certificate does not match host name "xn--bcher-kva.test" (its subjectAltName: DNS:xn--caf-dma.test); check the server name you connect to');
  });
});
