import { describe, expect, it } from 'vitest';
import {
  CertificateVerificationError,
  ConfigurationError,
  RaggedEOF,
  TLSError,
  WantReadError,
  TransportError,
  WantWriteError,
  reasonForOpenSSLVerifyCode,
  transportFailure,
} from '../src/mod.js';

describe('errors', () => {
  it('form the PEP hierarchy with stable codes', () => {
    const cases = [
      [new WantReadError(), 'UNITLS_WANT_READ'],
      [new WantWriteError(), 'UNITLS_WANT_WRITE'],
      [new RaggedEOF(), 'UNITLS_RAGGED_EOF'],
      [new ConfigurationError('x'), 'UNITLS_CONFIGURATION'],
      [new CertificateVerificationError('expired', 'x'), 'UNITLS_CERTIFICATE_VERIFICATION'],
    ] as const;
    for (const [error, code] of cases) {
      expect(error).toBeInstanceOf(TLSError);
      expect(error).toBeInstanceOf(Error);
      expect(error.code).toBe(code);
      expect(error.name).toBe(error.constructor.name);
    }
    expect(new WantReadError()).not.toBeInstanceOf(WantWriteError);
    expect(new TLSError('x')).not.toBeInstanceOf(ConfigurationError);
  });

  it('keep the cause', () => {
    const cause = new Error('openssl said no');
    expect(new TLSError('x', { cause }).cause).toBe(cause);
  });

  it('recognise errors made by another copy of the package (by brand)', () => {
    const foreign = Object.assign(new Error('x'), {
      [Symbol.for('@unitls/tls-core.error-kinds')]: ['TLSError', 'WantReadError'],
    });
    expect(foreign).toBeInstanceOf(TLSError);
    expect(foreign).toBeInstanceOf(WantReadError);
    expect(foreign).not.toBeInstanceOf(RaggedEOF);
  });

  it('keep ordinary instanceof for subclasses defined elsewhere', () => {
    class HandshakeTimeout extends TLSError {}
    expect(new HandshakeTimeout('x')).toBeInstanceOf(HandshakeTimeout);
    expect(new HandshakeTimeout('x')).toBeInstanceOf(TLSError);
    expect(new TLSError('x')).not.toBeInstanceOf(HandshakeTimeout);
  });

  it('map OpenSSL verification codes to reasons', () => {
    expect(reasonForOpenSSLVerifyCode('CERT_HAS_EXPIRED')).toBe('expired');
    expect(reasonForOpenSSLVerifyCode('X509_V_ERR_CERT_NOT_YET_VALID')).toBe('not-yet-valid');
    expect(reasonForOpenSSLVerifyCode('DEPTH_ZERO_SELF_SIGNED_CERT')).toBe('self-signed');
    expect(reasonForOpenSSLVerifyCode('UNABLE_TO_GET_ISSUER_CERT_LOCALLY')).toBe('untrusted-issuer');
    expect(reasonForOpenSSLVerifyCode('X509_V_ERR_SOMETHING_NEW')).toBe('other');
    expect(reasonForOpenSSLVerifyCode('ECONNRESET')).toBeUndefined();
  });
});

describe('transportFailure', () => {
  const systemError = (code: string, syscall: string) => Object.assign(new Error(`${syscall} ${code}`), { code, errno: -32, syscall });

  it('names the operation that failed first when a read gets an earlier write\'s error', () => {
    const error = transportFailure(systemError('EPIPE', 'write'), 'read') as TransportError;
    expect(error).toBeInstanceOf(TransportError);
    expect(error.message).toBe('TLS read failed: the connection was already broken by an earlier write (EPIPE)');
    expect([error.systemCode, error.syscall, error.errno]).toEqual(['EPIPE', 'write', -32]);
  });

  it('keeps the system code\'s meaning when the operation is the one that failed', () => {
    expect((transportFailure(systemError('EPIPE', 'write'), 'write') as Error).message).toBe(
      'TLS write failed: the connection was closed (by a reset from the peer) while writing (EPIPE)',
    );
    expect((transportFailure(systemError('ECONNRESET', 'read'), 'read') as Error).message).toBe(
      'TLS read failed: the peer reset the connection (ECONNRESET)',
    );
  });
});
