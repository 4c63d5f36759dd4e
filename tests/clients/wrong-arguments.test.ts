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
 *
 * Session 7: a misspelled option name ({ timout: 5 }, { limits: { maxLineLenght: 9 } }, a call's
 * { sginal }) was ignored, so it silently meant the default; each is now the usage error naming
 * the name and the one it resembles. A call's options (unknown name, a signal that is not one, a
 * value of the wrong kind, not an object) are refused before anything is sent on every verb of
 * every client, and the connection works afterwards (POP3 and FTP were left unusable: their core
 * had taken the command). HTTPSConnection getresponse({ signal: 'nope' }) ignored its argument and
 * sent the request (ECONNREFUSED with no server); it is now the argument error, nothing sent.
 */
import { once } from 'node:events';
import * as https from 'node:https';
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
  ['a host string in place of the options', 'mail.example.org', /the options must be an object, such as new \w+\(\{ host: 'mail\.example\.org' \}\), got a string \('mail\.example\.org'\)/],
  ['null options', null, /the options must be an object.*got null/],
  ['a numeric host', { host: 5 }, /host must be a non-empty string.*got 5/],
  ['an empty host', { host: '' }, /host must be a non-empty string.*got a string \(''\)/],
  ['a port as a string', { port: '25' }, /port must be an integer from 0 to 65535 \(a number, not a string\), got a string \('25'\)/],
  ['a port out of range', { port: 70_000 }, /port must be an integer from 0 to 65535.*got 70000/],
  ['an unknown security', { security: 'tls' }, /security must be one of 'implicit', 'starttls', .*got a string \('tls'\)/],
  ['an implementation that is not one', { implementation: {} }, /implementation must be a unitls TLSImplementation \(import \{ implementation \} from '@unitls\/tls-openssl', say\), got an object \(\{\}\)/],
  ['a configuration that is a plain object', { configuration: { trustStore: 'ca.pem' } }, /configuration must be a TLSClientConfiguration \(new TLSClientConfiguration/],
  ['a serverHostname that is not a string', { serverHostname: 5 }, /serverHostname must be .*a non-empty string.*got 5/],
  ['a signal that is not an AbortSignal', { signal: 'x' }, /signal must be an AbortSignal.*got a string \('x'\)/],
  ['a transport that is not a function', { transport: 5 }, /transport must be a function.*got 5/],
  ['a timeout as a string', { timeout: '10' }, /timeout must be a non-negative number of milliseconds.*got a string \('10'\)/],
];

/** The TLS options plain FTP does not take (it never speaks TLS: FTP_TLS does). */
const TLS_ONLY = ['security', 'implementation', 'configuration', 'serverHostname'];

describe.each(CLIENTS)('new %s(...) with wrong options', (name, Client, UsageError) => {
  const thrown = (options: unknown): Error => {
    let error: unknown;
    try {
      new Client(options);
    } catch (e) {
      error = e;
    }
    expect(error, String(error)).toBeInstanceOf(UsageError);
    return error as Error;
  };

  it.each(WRONG_OPTIONS)('%s: the usage error, naming the option', (_label, options, says) => {
    const key = typeof options === 'object' && options !== null ? Object.keys(options)[0] : undefined;
    const message = thrown(options).message;
    // Plain FTP takes no TLS option at all: the name itself is refused.
    if (name === 'FTP' && key !== undefined && TLS_ONLY.includes(key)) expect(message).toMatch(new RegExp(`^FTP: unknown option '${key}' \\(it takes 'host', `));
    else expect(message).toMatch(says);
    if (typeof options !== 'object' || options === null || !('timeout' in options)) expect(message.startsWith(`${name}: `)).toBe(true);
  });

  // Before: ignored, so { timout: 5 } silently meant the default timeout of 30 s.
  it.each([
    ['a misspelled name', { timout: 5 }, `^${name}: unknown option 'timout' \\(did you mean 'timeout'\\?\\)$`],
    ['a name in the wrong case', { Timeout: 5 }, `^${name}: unknown option 'Timeout' \\(did you mean 'timeout'\\?\\)$`],
    ['two letters swapped', { siganl: new AbortController().signal }, `^${name}: unknown option 'siganl' \\(did you mean 'signal'\\?\\)$`],
    ['a name like none', { verbose: true }, `^${name}: unknown option 'verbose' \\(it takes 'host', 'port', .*'timeout'.*\\)$`],
    ['a misspelled limit', { limits: { maxLineLenght: 100 } }, `^${name}: unknown option 'limits\\.maxLineLenght' \\(did you mean 'limits\\.maxLineLength'\\?\\)$`],
    ['limits that are not an object', { limits: 100 }, `^${name}: limits must be an object, such as \\{ maxLineLength: 8192 \\}, got 100$`],
    // Before: a string compared as text, a negative or NaN bound refused or allowed every line.
    ['a limit given as a string', { limits: { maxLineLength: '8192' } }, `^${name}: limits\\.maxLineLength must be a positive integer \\(a number, not a string\\), got a string \\('8192'\\)$`],
    ['a limit of 0', { limits: { maxLineLength: 0 } }, `^${name}: limits\\.maxLineLength must be a positive integer`],
    ['a negative limit', { limits: { maxLineLength: -1 } }, `^${name}: limits\\.maxLineLength must be a positive integer`],
    ['a limit that is NaN', { limits: { maxLineLength: Number.NaN } }, `^${name}: limits\\.maxLineLength must be a positive integer \\(a number, not a string\\), got NaN$`],
    ['a fractional limit', { limits: { maxLineLength: 10.5 } }, `^${name}: limits\\.maxLineLength must be a positive integer`],
  ] as const)('%s: the usage error naming it and the option it resembles', (_label, options, says) => {
    expect(thrown(options).message).toMatch(new RegExp(says));
  });

  it('right options of every shared kind are accepted', () => {
    const signal = new AbortController().signal;
    const tls = name === 'FTP' ? {} : { implementation, configuration: clientConfig(), serverHostname: 'mail.example.org' };
    expect(() => new Client({ host: 'mail.example.org', port: 0, ...tls, signal, transport: async () => null, timeout: 5, limits: { maxLineLength: 100 } })).not.toThrow();
    expect(() => new Client()).not.toThrow();
  });
});

describe('every option name a client documents is accepted', () => {
  // The lists follow the options interfaces (optionNames() type-checks them); this guards the
  // deprecated and client-specific names that a caller may still pass.
  it.each([
    ['SMTP', () => new SMTP({ allowPlaintextAuth: true, localHostname: 'client.test', debuglevel: 0, debugOutput: () => {}, limits: { maxLineLength: 100, maxLines: 10, maxScramIterations: 4096 } })],
    ['IMAP4', () => new IMAP4({ allowPlaintextAuth: true, limits: { maxLineLength: 100, maxLiteralSize: 100, maxResponseSize: 100, maxDepth: 10, maxResultSize: 100, maxScramIterations: 4096 } })],
    ['POP3', () => new POP3({ security: 'stls', allowPlaintextAuth: true, maxLineLength: 100, limits: { maxLineLength: 100, maxContentLineLength: 100, maxMessageSize: 100, maxListingSize: 100, maxScramIterations: 4096 } })],
    ['FTP', () => new FTP({ passive: false, trustPasvHost: false, allowPlaintextAuth: true, maxLineLength: 100, maxReplySize: 1000, limits: { maxLineLength: 100, maxReplySize: 1000, maxListingSize: 100, minTransferRate: 0 } })],
    ['FTP_TLS', () => new FTP_TLS({ implicit: true, dataProtection: 'clear', passive: true, implementation, configuration: clientConfig(), serverHostname: 'ftp.example.org' })],
  ] as const)('%s', (_name, make) => {
    expect(make).not.toThrow();
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
    invalid(() => new HTTPSConnection('example.org', { timeout: loose('10') }), /timeout \(milliseconds\) must be a finite number >= 0, got a string \('10'\)/);
    invalid(() => new HTTPSConnection('example.org', { timeout: Infinity }), /timeout \(milliseconds\) must be a finite number >= 0, got Infinity/);
    invalid(() => new HTTPConnection('example.org', { maxHeaderSize: loose('16k') }), /^HTTPConnection: maxHeaderSize \(bytes\) must be a finite number >= 0, got a string \('16k'\)$/);
    invalid(() => new HTTPSConnection('example.org', { signal: loose({}) }), /signal must be an AbortSignal/);
    invalid(() => new HTTPSConnection('example.org', { implementation: loose({}) }), /^HTTPSConnection: implementation must be a unitls TLSImplementation/);
    invalid(() => new HTTPSConnection('example.org', { configuration: loose({ trustStore: 'ca.pem' }) }), /^HTTPSConnection: configuration must be a TLSClientConfiguration/);
    invalid(() => new HTTPSConnection('example.org', { serverHostname: loose(5) }), /^HTTPSConnection: serverHostname must be a string/);
    // A port option of the wrong type or range is an argument error like the others (README "Bad
    // input"), named with the class (trial 6: UNITLS_HTTP_INVALID_URL without "HTTPSConnection:").
    invalid(() => new HTTPSConnection('example.org', { port: loose('443') }), /^HTTPSConnection: port must be an integer from 0 to 65535 \(a number, such as 8443\), got a string \('443'\)$/);
    invalid(() => new HTTPSConnection('x', { port: loose('abc') }), /^HTTPSConnection: port must be .*, got a string \('abc'\)$/);
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
    invalid(() => createDispatcher({ connectTimeout: loose('10s') }), /^createDispatcher: connectTimeout \(milliseconds\) must be a finite number >= 0, got a string \('10s'\)$/);
  });
});

/** A verb called with `options` in its options position; the name its messages use. */
type Verb<C> = readonly [name: string, call: (client: C, options: never) => Promise<unknown> | AsyncIterator<unknown>];

/** What each wrong options value must be refused with, `name` being the verb. */
const WRONG_CALL_OPTIONS: ReadonlyArray<readonly [string, unknown, (name: string) => RegExp]> = [
  ['a misspelled name', { sginal: new AbortController().signal }, (name) => new RegExp(`^unknown option 'sginal' of ${name}\\(\\) \\(did you mean 'signal'\\?\\); nothing was sent$`)],
  ['a signal that is not an AbortSignal', { signal: 'soon' }, (name) => new RegExp(`^the signal option of ${name}\\(\\) must be an AbortSignal \\(.*\\), got a string \\('soon'\\); nothing was sent$`)],
  ['options that are not an object', 5, (name) => new RegExp(`^the options of ${name}\\(\\) must be an object such as \\{ signal \\}, got 5; nothing was sent$`)],
  ['an AbortSignal in place of the options', new AbortController().signal, (name) => new RegExp(`^the options of ${name}\\(\\) must be an object such as \\{ signal \\}, got an AbortSignal itself: pass \\{ signal \\}; nothing was sent$`)],
];

const SMTP_VERBS: ReadonlyArray<Verb<SMTP>> = [
  ['connect', (c, o) => c.connect(undefined, undefined, o)],
  ['getreply', (c, o) => c.getreply(o)],
  ['docmd', (c, o) => c.docmd('NOOP', o)],
  ['ehlo', (c, o) => c.ehlo(undefined, o)],
  ['helo', (c, o) => c.helo(undefined, o)],
  ['ehloOrHeloIfNeeded', (c, o) => c.ehloOrHeloIfNeeded(o)],
  ['starttls', (c, o) => c.starttls(o)],
  ['auth', (c, o) => c.auth('PLAIN', { user: 'u', password: 'p' }, o)],
  ['login', (c, o) => c.login('u', 'p', o)],
  ['mail', (c, o) => c.mail('a@example.org', [], o)],
  ['rcpt', (c, o) => c.rcpt('b@example.org', [], o)],
  ['data', (c, o) => c.data('Subject: x\r\n\r\nx\r\n', o)],
  ['bdat', (c, o) => c.bdat('x', o)],
  ['rset', (c, o) => c.rset(o)],
  ['noop', (c, o) => c.noop(o)],
  ['verify', (c, o) => c.verify('a', o)],
  ['sendmail', (c, o) => c.sendmail('a@example.org', ['b@example.org'], 'x', [], [], o)],
  ['sendMessage', (c, o) => c.sendMessage({ from: 'a@example.org', to: 'b@example.org', text: 'x' }, o)],
  ['quit', (c, o) => c.quit(o)],
];

const IMAP_VERBS: ReadonlyArray<Verb<IMAP4>> = [
  ['connect', (c, o) => c.connect(undefined, undefined, o)],
  ['capability', (c, o) => c.capability(o)],
  ['noop', (c, o) => c.noop(o)],
  ['starttls', (c, o) => c.starttls(o)],
  ['login', (c, o) => c.login('u', 'p', o)],
  ['authenticate', (c, o) => c.authenticate('PLAIN', 'u', 'p', o)],
  ['select', (c, o) => c.select('INBOX', o)],
  ['examine', (c, o) => c.examine('INBOX', o)],
  ['create', (c, o) => c.create('x', o)],
  ['delete', (c, o) => c.delete('x', o)],
  ['rename', (c, o) => c.rename('x', 'y', o)],
  ['subscribe', (c, o) => c.subscribe('x', o)],
  ['unsubscribe', (c, o) => c.unsubscribe('x', o)],
  ['list', (c, o) => c.list('', '*', o)],
  ['lsub', (c, o) => c.lsub('', '*', o)],
  ['status', (c, o) => c.status('INBOX', undefined, o)],
  ['append', (c, o) => c.append('INBOX', 'x', o)],
  ['search', (c, o) => c.search(['ALL'], undefined, o)],
  ['uidSearch', (c, o) => c.uidSearch(['ALL'], undefined, o)],
  ['fetch', (c, o) => c.fetch('1', 'FLAGS', o)],
  ['uidFetch', (c, o) => c.uidFetch('1', 'FLAGS', o)],
  ['fetchEach', (c, o) => c.fetchEach('1', 'FLAGS', () => {}, o)],
  ['uidFetchEach', (c, o) => c.uidFetchEach('1', 'FLAGS', () => {}, o)],
  ['store', (c, o) => c.store('1', '+FLAGS', ['\\Seen'], o)],
  ['uidStore', (c, o) => c.uidStore('1', '+FLAGS', ['\\Seen'], o)],
  ['copy', (c, o) => c.copy('1', 'x', false, o)],
  ['move', (c, o) => c.move('1', 'x', false, o)],
  ['expunge', (c, o) => c.expunge(o)],
  ['closeMailbox', (c, o) => c.closeMailbox(o)],
  ['namespace', (c, o) => c.namespace(o)],
  ['id', (c, o) => c.id(null, o)],
  ['enable', (c, o) => c.enable('UTF8=ACCEPT', o)],
  ['logout', (c, o) => c.logout(o)],
];

const POP3_VERBS: ReadonlyArray<Verb<POP3>> = [
  ['connect', (c, o) => c.connect(undefined, undefined, o)],
  ['capa', (c, o) => c.capa(o)],
  ['stls', (c, o) => c.stls(o)],
  ['user', (c, o) => c.user('u', o)],
  ['pass_', (c, o) => c.pass_('p', o)],
  ['apop', (c, o) => c.apop('u', 's', o)],
  ['auth', (c, o) => c.auth('PLAIN', { user: 'u', password: 'p' }, o)],
  ['authPlain', (c, o) => c.authPlain('u', 'p', o)],
  ['stat', (c, o) => c.stat(o)],
  ['list', (c, o) => c.list(undefined, o)],
  ['uidl', (c, o) => c.uidl(undefined, o)],
  ['retr', (c, o) => c.retr(1, o)],
  ['retrMany', (c, o) => c.retrMany([1, 2], o)],
  ['retrLines', (c, o) => c.retrLines(1, o)[Symbol.asyncIterator]().next()],
  ['top', (c, o) => c.top(1, 0, o)],
  ['dele', (c, o) => c.dele(1, o)],
  ['rset', (c, o) => c.rset(o)],
  ['noop', (c, o) => c.noop(o)],
  ['utf8', (c, o) => c.utf8(o)],
  ['quit', (c, o) => c.quit(o)],
];

const FTP_VERBS: ReadonlyArray<Verb<FTP_TLS>> = [
  ['connect', (c, o) => c.connect(undefined, undefined, o)],
  ['getresp', (c, o) => c.getresp(o)],
  ['voidresp', (c, o) => c.voidresp(o)],
  ['sendcmd', (c, o) => c.sendcmd('NOOP', o)],
  ['voidcmd', (c, o) => c.voidcmd('NOOP', o)],
  ['login', (c, o) => c.login('anonymous', '', '', o)],
  ['feat', (c, o) => c.feat(o)],
  ['utf8', (c, o) => c.utf8(o)],
  ['setType', (c, o) => c.setType('I', o)],
  ['cwd', (c, o) => c.cwd('/', o)],
  ['pwd', (c, o) => c.pwd(o)],
  ['mkd', (c, o) => c.mkd('x', o)],
  ['rmd', (c, o) => c.rmd('x', o)],
  ['delete', (c, o) => c.delete('x', o)],
  ['rename', (c, o) => c.rename('x', 'y', o)],
  ['size', (c, o) => c.size('x', o)],
  ['mdtm', (c, o) => c.mdtm('x', o)],
  ['mfmt', (c, o) => c.mfmt('x', new Date(0), o)],
  ['nlst', (c, o) => c.nlst('x', o)],
  ['dir', (c, o) => c.dir(o)],
  ['dir', (c, o) => c.list(o)],
  ['mlsd', (c, o) => c.mlsd('', [], o)],
  ['ntransfercmd', (c, o) => c.ntransfercmd('RETR x', undefined, o)],
  ['retrbinary', (c, o) => c.retrbinary('RETR x', () => {}, o)],
  ['retrlines', (c, o) => c.retrlines('RETR x', () => {}, o)],
  ['storbinary', (c, o) => c.storbinary('STOR x', 'data', o)],
  ['storlines', (c, o) => c.storlines('STOR x', 'data', o)],
  ['abort', (c, o) => c.abort(o)],
  ['auth', (c, o) => c.auth(o)],
  ['protP', (c, o) => c.protP(o)],
  ['protC', (c, o) => c.protC(o)],
  ['quit', (c, o) => c.quit(o)],
];

/** The rejection of a verb's call (an iterator's first step for the streaming verbs). */
async function refusal(result: Promise<unknown> | AsyncIterator<unknown>): Promise<unknown> {
  const settled = 'then' in result ? result : result.next();
  return settled.then(
    (value) => new Error(`resolved with ${JSON.stringify(value)}`),
    (error: unknown) => error,
  );
}

describe("a call's options, wrong, on every verb of a connected client: the usage error, nothing sent, the connection still works", () => {
  const scripted = useScriptedServers();
  const dialogue = (protocol: UpgradingProtocol) => upgradeDialogue(protocol, pki.pem('server-ec', 'chain.crt'), pki.pem('server-ec', 'key'));
  const options = (port: number) => ({ host: '127.0.0.1', port, security: 'plaintext', timeout: 10_000 }) as const;

  /**
   * Connects `client`, calls every verb with every wrong options value (and `extra`), then one NOOP:
   * the server must have received nothing in between but that NOOP, and it must be answered.
   */
  async function check<C>(
    protocol: UpgradingProtocol,
    make: (port: number) => C & { connect(): Promise<unknown> },
    verbs: ReadonlyArray<Verb<C>>,
    UsageError: new (...args: never[]) => Error,
    noop: (client: C) => Promise<unknown>,
    isNoop: (line: string) => boolean,
    extra: ReadonlyArray<readonly [string, (client: C) => Promise<unknown>, RegExp]> = [],
  ): Promise<void> {
    const server = await scripted(dialogue(protocol));
    const client = make(server.port);
    await client.connect();
    await noop(client); // every byte of the greeting and connect() read and recorded
    const before = server.lines.length;
    for (const [name, call] of verbs) {
      for (const [label, wrong, says] of WRONG_CALL_OPTIONS) {
        const error = await refusal(call(client, wrong as never));
        expect(error, `${name}() with ${label}: ${String(error)}`).toBeInstanceOf(UsageError);
        expect((error as Error).message, `${name}() with ${label}`).toMatch(says(name));
      }
    }
    for (const [label, call, says] of extra) {
      const error = await refusal(call(client));
      expect(error, `${label}: ${String(error)}`).toBeInstanceOf(UsageError);
      expect((error as Error).message, label).toMatch(says);
    }
    await expect(noop(client)).resolves.toBeDefined();
    expect(server.lines.slice(before)).toHaveLength(1);
    expect(isNoop(server.lines.at(-1)!)).toBe(true);
    await (client as unknown as { close(force?: boolean): Promise<void> }).close(true);
    await server.close();
  }

  it(`SMTP: ${SMTP_VERBS.length} verbs`, async () => {
    await check('smtp', (port) => new SMTP({ ...options(port), localHostname: 'client.test' }), SMTP_VERBS, SMTPUsageError, (c) => c.noop(), (l) => l === 'NOOP', [
      ['login accessToken', (c) => c.login('u', undefined, { accessToken: 5 } as never), /^the accessToken option of login\(\) must be a string, got 5; nothing was sent$/],
      ['sendmail binary', (c) => c.sendmail('a@example.org', 'b@example.org', 'x', [], [], { binary: 'yes' } as never), /^the binary option of sendmail\(\) must be true or false, got a string \('yes'\); nothing was sent$/],
      ['sendMessage to', (c) => c.sendMessage({ from: 'a@example.org', text: 'x' }, { to: 'b@example.org' } as never), /^the to option of sendMessage\(\) must be an array of strings, got a string \('b@example.org'\); nothing was sent$/],
      ['sendmail with sendMessage\'s option', (c) => c.sendmail('a@example.org', 'b@example.org', 'x', [], [], { from: 'c@example.org' } as never), /^unknown option 'from' of sendmail\(\) \(it takes 'signal', 'binary'\); nothing was sent$/],
    ]);
  });

  it(`IMAP4: ${IMAP_VERBS.length} verbs and idle()`, async () => {
    await check('imap', (port) => new IMAP4(options(port)), IMAP_VERBS, IMAP4UsageError, (c) => c.noop(), (l) => / NOOP$/.test(l), [
      // idle() also takes an AbortSignal itself, so only these two of the table apply.
      ['idle misspelled', (c) => c.idle({ sginal: new AbortController().signal } as never).next(), /^unknown option 'sginal' of idle\(\) \(did you mean 'signal'\?\); nothing was sent$/],
      ['idle signal', (c) => c.idle({ signal: 'soon' } as never).next(), /^the signal option of idle\(\) must be an AbortSignal .*got a string \('soon'\); nothing was sent$/],
      ['fetchEach into', (c) => c.fetchEach('1', 'FLAGS', () => {}, { into: 5 } as never), /^the option into must be a Uint8Array .*got 5; nothing was sent$/],
      ['append flags', (c) => c.append('INBOX', 'x', { flags: 'Seen' } as never), /^flags must be an array of strings .*nothing was sent$/],
      ['append with fetchEach\'s option', (c) => c.append('INBOX', 'x', { into: new Uint8Array(1) } as never), /^unknown option 'into' of append\(\) \(it takes 'signal', 'flags', 'date'\); nothing was sent$/],
    ]);
  });

  it(`POP3: ${POP3_VERBS.length} verbs (before: the core had taken the command, the connection was unusable)`, async () => {
    // CAPA as the probe: NOOP is for the TRANSACTION state.
    await check('pop', (port) => new POP3(options(port)), POP3_VERBS, POP3UsageError, (c) => c.capa(), (l) => l === 'CAPA');
  });

  it(`FTP and FTP_TLS: ${FTP_VERBS.length} verbs (before: the core had taken the command, the connection was unusable)`, async () => {
    await check('ftp', (port) => new FTP_TLS({ ...options(port), allowPlaintextAuth: true }), FTP_VERBS, FTPUsageError, (c) => c.voidcmd('NOOP'), (l) => l === 'NOOP', [
      ['retrbinary rest', (c) => c.retrbinary('RETR x', () => {}, { rest: '5' } as never), /^the rest option of retrbinary\(\) must be an integer >= 0 \(a number, not a string\), got a string \('5'\); nothing was sent$/],
      ['storbinary blocksize', (c) => c.storbinary('STOR x', 'data', { blocksize: 0 }), /^the blocksize option of storbinary\(\) must be an integer >= 1 .*got 0; nothing was sent$/],
      ['retrbinary onProgress', (c) => c.retrbinary('RETR x', () => {}, { onProgress: true } as never), /^the onProgress option of retrbinary\(\) must be a function, got a boolean \(true\); nothing was sent$/],
      ['retrlines with a transfer option', (c) => c.retrlines('RETR x', () => {}, { rest: 5 } as never), /^unknown option 'rest' of retrlines\(\) \(it takes 'signal'\); nothing was sent$/],
      ['nlst with an argument not a string', (c) => c.nlst(5 as never, 'x'), /^the arguments of nlst\(\) are strings .*argument 1 is 5; nothing was sent$/],
    ]);
  });
});

describe('HTTPSConnection: arguments a method does not take, on a live connection', () => {
  async function origin() {
    const seen: string[] = [];
    const server = https.createServer({ cert: pki.pem('server-ec', 'chain.crt'), key: pki.pem('server-ec', 'key') }, (request, response) => {
      seen.push(`${request.method} ${request.url}`);
      response.end('hello');
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    return { port: (server.address() as { port: number }).port, seen, close: () => (server.closeAllConnections(), new Promise((resolve) => server.close(resolve))) };
  }
  const invalid = async (f: () => unknown, says: RegExp): Promise<void> => {
    const error = await (async () => f())().then(
      () => null,
      (e: unknown) => e,
    );
    expect(error, String(error)).toBeInstanceOf(HTTPException);
    expect(error).toMatchObject({ code: 'UNITLS_HTTP_INVALID_ARGUMENT' });
    expect((error as Error).message).toMatch(says);
  };

  // Before: getresponse ignored its argument and sent the request (with no server: ECONNREFUSED).
  it("getresponse({ signal: 'nope' }): the argument error, nothing sent; the request then goes with getresponse()", async () => {
    const server = await origin();
    try {
      await using connection = new HTTPSConnection('localhost', { port: server.port, configuration: clientConfig() });
      connection.request('GET', '/one');
      await invalid(() => (connection.getresponse as (o: unknown) => unknown)({ signal: 'nope' }), /^getresponse\(\) takes no arguments, got 1: a signal or a timeout goes in the connection's options .*; nothing was sent$/);
      expect(server.seen).toEqual([]);
      const response = await connection.getresponse();
      expect([response.status, Buffer.from(await response.read()).toString()]).toEqual([200, 'hello']);
      expect(server.seen).toEqual(['GET /one']);
    } finally {
      await server.close();
    }
  });

  it('request, putrequest, endheaders, send and setTunnel: one argument too many is refused, nothing kept', async () => {
    await using connection = new HTTPSConnection('127.0.0.1', { port: 9 });
    const loose = connection as unknown as Record<string, (...args: unknown[]) => unknown>;
    await invalid(() => loose.request!.call(connection, 'GET', '/', undefined, {}, { signal: AbortSignal.timeout(5) }), /^request\(method, url, body, headers\) takes at most 4 arguments, got 5: a signal or a timeout goes in the connection's options; nothing was sent$/);
    await invalid(() => loose.putrequest!.call(connection, 'GET', '/', true), /^putrequest\(method, url\) takes at most 2 arguments, got 3; nothing was sent$/);
    connection.putrequest('GET', '/');
    await invalid(() => loose.send!.call(connection, 'x', { signal: 'nope' }), /^send\(data\) takes at most 1 argument, got 2; nothing was sent$/);
    await invalid(() => loose.endheaders!.call(connection, undefined, { signal: 'nope' }), /^endheaders\(body\) takes at most 1 argument, got 2; nothing was sent$/);
    connection.endheaders();
    await invalid(() => new HTTPSConnection('proxy.example').setTunnel('example.org', 443, {}, { proxyTls: true } as never), /^setTunnel: unknown option 'proxyTls' \(did you mean 'proxyTLS'\?\)$/);
    await invalid(() => new HTTPSConnection('proxy.example').setTunnel('example.org', 443, {}, { proxyTLS: { serverName: 'x' } as never }), /^setTunnel: proxyTLS: unknown option 'serverName' \(it takes 'implementation', 'configuration', 'serverHostname'\)$/);
    await invalid(() => (new HTTPSConnection('proxy.example').setTunnel as (...a: unknown[]) => void)('example.org', 443, {}, {}, 5), /^setTunnel\(host, port, headers, options\) takes at most 4 arguments, got 5; nothing was sent$/);
  });

  it('constructors and createDispatcher: a misspelled option name is refused, naming the one it resembles', async () => {
    await invalid(() => new HTTPSConnection('example.org', { timout: 5 } as never), /^HTTPSConnection: unknown option 'timout' \(did you mean 'timeout'\?\)$/);
    await invalid(() => new HTTPConnection('example.org', { maxHeaderSise: 5 } as never), /^HTTPConnection: unknown option 'maxHeaderSise' \(did you mean 'maxHeaderSize'\?\)$/);
    // HTTPConnection never speaks TLS: its TLS options were silently ignored.
    await invalid(() => new HTTPConnection('example.org', { implementation } as never), /^HTTPConnection: unknown option 'implementation' \(it takes 'port', 'timeout', 'signal', 'maxHeaderSize'\)$/);
    await invalid(() => createDispatcher({ conectTimeout: 5 } as never), /^createDispatcher: unknown option 'conectTimeout' \(did you mean 'connectTimeout'\?\)$/);
    expect(() => new HTTPSConnection('example.org', { port: 1, timeout: 1, signal: AbortSignal.timeout(1), maxHeaderSize: 1, implementation, configuration: clientConfig(), serverHostname: 'x' })).not.toThrow();
  });
});
