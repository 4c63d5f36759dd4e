/**
 * A CA made the way `openssl req -x509` makes one (OpenSSL 3.0's defaults: basicConstraints
 * CA:TRUE, no keyUsage), the most common home-made CA (trial 9 item 3). tls-openssl verifies with
 * X509_V_FLAG_X509_STRICT, as Python 3.13 does, and refuses it (RFC 5280 §4.2.1.3 requires keyUsage
 * of a CA); tls-node (node:tls) and tls-pure accept it. PEP 748 leaves strictness to the
 * implementation; this pins the difference and that tls-openssl's refusal says what to do.
 *
 * Before: tls-openssl failed with reason 'other', verifyCode 'X509_V_ERR_92' and OpenSSL's bare
 * "CA cert does not include key usage extension".
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Certificate, CertificateVerificationError, PrivateKey, SigningChain, TLSClientConfiguration, TLSServerConfiguration, TrustStore } from '@unitls/tls-core';
import { failingPair } from '../support/sockets.js';
import { conformanceImplementations as implementations } from './implementations.js';

const dir = mkdtempSync(join(tmpdir(), 'unitls-ca-no-ku-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** `openssl` in `dir`, as a user would run it. */
const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
openssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '30', '-subj', '/CN=Home CA');
openssl('req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'leaf.key', '-out', 'leaf.csr', '-subj', '/CN=localhost');
writeFileSync(join(dir, 'leaf.ext'), 'subjectAltName=DNS:localhost\n');
openssl('x509', '-req', '-in', 'leaf.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'leaf.pem', '-days', '30', '-extfile', 'leaf.ext');
const read = (name: string) => readFileSync(join(dir, name));

const server = new TLSServerConfiguration({ certificateChain: [new SigningChain([Certificate.fromBuffer(read('leaf.pem')), PrivateKey.fromBuffer(read('leaf.key'))])] });
const client = new TLSClientConfiguration({ trustStore: TrustStore.fromBuffer(read('ca.pem')) });

describe('a CA without keyUsage (as openssl req -x509 makes it)', () => {
  it('the CA really has no keyUsage (what this test is about)', () => {
    expect(openssl('x509', '-in', 'ca.pem', '-noout', '-text').toString()).not.toMatch(/Key Usage/);
  });

  it.each(implementations.map((i) => [i.name, i] as const))('%s', async (name, implementation) => {
    const { client: outcome } = await failingPair(implementation, server, client);
    if (name !== 'openssl') {
      expect(outcome).not.toBeInstanceOf(Error);
      return;
    }
    expect(outcome).toBeInstanceOf(CertificateVerificationError);
    const error = outcome as CertificateVerificationError;
    expect(error.reason).toBe('invalid-purpose');
    expect(error.verifyCode).toBe('CA_CERT_MISSING_KEY_USAGE');
    expect(error.message).toBe(
      'certificate verification failed: CA cert does not include key usage extension (CA_CERT_MISSING_KEY_USAGE); a CA certificate in the chain has no keyUsage extension, which RFC 5280 §4.2.1.3 requires of a CA and strict verification (X509_V_FLAG_X509_STRICT, as Python 3.13 sets) enforces: reissue it with keyUsage=critical,keyCertSign,cRLSign (openssl req -x509 ... -addext keyUsage=critical,keyCertSign,cRLSign)',
    );
  });
});
