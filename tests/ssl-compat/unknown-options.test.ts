/**
 * Option names ssl-compat does not take are refused, naming the one they resemble: before, a
 * misspelt `cafle` made createDefaultContext use the system store without a word, and a misspelt
 * node:tls option was refused as merely "not supported".
 */
import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '@unitls/tls-core';
import { once } from 'node:events';
import { PROTOCOL_TLS_CLIENT, Purpose, SSLError, UnsupportedOptionError, connect, createDefaultContext, fromNodeConnectOptions, fromNodeServerOptions } from '@unitls/ssl-compat';
import { silentServer } from '../support/silent-server.js';
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

// ux16: connect() emitted its argument errors as 'error' a tick later, where node:tls throws them:
// the try/catch of code migrated from tls.connect missed them, and with no 'error' listener the
// process died of an unhandled 'error' event.
describe('ssl-compat connect(): argument errors throw at once, as node:tls', () => {
  it('a misspelt option: UnsupportedOptionError thrown by the call, naming the option it resembles', () => {
    let error: unknown;
    try {
      connect({ host: '127.0.0.1', port: 1, rejectUnauthorised: false });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(UnsupportedOptionError);
    expect((error as Error).message).toBe('node:tls option "rejectUnauthorised": unknown option (did you mean "rejectUnauthorized"?)');
  });

  it.each([
    ['rejectUnauthorized: false', { rejectUnauthorized: false }, UnsupportedOptionError],
    ['a bad minVersion', { minVersion: 'TLSv1.5' }, UnsupportedOptionError],
    ['a cipher string matching nothing', { ciphers: 'NOPE' }, Error],
    ['no port', { port: undefined }, TypeError],
    ['a signal that is not an AbortSignal', { signal: 5 }, TypeError],
    ['key material that is not PEM', { cert: 'garbage', key: 'garbage' }, SSLError],
  ])('%s: thrown, no socket made', (_, extra, kind) => {
    expect(() => connect({ host: '127.0.0.1', port: 1, ...extra })).toThrow(kind as never);
  });

  it('network failures still come as an event, and an already-aborted signal too (as node:tls)', async () => {
    const probe = await silentServer();
    const port = probe.port;
    await probe.close();
    const refused = connect({ host: '127.0.0.1', port });
    const [error] = (await once(refused, 'error')) as [Error & { code?: string }];
    expect(error.code).toBe('ECONNREFUSED');
    const reason = new Error('already');
    const aborted = connect({ host: '127.0.0.1', port, signal: AbortSignal.abort(reason) });
    expect((await once(aborted, 'error'))[0]).toBe(reason);
  });
});
