/**
 * SSLContext and createDefaultContext given what an untyped (JavaScript, or `as any`) caller
 * passes by mistake: each is refused with Python's kind of error, naming the argument, before it
 * does harm. Before: a number as cafile/certfile/keyfile was read as a file descriptor (an open
 * one was read; fd 1 or 2 on a terminal blocks), a cadata object was dropped without a word, the
 * string 'h2' offered the ALPN names 'h' and '2', a server's verifyMode '2' (a string) asked for no
 * client certificate.
 */
import { closeSync, openSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '@unitls/tls-core';
import { CERT_REQUIRED, PROTOCOL_TLS_CLIENT, PROTOCOL_TLS_SERVER, Purpose, SSLContext, UnsupportedOptionError, connect, createDefaultContext, fromNodeConnectOptions } from '@unitls/ssl-compat';
import { pki } from '../support/fixtures.js';

/** Runs `use` with an open descriptor of the root certificate's PEM file (what an fd would read). */
function withRootFd(use: (fd: number) => void): void {
  const fd = openSync(pki.path('root'), 'r');
  try {
    use(fd);
  } finally {
    closeSync(fd);
  }
}

describe('ssl-compat SSLContext: arguments of the wrong type', () => {
  it('a number as cafile, capath, certfile or keyfile: TypeError, never read as a file descriptor', () => {
    withRootFd((fd) => {
      expect(() => new SSLContext().loadVerifyLocations(fd as never)).toThrow(new TypeError(`loadVerifyLocations: cafile should be a filesystem path (a string), got ${fd} (a number would be read as a file descriptor)`));
      expect(() => new SSLContext().loadVerifyLocations(null, fd as never)).toThrow(/capath should be a filesystem path/);
      expect(() => createDefaultContext(Purpose.SERVER_AUTH, { cafile: fd as never })).toThrow(TypeError);
      const server = new SSLContext(PROTOCOL_TLS_SERVER);
      expect(() => server.loadCertChain(fd as never)).toThrow(/loadCertChain: certfile should be a filesystem path/);
      expect(() => server.loadCertChain(pki.path('server-ec'), fd as never)).toThrow(/loadCertChain: keyfile should be a filesystem path/);
    });
  });

  // Review 9: '' counted as given ({ cafile: '' } threw, { cadata: '' } built an empty store that
  // refused every peer); Python's `if cafile or capath or cadata` loads the system store instead.
  it.each([{ cafile: '' }, { capath: '' }, { cadata: '' }, { cadata: new Uint8Array(0) }])('createDefaultContext(%o): empty means not given, the system store is used (Python)', (options) => {
    const expected = createDefaultContext().clientConfiguration().trustStore;
    expect(expected).not.toBeNull();
    expect(createDefaultContext(options as never).clientConfiguration().trustStore).toEqual(expected);
  });

  it('loadVerifyLocations with an empty cadata refuses it (Python: "Empty certificate data")', () => {
    expect(() => new SSLContext().loadVerifyLocations(null, null, '')).toThrow(/cadata is empty/);
    expect(() => new SSLContext().loadVerifyLocations(null, null, new Uint8Array(0))).toThrow(ConfigurationError);
  });

  it('a file: URL is a path', () => {
    const ssl = new SSLContext(PROTOCOL_TLS_CLIENT);
    ssl.loadVerifyLocations(pathToFileURL(pki.path('root')));
    expect(ssl.clientConfiguration().trustStore).not.toBeNull();
  });

  it.each([
    ['a number', 5, '5'],
    ['an object', { pem: 'x' }, 'an object ({"pem":"x"})'],
  ])('cadata as %s: TypeError, not ignored', (_, cadata, described) => {
    expect(() => new SSLContext().loadVerifyLocations(null, null, cadata as never)).toThrow(
      new TypeError(`loadVerifyLocations: cadata should be PEM text (a string) or DER bytes (a Uint8Array), got ${described}`),
    );
  });

  it("setAlpnProtocols('h2'): TypeError naming ['h2'], not the names 'h' and '2'; a non-string item is refused", () => {
    expect(() => new SSLContext().setAlpnProtocols('h2')).toThrow(new TypeError(`setAlpnProtocols: protocols should be a list of names, got a string ('h2') (did you mean ["h2"]?)`));
    expect(() => new SSLContext().setAlpnProtocols([5] as never)).toThrow(new TypeError('setAlpnProtocols: each protocol should be a string, got 5'));
    expect(() => new SSLContext().setAlpnProtocols(null as never)).toThrow(new TypeError('setAlpnProtocols: protocols should be a list of names, got null'));
    const ssl = new SSLContext();
    ssl.loadVerifyLocations(pki.path('root'));
    ssl.setAlpnProtocols(new Set(['h2', 'http/1.1']));
    expect(ssl.clientConfiguration().innerProtocols).toEqual(['h2', 'http/1.1']);
  });

  it("a server's verifyMode '2' (a string) is refused, not taken as 'ask for no client certificate'", () => {
    const server = new SSLContext(PROTOCOL_TLS_SERVER);
    server.loadCertChain(pki.path('server-ec'), pki.path('server-ec', 'key'));
    server.loadVerifyLocations(pki.path('root'));
    server.verifyMode = '2' as never;
    expect(() => server.serverConfiguration()).toThrow(new ConfigurationError(`SSLContext.verifyMode: expected CERT_NONE, CERT_OPTIONAL or CERT_REQUIRED (0, 1, 2), got a string ('2')`));
    server.verifyMode = CERT_REQUIRED;
    expect(server.serverConfiguration().trustStore).not.toBeNull();
  });

  it('a minimumVersion or options of the wrong kind names the setting', () => {
    const ssl = new SSLContext();
    ssl.loadVerifyLocations(pki.path('root'));
    ssl.minimumVersion = 1.2 as never;
    expect(() => ssl.clientConfiguration()).toThrow(new ConfigurationError('SSLContext.minimumVersion: expected a TLSVersion (TLSVersion.TLSv1_2, ...), got 1.2'));
    ssl.minimumVersion = 'TLSv1.2';
    ssl.options = null as never;
    expect(() => ssl.clientConfiguration()).toThrow(new ConfigurationError('SSLContext.options: expected an integer of OP_* flags, got null'));
  });
});

// Breaker 10: `host: 5` connected to localhost and `servername: 5` verified the host instead
// (node:tls refuses both with ERR_INVALID_ARG_TYPE); node:net's string port '443' was "port is required".
describe('ssl-compat connect: host, servername and port of the wrong type', () => {
  it.each([
    ['host', { host: 5, port: 443 }, /host.*expected a string, got 5/],
    ['servername', { host: 'localhost', port: 443, servername: 5 }, /servername.*expected a string, got 5/],
    ['port', { host: 'localhost', port: 'https' }, /port.*expected a port number from 0 to 65535, got a string \('https'\)/],
    ['port', { host: 'localhost', port: 70000 }, /port.*expected a port number from 0 to 65535, got 70000/],
  ])('%s in %o is refused, naming it', (_, options, message) => {
    expect(() => fromNodeConnectOptions(options)).toThrow(UnsupportedOptionError);
    expect(() => fromNodeConnectOptions(options)).toThrow(message);
  });

  it("takes node:net's string port and an absent host or servername as before", () => {
    expect(fromNodeConnectOptions({ host: 'example.org', port: '443' })).toMatchObject({ host: 'example.org', port: 443, serverHostname: 'example.org' });
    expect(fromNodeConnectOptions({ port: 443, host: null, servername: '' })).toMatchObject({ host: 'localhost', port: 443, serverHostname: 'localhost' });
  });

  it("connect({ host: 5 }) throws the error instead of connecting to localhost", () => {
    expect(() => connect({ host: 5 as never, port: 1 })).toThrow(UnsupportedOptionError);
    expect(() => connect({ host: 5 as never, port: 1 })).toThrow(/host/);
  });
});
