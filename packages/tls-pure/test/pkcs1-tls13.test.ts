/**
 * RSA PKCS#1 v1.5 is for certificates only in TLS 1.3 (RFC 8446 §4.2.3: rsa_pkcs1_* "refer solely to
 * signatures which appear in certificates and are not defined for use in signed TLS handshake
 * messages"; issue #17: "RSA PKCS#1 (certificates only, as RFC 8446 allows)"). Until session 15 no
 * test pinned either side of that rule (allowedInTls13Handshake in src/codec/constants.ts):
 *
 * - a tls-pure server with an RSA key, whose TLS 1.3 client offers only the rsa_pkcs1 schemes,
 *   refuses with handshake_failure rather than sign its CertificateVerify with PKCS#1;
 * - a tls-pure client (or server) given a TLS 1.3 CertificateVerify signed with PKCS#1 refuses it
 *   with illegal_parameter, though the signature itself verifies.
 */
import { createPrivateKey, generateKeyPairSync, sign } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { WantReadError } from '@unitls/tls-core';
import { encodeCertificateVerify } from '../src/codec/messages.js';
import { certificateVerifyContent, checkCertificateVerify } from '../src/handshake/common.js';
import { nobleCryptoProvider, nodeCryptoProvider, PureClientContext, PureServerContext, TLSProtocolError } from '../src/mod.js';
import { clientConfiguration, serverConfiguration, testPki } from './support.js';

const pki = await testPki();
const PKCS1 = [0x0401, 0x0501, 0x0601];
const SIGNATURE_ALGORITHMS = 0x000d;

/** The ClientHello record with every scheme of its signature_algorithms extension made an rsa_pkcs1 one. */
function onlyPkcs1(record: Uint8Array): Uint8Array {
  const out = Uint8Array.from(record);
  const u16 = (at: number) => (out[at]! << 8) | out[at + 1]!;
  let at = 5 + 4 + 2 + 32; // record header, handshake header, legacy_version, random
  at += 1 + out[at]!; // legacy_session_id
  at += 2 + u16(at); // cipher_suites
  at += 1 + out[at]!; // legacy_compression_methods
  const end = at + 2 + u16(at);
  for (at += 2; at < end; at += 4 + u16(at + 2)) {
    if (u16(at) !== SIGNATURE_ALGORITHMS) continue;
    const list = at + 4 + 2;
    for (let i = 0; i < u16(at + 4) / 2; i++) {
      const scheme = PKCS1[i % PKCS1.length]!;
      out[list + 2 * i] = scheme >> 8;
      out[list + 2 * i + 1] = scheme & 0xff;
    }
    return out;
  }
  throw new Error('no signature_algorithms extension in the ClientHello');
}

describe('RSA PKCS#1 v1.5 in TLS 1.3 handshakes', () => {
  it('a server with an RSA key refuses a client that offers only rsa_pkcs1 schemes (handshake_failure), signing nothing', () => {
    const client = new PureClientContext(clientConfiguration(pki, { lowestSupportedVersion: 'TLSv1.3' })).createBuffer('localhost');
    const server = new PureServerContext(serverConfiguration(pki, {}, pki.serverRsa)).createBuffer();
    expect(() => client.doHandshake()).toThrow(WantReadError);
    server.processIncoming(onlyPkcs1(client.processOutgoing(1 << 16)));
    let error: unknown;
    try {
      server.doHandshake();
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(TLSProtocolError);
    expect((error as TLSProtocolError).alert).toBe(40);
    expect((error as Error).message).toMatch(/no signature scheme in common/);
    // Only the alert goes out: no ServerHello, no CertificateVerify.
    const out = Array.from(server.processOutgoing(1 << 16));
    expect([out.length, out[0], out[5], out[6]]).toEqual([7, 21, 2, 40]);
  });

  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const spki = new Uint8Array(rsa.publicKey.export({ format: 'der', type: 'spki' }));
  const transcriptHash = new Uint8Array(32).fill(7);
  const content = certificateVerifyContent('server', transcriptHash);
  const message = (scheme: number, signature: Uint8Array) => {
    const encoded = encodeCertificateVerify({ scheme, signature });
    return { type: encoded[0]!, body: encoded.subarray(4), encoded };
  };

  it.each([
    ['node:crypto', nodeCryptoProvider],
    ['@noble', nobleCryptoProvider],
  ] as const)('a CertificateVerify signed with rsa_pkcs1_sha256 is refused with illegal_parameter though it verifies (%s provider)', (_, provider) => {
    const pkcs1 = new Uint8Array(sign('sha256', content, createPrivateKey(rsa.privateKey.export({ format: 'pem', type: 'pkcs8' }))));
    // The signature is good: the provider verifies it as PKCS#1 (certificates may use it).
    expect(provider.verify(0x0401, spki, content, pkcs1)).toBe(true);
    let error: unknown;
    try {
      checkCertificateVerify('server', provider, message(0x0401, pkcs1), spki, transcriptHash);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(TLSProtocolError);
    expect((error as TLSProtocolError).alert).toBe(47);
    // The same key signing with RSA-PSS (rsa_pss_rsae_sha256) is accepted.
    const pss = new Uint8Array(sign('sha256', content, { key: rsa.privateKey, padding: 6, saltLength: 32 }));
    expect(() => checkCertificateVerify('server', provider, message(0x0804, pss), spki, transcriptHash)).not.toThrow();
  });
});
