/**
 * CR, LF and NUL in every string a caller hands a client that reaches the wire (mailbox names,
 * user names, passwords, paths, addresses, parameters, header names and values, command lines),
 * on every verb of every client: the client's usage error naming CR, LF or NUL, thrown before
 * anything is sent (the scripted server records no line between two NOOPs around the sweep), and
 * the connection works afterwards. Each value is tried with each of the three characters.
 */
import { once } from 'node:events';
import { createServer, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { SMTP, SMTPUsageError } from '@unitls/smtp';
import { IMAP4, IMAP4UsageError } from '@unitls/imap';
import { POP3, POP3UsageError } from '@unitls/pop';
import { FTP, FTPUsageError } from '@unitls/ftp';
import { HTTPConnection, HTTPException } from '@unitls/http';
import { useScriptedServers, type ScriptConnection } from '../support/scripted-server.js';

/**
 * A call with `bad` (a string holding CR, LF or NUL) in one of its string arguments; `nulOnly`
 * for a value the protocol carries encoded, where CR and LF cannot end the command: SASL
 * credentials go in base64 (RFC 4616 allows any character but NUL in PLAIN), IMAP strings with
 * CR or LF go as literals, which carry any byte but NUL (RFC 9051 §4.3).
 */
type Case<C> = readonly [label: string, call: (client: C, bad: string) => unknown, nulOnly?: 'nul only'];

const CHARACTERS = [
  ['CR', '\r'],
  ['LF', '\n'],
  ['NUL', '\0'],
] as const;

const SMTP_CASES: ReadonlyArray<Case<SMTP>> = [
  ['docmd line', (c, b) => c.docmd(`NOOP ${b}`)],
  ['ehlo name', (c, b) => c.ehlo(b)],
  ['helo name', (c, b) => c.helo(b)],
  ['login user', (c, b) => c.login(b, 'p'), 'nul only'],
  ['login password', (c, b) => c.login('u', b), 'nul only'],
  ['login accessToken', (c, b) => c.login('u', undefined, { accessToken: b }), 'nul only'],
  ['auth PLAIN user', (c, b) => c.auth('PLAIN', { user: b, password: 'p' }), 'nul only'],
  ['auth LOGIN password', (c, b) => c.auth('LOGIN', { user: 'u', password: b }), 'nul only'],
  ['mail address', (c, b) => c.mail(`a@${b}x.test`)],
  ['mail parameter', (c, b) => c.mail('a@x.test', [`SIZE=1${b}`])],
  ['rcpt address', (c, b) => c.rcpt(`b@${b}x.test`)],
  ['rcpt parameter', (c, b) => c.rcpt('b@x.test', [`NOTIFY=NEVER${b}`])],
  ['verify address', (c, b) => c.verify(b)],
  ['sendmail from', (c, b) => c.sendmail(`a@${b}x.test`, ['b@x.test'], 'x')],
  ['sendmail to', (c, b) => c.sendmail('a@x.test', [`b@${b}x.test`], 'x')],
  ['sendmail mail option', (c, b) => c.sendmail('a@x.test', ['b@x.test'], 'x', [`BODY=8BITMIME${b}`])],
  ['sendmail rcpt option', (c, b) => c.sendmail('a@x.test', ['b@x.test'], 'x', [], [`NOTIFY=NEVER${b}`])],
  ['sendMessage to', (c, b) => c.sendMessage({ from: 'a@x.test', to: `b@x.test${b}RCPT TO:<eve@x.test>`, text: 'x' })],
  ['sendMessage option from', (c, b) => c.sendMessage({ from: 'a@x.test', to: 'b@x.test', text: 'x' }, { from: `a@${b}x.test` })],
  ['sendMessage option to', (c, b) => c.sendMessage({ from: 'a@x.test', to: 'b@x.test', text: 'x' }, { to: [`b@${b}x.test`] })],
  ['sendMessage subject', (c, b) => c.sendMessage({ from: 'a@x.test', to: 'b@x.test', subject: `hi${b}Bcc: eve@x.test`, text: 'x' })],
  ['sendMessage header value', (c, b) => c.sendMessage({ from: 'a@x.test', to: 'b@x.test', headers: { 'X-A': `v${b}Bcc: eve@x.test` }, text: 'x' })],
  ['sendMessage header name', (c, b) => c.sendMessage({ from: 'a@x.test', to: 'b@x.test', headers: { [`X-A${b}Bcc`]: 'v' }, text: 'x' })],
  // nodemailer copies a "prepared" header value to the message as it is.
  ['sendMessage prepared header value', (c, b) => c.sendMessage({ from: 'a@x.test', to: 'b@x.test', headers: { 'X-A': { prepared: true, value: `v${b}Bcc: eve@x.test` } } as never, text: 'x' })],
  // nodemailer parses an envelope address as a list: "b@x.test\r\nRCPT TO:<eve@x.test>" was eve alone.
  ['sendMessage envelope to', (c, b) => c.sendMessage({ from: 'a@x.test', to: 'b@x.test', envelope: { from: 'a@x.test', to: `b@x.test${b}RCPT TO:<eve@x.test>` }, text: 'x' })],
  ['sendMessage envelope from', (c, b) => c.sendMessage({ from: 'a@x.test', to: 'b@x.test', envelope: { from: `a@x.test${b}x`, to: 'b@x.test' }, text: 'x' })],
  ['sendMessage messageId', (c, b) => c.sendMessage({ from: 'a@x.test', to: 'b@x.test', messageId: `<m@x.test>${b}Bcc: eve@x.test`, text: 'x' })],
  ['sendMessage inReplyTo', (c, b) => c.sendMessage({ from: 'a@x.test', to: 'b@x.test', inReplyTo: `<m@x.test>${b}Bcc: eve@x.test`, text: 'x' })],
  ['sendMessage attachment filename', (c, b) => c.sendMessage({ from: 'a@x.test', to: 'b@x.test', attachments: [{ filename: `f${b}.txt`, content: 'c' }] })],
  ['sendMessage attachment contentType', (c, b) => c.sendMessage({ from: 'a@x.test', to: 'b@x.test', attachments: [{ filename: 'f.txt', content: 'c', contentType: `text/plain${b}X-I: 1` }] })],
];

const IMAP_CASES: ReadonlyArray<Case<IMAP4>> = [
  ['login user', (c, b) => c.login(b, 'p'), 'nul only'],
  ['login password', (c, b) => c.login('u', b), 'nul only'],
  ['authenticate PLAIN user', (c, b) => c.authenticate('PLAIN', b, 'p'), 'nul only'],
  ['select mailbox', (c, b) => c.select(`INBOX${b}`)],
  ['examine mailbox', (c, b) => c.examine(`INBOX${b}`)],
  ['create mailbox', (c, b) => c.create(`x${b}y`)],
  ['delete mailbox', (c, b) => c.delete(`x${b}y`)],
  ['rename from', (c, b) => c.rename(`x${b}y`, 'z')],
  ['rename to', (c, b) => c.rename('x', `z${b}y`)],
  ['subscribe mailbox', (c, b) => c.subscribe(`x${b}y`)],
  ['unsubscribe mailbox', (c, b) => c.unsubscribe(`x${b}y`)],
  ['list reference', (c, b) => c.list(`x${b}`, '*')],
  ['list pattern', (c, b) => c.list('', `*${b}`)],
  ['lsub pattern', (c, b) => c.lsub('', `*${b}`)],
  ['status mailbox', (c, b) => c.status(`INBOX${b}`)],
  ['status item', (c, b) => c.status('INBOX', [`MESSAGES${b}`])],
  ['append mailbox', (c, b) => c.append(`INBOX${b}`, 'x')],
  ['append flag', (c, b) => c.append('INBOX', 'x', { flags: [`\\Seen${b}`] })],
  ['append date', (c, b) => c.append('INBOX', 'x', { date: `01-Jan-2024 00:00:00 +0000${b}` })],
  ['search criterion', (c, b) => c.search([`SUBJECT x${b}`])],
  ['search charset', (c, b) => c.search(['ALL'], `UTF-8${b}`)],
  ['uidSearch criterion', (c, b) => c.uidSearch([`ALL${b}`])],
  ['fetch set', (c, b) => c.fetch(`1${b}`, 'FLAGS')],
  ['fetch set in a list', (c, b) => c.fetch(['1', `2${b}`], 'FLAGS')],
  ['fetch items', (c, b) => c.fetch('1', `FLAGS${b}`)],
  ['uidFetch items', (c, b) => c.uidFetch('1', `(FLAGS${b})`)],
  ['fetchEach items', (c, b) => c.fetchEach('1', `FLAGS${b}`, () => {})],
  ['store set', (c, b) => c.store(`1${b}`, '+FLAGS', ['\\Seen'])],
  ['store action', (c, b) => c.store('1', `+FLAGS${b}`, ['\\Seen'])],
  ['store flag', (c, b) => c.store('1', '+FLAGS', [`\\Seen${b}`])],
  ['uidStore flag', (c, b) => c.uidStore('1', '+FLAGS', [`\\Seen${b}`])],
  ['copy set', (c, b) => c.copy(`1${b}`, 'x')],
  ['copy mailbox', (c, b) => c.copy('1', `x${b}`)],
  ['move mailbox', (c, b) => c.move('1', `x${b}`)],
  ['id field name', (c, b) => c.id({ [`name${b}`]: 'v' }), 'nul only'],
  ['id field value', (c, b) => c.id({ name: `v${b}` }), 'nul only'],
  ['enable extension', (c, b) => c.enable(`UTF8=ACCEPT${b}`)],
];

const POP3_CASES: ReadonlyArray<Case<POP3>> = [
  ['user name', (c, b) => c.user(`u${b}`)],
  ['pass_ password', (c, b) => c.pass_(`p${b}`)],
  ['apop user', (c, b) => c.apop(`u${b}`, 's')],
  ['auth PLAIN user', (c, b) => c.auth('PLAIN', { user: `u${b}`, password: 'p' }), 'nul only'],
  ['authPlain password', (c, b) => c.authPlain('u', `p${b}`), 'nul only'],
];

const FTP_CASES: ReadonlyArray<Case<FTP>> = [
  ['sendcmd line', (c, b) => c.sendcmd(`NOOP${b}`)],
  ['voidcmd line', (c, b) => c.voidcmd(`NOOP ${b}`)],
  ['login user', (c, b) => c.login(`u${b}`, 'p')],
  ['login password', (c, b) => c.login('u', `p${b}`)],
  ['login account', (c, b) => c.login('u', 'p', `a${b}`)],
  ['cwd path', (c, b) => c.cwd(`/d${b}`)],
  ['mkd path', (c, b) => c.mkd(`d${b}`)],
  ['rmd path', (c, b) => c.rmd(`d${b}`)],
  ['delete path', (c, b) => c.delete(`f${b}`)],
  ['rename from', (c, b) => c.rename(`f${b}`, 'g')],
  ['rename to', (c, b) => c.rename('f', `g${b}`)],
  ['size path', (c, b) => c.size(`f${b}`)],
  ['mdtm path', (c, b) => c.mdtm(`f${b}`)],
  ['mfmt path', (c, b) => c.mfmt(`f${b}`, new Date(0))],
  ['nlst argument', (c, b) => c.nlst(`d${b}`)],
  ['dir argument', (c, b) => c.dir(`d${b}`)],
  ['mlsd path', (c, b) => c.mlsd(`d${b}`)],
  ['mlsd fact', (c, b) => c.mlsd('', [`size${b}`])],
  ['ntransfercmd command', (c, b) => c.ntransfercmd(`RETR f${b}`)],
  ['retrbinary command', (c, b) => c.retrbinary(`RETR f${b}`, () => {})],
  ['retrlines command', (c, b) => c.retrlines(`RETR f${b}`, () => {})],
  ['storbinary command', (c, b) => c.storbinary(`STOR f${b}`, 'data')],
  ['storlines command', (c, b) => c.storlines(`STOR f${b}`, 'data')],
];

/** The refusal of a call, whether it threw at once or rejected. */
async function refusal(call: () => unknown): Promise<unknown> {
  try {
    const result = await call();
    return new Error(`resolved with ${JSON.stringify(result)}`);
  } catch (error) {
    return error;
  }
}

type Protocol = 'smtp' | 'smtp-pipelining' | 'imap' | 'pop' | 'ftp';

/**
 * A server of `protocol` that offers everything a case needs to reach its argument check (AUTH
 * mechanisms, an APOP timestamp, ID, ENABLE, MOVE) and answers every line with success; what it
 * receives is recorded, so a line sent for a refused call shows.
 */
function permissive(protocol: Protocol): (c: ScriptConnection) => Promise<void> {
  const greeting = {
    smtp: '220 scripted.test ESMTP\r\n',
    'smtp-pipelining': '220 scripted.test ESMTP\r\n',
    imap: '* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN SASL-IR ID ENABLE UTF8=ACCEPT MOVE] ready\r\n',
    pop: '+OK ready <1896.697170952@dbc.mtview.ca.us>\r\n',
    ftp: '220 ready\r\n',
  }[protocol];
  const answer = (line: string): string => {
    const [first = '', second = ''] = line.split(' ');
    switch (protocol) {
      case 'smtp':
      case 'smtp-pipelining':
        if (!/^EHLO /i.test(line)) return '250 ok\r\n';
        return `250-scripted.test\r\n250-AUTH PLAIN LOGIN XOAUTH2\r\n${protocol === 'smtp' ? '' : '250-PIPELINING\r\n'}250 8BITMIME\r\n`;
      case 'imap':
        return second.toUpperCase() === 'LOGOUT' ? `* BYE bye\r\n${first} OK done\r\n` : `${first} OK done\r\n`;
      case 'pop':
        return first.toUpperCase() === 'CAPA' ? '+OK\r\nUSER\r\nSASL PLAIN\r\n.\r\n' : '+OK\r\n';
      case 'ftp':
        return first.toUpperCase() === 'USER' ? '331 password please\r\n' : '200 ok\r\n';
    }
  };
  return async (c) => {
    c.write(greeting);
    for (let line = await c.line(); line !== null; line = await c.line()) c.write(answer(line));
  };
}

describe('CR, LF and NUL in any string argument of any verb: the usage error, nothing sent, the connection goes on', () => {
  const scripted = useScriptedServers();
  const options = (port: number) => ({ host: '127.0.0.1', port, security: 'plaintext', allowPlaintextAuth: true, timeout: 10_000 }) as const;

  /**
   * For each case and character, on a fresh connection: NOOP, the call, NOOP. The call must be the
   * usage error, the server must have received only the second NOOP after the first, and the
   * message must not carry the raw character (it would forge lines in a log).
   */
  async function sweep<C extends { connect(): Promise<unknown>; close(force?: boolean): Promise<void> }>(
    protocol: Protocol,
    make: (port: number) => C,
    cases: ReadonlyArray<Case<C>>,
    UsageError: new (...args: never[]) => Error,
    noop: (client: C) => Promise<unknown>,
    isNoop: (line: string) => boolean,
  ): Promise<void> {
    const server = await scripted(permissive(protocol));
    const wrong: string[] = [];
    for (const [label, call, nulOnly] of cases) {
      for (const [name, character] of nulOnly === undefined ? CHARACTERS : CHARACTERS.slice(2)) {
        const client = make(server.port);
        await client.connect();
        await noop(client);
        const before = server.lines.length;
        const error = await refusal(() => call(client, `a${character}b`));
        const sent = server.lines.slice(before);
        const after = await noop(client).then(() => server.lines.slice(before + sent.length), (e: unknown) => [`(NOOP failed: ${String(e)})`]);
        const what = `${label} with ${name}`;
        if (!(error instanceof UsageError)) wrong.push(`${what}: ${String(error)}`);
        else if (/[\r\n\0]/.test(error.message)) wrong.push(`${what}: the message holds the raw character: ${JSON.stringify(error.message)}`);
        if (sent.length > 0) wrong.push(`${what}: sent ${JSON.stringify(sent)}`);
        if (after.length !== 1 || !isNoop(after[0]!)) wrong.push(`${what}: then ${JSON.stringify(after)}`);
        await client.close(true);
      }
    }
    expect(wrong).toEqual([]);
  }

  it.each(['smtp', 'smtp-pipelining'] as const)(`SMTP (%s): ${SMTP_CASES.length} arguments`, async (protocol) => {
    // Before: a bad recipient was refused after MAIL FROM went out (left open on the server), or,
    // pipelined, after the state machine had counted MAIL as sent; EHLO went out first.
    await sweep(protocol, (port) => new SMTP({ ...options(port), localHostname: 'client.test' }), SMTP_CASES, SMTPUsageError, (c) => c.noop(), (l) => l === 'NOOP');
  });

  it(`IMAP4: ${IMAP_CASES.length} arguments`, async () => {
    await sweep('imap', (port) => new IMAP4(options(port)), IMAP_CASES, IMAP4UsageError, (c) => c.noop(), (l) => / NOOP$/.test(l));
  });

  it(`POP3: ${POP3_CASES.length} arguments`, async () => {
    await sweep('pop', (port) => new POP3(options(port)), POP3_CASES, POP3UsageError, (c) => c.capa(), (l) => l === 'CAPA');
  });

  it(`FTP: ${FTP_CASES.length} arguments`, async () => {
    await sweep('ftp', (port) => new FTP({ host: '127.0.0.1', port, allowPlaintextAuth: true, timeout: 10_000 }), FTP_CASES, FTPUsageError, (c) => c.voidcmd('NOOP'), (l) => l === 'NOOP');
  });
});

describe('HTTPConnection: CR, LF and NUL in the method, target, header names and values, and the tunnel', () => {
  it.each(CHARACTERS)('%s: HTTPException UNITLS_HTTP_INJECTION, no byte sent', async (_name, character) => {
    const received: Buffer[] = [];
    const sockets = new Set<Socket>();
    const server = createServer((socket) => {
      sockets.add(socket);
      socket.on('data', (chunk: Buffer) => received.push(chunk));
      socket.on('error', () => {});
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const port = (server.address() as { port: number }).port;
    try {
      const bad = `a${character}b`;
      const calls: Array<[string, (connection: HTTPConnection) => unknown]> = [
        ['request method', (c) => c.request(`GET${bad}`, '/')],
        ['request target', (c) => c.request('GET', `/${bad}`)],
        ['request header value', (c) => c.request('GET', '/', undefined, { 'X-A': bad })],
        ['request header name', (c) => c.request('GET', '/', undefined, { [`X-${bad}`]: 'v' })],
        ['putrequest target', (c) => c.putrequest('GET', `/${bad}`)],
        ['setTunnel host', (c) => c.setTunnel(`h${bad}.test`, 443)],
        ['setTunnel header value', (c) => c.setTunnel('h.test', 443, { 'Proxy-Authorization': bad })],
      ];
      const wrong: string[] = [];
      for (const [label, call] of calls) {
        await using connection = new HTTPConnection('127.0.0.1', { port, timeout: 5000 });
        const error = await refusal(() => call(connection));
        if (!(error instanceof HTTPException) || (error as HTTPException).code !== 'UNITLS_HTTP_INJECTION') wrong.push(`${label}: ${String(error)}`);
      }
      expect(wrong).toEqual([]);
      expect(Buffer.concat(received).length).toBe(0);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe('FTP mfmt() with a time that is not a valid Date', () => {
  const scripted = useScriptedServers();
  it.each([
    ['an invalid Date', new Date(Number.NaN)],
    ['a string', '20240101000000'],
  ])('%s: FTPUsageError before FEAT (it was a RangeError or TypeError after FEAT went out)', async (_label, time) => {
    const server = await scripted(permissive('ftp'));
    const ftp = new FTP({ host: '127.0.0.1', port: server.port, timeout: 10_000 });
    await ftp.connect();
    const error = await refusal(() => ftp.mfmt('f', time as Date));
    expect(error).toBeInstanceOf(FTPUsageError);
    expect((error as Error).message).toMatch(/^the time of mfmt\(\) must be a valid Date, got .*; nothing was sent$/);
    await ftp.voidcmd('NOOP');
    expect(server.lines).toEqual(['NOOP']);
    await ftp.close(true);
  });
});

describe('SMTP localHostname with CR, LF or NUL', () => {
  it.each(CHARACTERS)('%s: refused by the constructor (it was accepted, and every EHLO then refused)', (_name, character) => {
    expect(() => new SMTP({ host: '127.0.0.1', localHostname: `a${character}b.test` })).toThrow(SMTPUsageError);
    expect(() => new SMTP({ host: '127.0.0.1', localHostname: `a${character}b.test` })).toThrow(/^the localHostname option contains CR, LF or NUL, which could inject protocol commands; refused, nothing was sent$/);
  });
});
