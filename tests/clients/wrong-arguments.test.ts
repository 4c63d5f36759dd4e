/**
 * Wrong arguments, as a caller in JavaScript (or with `any`) passes them, to every client's
 * constructor and to HTTPSConnection's methods: each is the client's own typed error, thrown at
 * once with nothing opened, naming the argument, what it got and what it takes.
 *
 * Before: new SMTP('mail.example.org') (a string, not options), { port: '25' }, { security: 'tls' },
 * { implementation: {} }, { signal: 'x' }, { transport: 5 } and the like were accepted, failing later
 * with a TypeError from deep inside or never (a string port connected to 25, 'tls' meant STARTTLS);
 * new SMTP(null) threw "Cannot read properties of null"; HTTPSConnection(5),
 * request('GET', '/', undefined, { a: 5 }), putheader('X', 5), setTunnel(5) and createDispatcher({
 * implementation: {} }) threw TypeErrors or were accepted.
 */
import { describe, expect, it } from 'vitest';
import { SMTP, SMTP_SSL, SMTPUsageError } from '@unitls/smtp';
import { IMAP4, IMAP4_SSL, IMAP4UsageError } from '@unitls/imap';
import { POP3, POP3_SSL, POP3UsageError } from '@unitls/pop';
import { FTP, FTP_TLS, FTPUsageError } from '@unitls/ftp';
import { HTTPConnection, HTTPException, HTTPSConnection, createDispatcher } from '@unitls/http';
import { implementation } from '@unitls/tls-node';
import { clientConfig, pki } from '../support/fixtures.js';
import { useScriptedServers } from '../support/scripted-server.js';
import { upgradeDialogue, type UpgradingProtocol } from '../support/upgrade-dialogues.js';

// Deliberately untyped: what a JavaScript caller can pass.
type Loose = new (options?: unknown) => unknown;
const CLIENTS: ReadonlyArray<readonly [string, Loose, new (...args: never[]) => Error]> = [
  ['SMTP', SMTP as unknown as Loose, SMTPUsageError],
  ['SMTP_SSL', SMTP_SSL as unknown as Loose, SMTPUsageError],
  ['IMAP4', IMAP4 as unknown as Loose, IMAP4UsageError],
  ['IMAP4_SSL', IMAP4_SSL as unknown as Loose, IMAP4UsageError],
  ['POP3', POP3 as unknown as Loose, POP3UsageError],
  ['POP3_SSL', POP3_SSL as unknown as Loose, POP3UsageError],
  ['FTP', FTP as unknown as Loose, FTPUsageError],
  ['FTP_TLS', FTP_TLS as unknown as Loose, FTPUsageError],
];

/** Each wrong options value and what the message must say. */
const WRONG_OPTIONS: ReadonlyArray<readonly [string, unknown, RegExp]> = [
  ['a host string in place of the options', 'mail.example.org', /the options must be an object, such as new \w+\(\{ host: 'mail\.example\.org' \}\), got "mail\.example\.org"/],
  ['null options', null, /the options must be an object.*got null/],
  ['a numeric host', { host: 5 }, /host must be a non-empty string.*got 5/],
  ['an empty host', { host: '' }, /host must be a non-empty string.*got ""/],
  ['a port as a string', { port: '25' }, /port must be an integer from 0 to 65535 \(a number, not a string\), got "25"/],
  ['a port out of range', { port: 70_000 }, /port must be an integer from 0 to 65535.*got 70000/],
  ['an unknown security', { security: 'tls' }, /security must be one of 'implicit', 'starttls', .*got "tls"/],
  ['an implementation that is not one', { implementation: {} }, /implementation must be a unitls TLSImplementation \(import \{ implementation \} from '@unitls\/tls-openssl', say\), got \{\}/],
  ['a configuration that is a plain object', { configuration: { trustStore: 'ca.pem' } }, /configuration must be a TLSClientConfiguration \(new TLSClientConfiguration/],
  ['a serverHostname that is not a string', { serverHostname: 5 }, /serverHostname must be .*a non-empty string.*got 5/],
  ['a signal that is not an AbortSignal', { signal: 'x' }, /signal must be an AbortSignal.*got "x"/],
  ['a transport that is not a function', { transport: 5 }, /transport must be a function.*got 5/],
  ['a timeout as a string', { timeout: '10' }, /timeout must be a non-negative number of milliseconds.*got "10"/],
];

describe.each(CLIENTS)('new %s(...) with wrong options', (name, Client, UsageError) => {
  it.each(WRONG_OPTIONS)('%s: the usage error, naming the option', (_label, options, says) => {
    let error: unknown;
    try {
      new Client(options);
    } catch (e) {
      error = e;
    }
    expect(error, String(error)).toBeInstanceOf(UsageError);
    expect((error as Error).message).toMatch(says);
    if (typeof options !== 'object' || options === null || !('timeout' in options)) expect((error as Error).message.startsWith(`${name}: `)).toBe(true);
  });

  it('right options of every shared kind are accepted', () => {
    const signal = new AbortController().signal;
    expect(() => new Client({ host: 'mail.example.org', port: 0, implementation, configuration: clientConfig(), serverHostname: 'mail.example.org', signal, transport: async () => null, timeout: 5 })).not.toThrow();
    expect(() => new Client()).not.toThrow();
  });
});

describe('HTTPSConnection, HTTPConnection and createDispatcher with wrong arguments', () => {
  const invalid = (f: () => unknown, says: RegExp): void => {
    let error: unknown;
    try {
      f();
    } catch (e) {
      error = e;
    }
    expect(error, String(error)).toBeInstanceOf(HTTPException);
    expect(error).toMatchObject({ code: 'UNITLS_HTTP_INVALID_ARGUMENT' });
    expect((error as Error).message).toMatch(says);
  };
  const loose = (value: unknown) => value as never;

  it('constructors: host, options and each option checked at once', () => {
    invalid(() => new HTTPSConnection(loose(5)), /^HTTPSConnection: the host must be a string \('example\.org', or 'example\.org:8443'\), got 5$/);
    invalid(() => new HTTPSConnection(loose(undefined)), /the host must be a string.*got undefined/);
    invalid(() => new HTTPSConnection('example.org', loose(443)), /^HTTPSConnection: options must be an object \(\{ port: 8443, timeout: 10_000 \}\), got 443$/);
    invalid(() => new HTTPSConnection('example.org', { timeout: loose('10') }), /timeout \(milliseconds\) must be a finite number >= 0, got "10"/);
    invalid(() => new HTTPSConnection('example.org', { timeout: Infinity }), /timeout \(milliseconds\) must be a finite number >= 0, got null/);
    invalid(() => new HTTPConnection('example.org', { maxHeaderSize: loose('16k') }), /^HTTPConnection: maxHeaderSize \(bytes\) must be a finite number >= 0, got "16k"$/);
    invalid(() => new HTTPSConnection('example.org', { signal: loose({}) }), /signal must be an AbortSignal/);
    invalid(() => new HTTPSConnection('example.org', { implementation: loose({}) }), /^HTTPSConnection: implementation must be a unitls TLSImplementation/);
    invalid(() => new HTTPSConnection('example.org', { configuration: loose({ trustStore: 'ca.pem' }) }), /^HTTPSConnection: configuration must be a TLSClientConfiguration/);
    invalid(() => new HTTPSConnection('example.org', { serverHostname: loose(5) }), /^HTTPSConnection: serverHostname must be a string/);
    // A port option of the wrong type or range is an argument error like the others (README "Bad
    // input"), named with the class (trial 6: UNITLS_HTTP_INVALID_URL without "HTTPSConnection:").
    invalid(() => new HTTPSConnection('example.org', { port: loose('443') }), /^HTTPSConnection: port must be an integer from 0 to 65535 \(a number, such as 8443\), got "443"$/);
    invalid(() => new HTTPSConnection('x', { port: loose('abc') }), /^HTTPSConnection: port must be .*, got "abc"$/);
    invalid(() => new HTTPSConnection('x', { port: 1.5 }), /^HTTPSConnection: port must be .*, got 1\.5$/);
    invalid(() => new HTTPConnection('x', { port: 70000 }), /^HTTPConnection: port must be .*, got 70000$/);
  });

  it('request building: method, URL, header values, body and headers', async () => {
    await using connection = new HTTPSConnection('127.0.0.1', { port: 9 });
    invalid(() => connection.request(loose(5), '/'), /^the method must be a string, got 5$/);
    invalid(() => connection.request('GET', loose(5)), /^the URL must be a string, got 5$/);
    invalid(() => connection.request('POST', '/', loose(5)), /^request: body must be a string or a Uint8Array \(Buffer\), got 5$/);
    invalid(() => connection.request('POST', '/', loose({ json: true })), /request: body must be a string or a Uint8Array/);
    invalid(() => connection.request('GET', '/', undefined, loose('Accept: */*')), /^request: headers must be an object/);
    invalid(() => connection.request('GET', '/', undefined, loose({ 'X-Count': 5 })), /^header X-Count must be a string, got 5$/);
    // Nothing was left half-built: a right request goes through putrequest from the start.
    connection.putrequest('GET', '/');
    invalid(() => connection.putheader('X-Count', loose(5)), /^header X-Count must be a string, got 5$/);
    invalid(() => connection.send(loose(undefined)), /^send: data must be a string or a Uint8Array/);
    invalid(() => connection.endheaders(loose(5)), /^endheaders: body must be a string or a Uint8Array/);
  });

  it('setTunnel and createDispatcher', () => {
    invalid(() => new HTTPSConnection('proxy.example').setTunnel(loose(5)), /^the tunnel host must be a string, got 5$/);
    invalid(() => new HTTPSConnection('proxy.example').setTunnel('example.org', 443, loose('Proxy-Authorization: x')), /^setTunnel: headers must be an object/);
    invalid(() => new HTTPSConnection('proxy.example').setTunnel('example.org', 443, {}, { proxyTLS: loose({ implementation: {} }) }), /^setTunnel: proxyTLS: implementation must be a unitls TLSImplementation/);
    expect(() => new HTTPSConnection('proxy.example').setTunnel('example.org', loose('443'))).toThrow(/invalid tunnel port "443": a number from 1 to 65535/);
    invalid(() => createDispatcher(loose('tls-openssl')), /^createDispatcher: options must be an object/);
    invalid(() => createDispatcher({ implementation: loose({}) }), /^createDispatcher: implementation must be a unitls TLSImplementation/);
    invalid(() => createDispatcher({ configuration: loose({}) }), /^createDispatcher: configuration must be a TLSClientConfiguration/);
    invalid(() => createDispatcher({ connectTimeout: loose('10s') }), /^createDispatcher: connectTimeout \(milliseconds\) must be a finite number >= 0, got "10s"$/);
  });
});

describe("a call's `signal` option that is not an AbortSignal, on a connected client", () => {
  const scripted = useScriptedServers();
  const dialogue = (protocol: UpgradingProtocol) => upgradeDialogue(protocol, pki.pem('server-ec', 'chain.crt'), pki.pem('server-ec', 'key'));
  const wrong = { signal: 'soon' } as never;
  const options = (port: number) => ({ host: '127.0.0.1', port, security: 'plaintext', timeout: 10_000 }) as const;

  // Before: the call threw a TypeError ("signal.addEventListener is not a function"), the
  // operation's deadline kept the string, and close() then threw a TypeError too.
  it.each([
    ['SMTP', 'smtp', SMTPUsageError],
    ['IMAP4', 'imap', IMAP4UsageError],
  ] as const)('%s: the usage error before anything is sent; the connection still works', async (_name, protocol, UsageError) => {
    const server = await scripted(dialogue(protocol));
    const client = protocol === 'smtp' ? new SMTP({ ...options(server.port), localHostname: 'client.test' }) : new IMAP4(options(server.port));
    await client.connect();
    const error = await client.noop(wrong).catch((e: unknown) => e);
    expect(error, String(error)).toBeInstanceOf(UsageError);
    expect((error as Error).message).toMatch(/^the signal option of noop\(\) must be an AbortSignal .*got a string; nothing was sent$/);
    await expect(client.noop()).resolves.toBeDefined();
    await (client instanceof SMTP ? client.quit() : client.logout());
    await server.done();
    expect(server.lines.filter((line) => /NOOP/i.test(line))).toHaveLength(1);
  });

  // POP3 and FTP have no call gate: their core has taken the command when the operation starts, so
  // the connection is not reusable after this mistake; what is asserted is the typed error and a
  // close() that works.
  it.each([
    ['POP3', 'pop', POP3UsageError],
    ['FTP', 'ftp', FTPUsageError],
  ] as const)('%s: the usage error, and close() still works', async (_name, protocol, UsageError) => {
    const server = await scripted(dialogue(protocol));
    const client = protocol === 'pop' ? new POP3(options(server.port)) : new FTP({ host: '127.0.0.1', port: server.port, timeout: 10_000 });
    await client.connect();
    const error = await (client instanceof POP3 ? client.capa(wrong) : client.voidcmd('NOOP', wrong)).catch((e: unknown) => e);
    expect(error, String(error)).toBeInstanceOf(UsageError);
    expect((error as Error).message).toMatch(/^the signal option must be an AbortSignal .*got a string$/);
    await expect(client.close()).resolves.toBeUndefined();
  });
});
