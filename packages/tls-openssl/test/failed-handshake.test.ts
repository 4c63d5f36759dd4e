/**
 * After a refused handshake a TLSBuffer reports nothing negotiated: getpeercert() is null (never
 * undefined, never the certificate that was refused), as PEP 748's `bytes | None` and tls-node's
 * socket have it; and a name mismatch says which name was asked for and which the certificate holds.
 */
import { describe, expect, it } from 'vitest';
import { CertificateVerificationError, WantReadError, type TLSBuffer } from '@unitls/tls-core';
import { clientContext, pump, serverContext } from './fixtures.js';

/** Runs the handshake of `client` (asking for `host`) against a server for `localhost`; returns the client's error. */
function refusedHandshake(host: string): { client: TLSBuffer; server: TLSBuffer; error: unknown } {
  const client = clientContext().createBuffer(host);
  const server = serverContext().createBuffer();
  let error: unknown;
  for (let round = 0; round < 6 && error === undefined; round++) {
    for (const [side, peer] of [[client, server], [server, client]] as const) {
      try {
        side.doHandshake();
      } catch (failure) {
        if (!(failure instanceof WantReadError) && side === client) error = failure;
      }
      pump(side, peer);
    }
  }
  return { client, server, error };
}

describe('after a refused handshake', () => {
  it('getpeercert() is null on both sides, and nothing is reported as negotiated', () => {
    const { client, server, error } = refusedHandshake('wrong.example');
    expect(error).toBeInstanceOf(CertificateVerificationError);
    for (const side of [client, server]) {
      expect(side.getpeercert()).toBeNull();
      expect(side.cipher()).toBeNull();
      expect(side.negotiatedTlsVersion).toBeNull();
    }
  });

  it('a name mismatch names the host asked for and the certificate\'s names, keeping class, reason and verifyCode', () => {
    const { error } = refusedHandshake('wrong.example');
    expect(error).toBeInstanceOf(CertificateVerificationError);
    expect(error).toMatchObject({ code: 'UNITLS_CERTIFICATE_VERIFICATION', reason: 'hostname-mismatch', verifyCode: 'HOSTNAME_MISMATCH' });
    expect((error as Error).message).toBe(
      'certificate verification failed: the certificate does not match host name "wrong.example" (its subjectAltName: DNS:localhost); check the server name you connect to',
    );
  });

  it('an IP address mismatch says so', () => {
    const { error } = refusedHandshake('127.0.0.2');
    expect(error).toMatchObject({ reason: 'hostname-mismatch', verifyCode: 'IP_ADDRESS_MISMATCH' });
    expect((error as Error).message).toMatch(/does not match IP address "127\.0\.0\.2" \(its subjectAltName: DNS:localhost\)/);
  });
});
