/**
 * Option names ssl-compat does not take are refused, naming the one they resemble: before, a
 * misspelt `cafle` made createDefaultContext use the system store without a word, and a misspelt
 * node:tls option was refused as merely "not supported".
 */
import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '@unitls/tls-core';
import { PROTOCOL_TLS_CLIENT, Purpose, UnsupportedOptionError, createDefaultContext, fromNodeConnectOptions, fromNodeServerOptions } from '@unitls/ssl-compat';
import { pki } from '../support/fixtures.js';

describe('ssl-compat: an unknown option name', () => {
  it('createDefaultContext({ cafle }): ConfigurationError naming cafile, not the system store', () => {
    expect(() => createDefaultContext(undefined, { cafle: pki.path('root') } as never)).toThrow(new ConfigurationError("createDefaultContext: unknown option 'cafle' (did you mean 'cafile'?)"));
    expect(() => createDefaultContext(undefined, { verify: true } as never)).toThrow("createDefaultContext: unknown option 'verify' (it takes 'cafile', 'capath', 'cadata')");
    expect(() => createDefaultContext(undefined, { cafile: pki.path('root') })).not.toThrow();
  });

  it('createDefaultContext({ cafile }): the options first make a client context trusting that CA (was: a server context, the CA dropped)', () => {
    const ssl = createDefaultContext({ cafile: pki.path('root') });
    expect(ssl.protocol).toBe(PROTOCOL_TLS_CLIENT);
    const trustStore = ssl.clientConfiguration().trustStore;
    expect(trustStore?.equals(createDefaultContext(Purpose.SERVER_AUTH, { cafile: pki.path('root') }).clientConfiguration().trustStore)).toBe(true);
    expect(() => createDefaultContext({ cafle: pki.path('root') } as never)).toThrow("createDefaultContext: unknown option 'cafle' (did you mean 'cafile'?)");
    expect(() => createDefaultContext({ cafile: pki.path('root') } as never, {})).toThrow('createDefaultContext: options given twice: pass (options) or (purpose, options)');
  });

  it('createDefaultContext: a purpose that is not a Purpose is refused, naming the valid ones (was: a server context)', () => {
    expect(() => createDefaultContext('serverAuth' as never)).toThrow(new ConfigurationError("createDefaultContext: purpose 'serverAuth' is not a Purpose (did you mean Purpose.SERVER_AUTH?)"));
    expect(() => createDefaultContext('client' as never)).toThrow("createDefaultContext: purpose 'client' is not a Purpose (it takes Purpose.SERVER_AUTH or Purpose.CLIENT_AUTH, or an options object)");
    expect(() => createDefaultContext(1 as never)).toThrow('createDefaultContext: purpose 1 is not a Purpose (it takes Purpose.SERVER_AUTH or Purpose.CLIENT_AUTH, or an options object)');
    expect(createDefaultContext(Purpose.CLIENT_AUTH).protocol).toBe(17);
  });

  it.each([
    ['rejectUnauthorised', 'rejectUnauthorized'],
    ['minVerison', 'minVersion'],
    ['servrname', 'servername'],
    ['ALPNprotocols', 'ALPNProtocols'],
  ])('node:tls connect option %s: UnsupportedOptionError, did you mean %s', (name, close) => {
    let error: unknown;
    try {
      fromNodeConnectOptions({ host: 'example.org', port: 443, [name]: 'x' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(UnsupportedOptionError);
    expect((error as Error).message).toBe(`node:tls option "${name}": unknown option (did you mean "${close}"?)`);
  });

  it('a server option misspelt, and a name like none keeps the "not supported" reason', () => {
    expect(() => fromNodeServerOptions({ requestCrt: true })).toThrow('node:tls option "requestCrt": unknown option (did you mean "requestCert"?)');
    expect(() => fromNodeConnectOptions({ port: 443, frobnicate: 1 })).toThrow('node:tls option "frobnicate": not supported by @unitls/ssl-compat');
  });
});
