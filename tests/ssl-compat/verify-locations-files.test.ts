/**
 * Trial 12, finding 7: loadVerifyLocations with a missing cafile threw a bare ENOENT (no call, no
 * argument). Every file it takes now fails as loadCertChain's do since session 11: a
 * ConfigurationError naming the call, the argument and the path, the fs error as `cause`; and a
 * cadata that is not DER says so.
 */
import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '@unitls/tls-core';
import { PROTOCOL_TLS_CLIENT, SSLContext, createDefaultContext, Purpose } from '@unitls/ssl-compat';
import { pki } from '../support/fixtures.js';

function thrown(work: () => unknown): Error {
  try {
    work();
  } catch (error) {
    return error as Error;
  }
  throw new Error('nothing was thrown');
}

describe('loadVerifyLocations names the argument and the path of what it cannot read', () => {
  it('a missing cafile', () => {
    const error = thrown(() => new SSLContext(PROTOCOL_TLS_CLIENT).loadVerifyLocations('/nonexistent/ca.pem'));
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error.message).toMatch(/^loadVerifyLocations: cannot read the cafile "\/nonexistent\/ca\.pem" \(ENOENT\): /);
    expect((error.cause as NodeJS.ErrnoException).code).toBe('ENOENT');
  });

  it('a missing capath, and a cafile given as options', () => {
    const error = thrown(() => new SSLContext(PROTOCOL_TLS_CLIENT).loadVerifyLocations({ capath: '/nonexistent/certs' }));
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error.message).toMatch(/^loadVerifyLocations: cannot read the capath "\/nonexistent\/certs" \(ENOENT\): /);
    expect(() => createDefaultContext(Purpose.SERVER_AUTH, { cafile: 'nope.pem' })).toThrow(/cannot read the cafile "nope\.pem" \(ENOENT\)/);
  });

  it('a cadata that is not DER', () => {
    const context = new SSLContext(PROTOCOL_TLS_CLIENT);
    const error = thrown(() => context.loadVerifyLocations(pki.path('root'), null, new Uint8Array([1, 2, 3])));
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error.message).toBe('loadVerifyLocations: cadata is not a DER certificate (3 bytes): give DER bytes of one certificate, or PEM text as a string');
    expect(error.cause).toBeInstanceOf(Error);
  });
});
