/** Issue #18: the sans-IO core, byte <-> event tables, its state table and its sticky ERROR state. */
import { describe, expect, it } from 'vitest';
import { IMAP4ProtocolError, IMAP4UsageError, IMAPConnection, NEED_DATA, TRANSITIONS, type IMAPEvent } from '../src/mod.js';
import { bytes } from './helpers.js';

/** Feeds `wire` and returns the events until NEED_DATA, as compact strings. */
function feed(connection: IMAPConnection, wire: string): string[] {
  connection.receiveData(bytes(wire));
  const out: string[] = [];
  for (let event = connection.nextEvent(); event !== NEED_DATA; event = connection.nextEvent()) {
    out.push(show(event));
    if (event.type === 'closed') break;
  }
  return out;
}

function show(event: IMAPEvent): string {
  switch (event.type) {
    case 'greeting':
      return `greeting ${event.response.type}`;
    case 'untagged':
      return `* ${event.response.type}`;
    case 'continuation':
      return `+ ${event.tag} ${event.data === null ? 'null' : Buffer.from(event.data).toString('latin1')}`;
    case 'tagged':
      return `${event.response.tag} ${event.command} ${event.response.status}`;
    default:
      return 'closed';
  }
}

const greeted = (greeting = '* OK [CAPABILITY IMAP4rev1 IDLE STARTTLS] hi\r\n', secure = false) => {
  const connection = new IMAPConnection({ secure });
  feed(connection, greeting);
  return connection;
};
const text = (data: Uint8Array) => Buffer.from(data).toString('latin1');

describe('IMAPConnection: byte <-> event tables', () => {
  it.each([
    ['* OK [CAPABILITY IMAP4rev1] ready\r\n', ['greeting OK'], 'NOT_AUTHENTICATED'],
    ['* PREAUTH logged in\r\n', ['greeting PREAUTH'], 'AUTHENTICATED'],
    ['* BYE go away\r\n', ['greeting BYE'], 'LOGOUT'],
    ['* OK hi\r\n* 1 EXISTS\r\n', ['greeting OK', '* EXISTS'], 'NOT_AUTHENTICATED'],
    ['', ['closed'], 'LOGOUT'],
  ])('greeting %j', (wire, events, state) => {
    const connection = new IMAPConnection();
    expect(feed(connection, wire)).toEqual(events);
    expect(connection.state).toBe(state);
  });

  it('refuses anything but a status response as the greeting', () => {
    const connection = new IMAPConnection();
    expect(() => feed(connection, 'A1 OK hi\r\n')).toThrow(/not a greeting/);
    expect(connection.state).toBe('ERROR');
  });

  it.each<[string, string[], string, string]>([
    ['LOGIN', ['a', 'b'], 'A0001 OK [CAPABILITY IMAP4rev1 MOVE] in\r\n', 'AUTHENTICATED'],
    ['LOGIN', ['a', 'b'], 'A0001 NO [AUTHENTICATIONFAILED] no\r\n', 'NOT_AUTHENTICATED'],
    ['CAPABILITY', [], '* CAPABILITY IMAP4rev1 LITERAL+\r\nA0001 OK done\r\n', 'NOT_AUTHENTICATED'],
    ['LOGOUT', [], '* BYE bye\r\nA0001 OK done\r\n', 'LOGOUT'],
  ])('%s in NOT_AUTHENTICATED', (name, args, wire, state) => {
    const connection = greeted();
    connection.send({ name, args });
    const events = feed(connection, wire);
    expect(events.at(-1)).toMatch(new RegExp(`^A0001 ${name} `));
    expect(connection.state).toBe(state);
  });

  it('SELECT, CLOSE, a failed SELECT, IDLE and DONE move through the table', () => {
    const connection = greeted('* PREAUTH [CAPABILITY IMAP4rev1 IDLE] hi\r\n');
    const steps: Array<[() => unknown, string, string]> = [
      [() => connection.send({ name: 'SELECT', args: ['INBOX'] }), '* 3 EXISTS\r\nA0001 OK [READ-WRITE] done\r\n', 'SELECTED'],
      [() => connection.send({ name: 'IDLE' }), '+ idling\r\n', 'IDLE'],
      [() => connection.done(), '* 4 EXISTS\r\nA0002 OK done\r\n', 'SELECTED'],
      [() => connection.send({ name: 'SELECT', args: ['nope'] }), 'A0003 NO no such mailbox\r\n', 'AUTHENTICATED'],
      [() => connection.send({ name: 'EXAMINE', args: ['INBOX'] }), 'A0004 OK [READ-ONLY] done\r\n', 'SELECTED'],
      [() => connection.send({ name: 'CLOSE' }), 'A0005 OK closed\r\n', 'AUTHENTICATED'],
    ];
    for (const [act, wire, state] of steps) {
      act();
      feed(connection, wire);
      expect(connection.state).toBe(state);
    }
  });

  it('a literal waits for "+"; a NO instead ends the command; an OK before it is sent is refused (ruby/net-imap#664)', () => {
    const connection = greeted('* PREAUTH hi\r\n');
    const { tag, data } = connection.send({ name: 'APPEND', args: ['INBOX', bytes('hello')] });
    expect(text(data)).toBe(`${tag} APPEND "INBOX" {5}\r\n`);
    expect(feed(connection, '+ go ahead\r\n')).toEqual([`+ ${tag} hello\r\n`]);
    expect(feed(connection, `${tag} OK appended\r\n`)).toEqual([`${tag} APPEND OK`]);

    connection.send({ name: 'APPEND', args: ['INBOX', bytes('x')] });
    expect(feed(connection, 'A0002 NO [OVERQUOTA] full\r\n')).toEqual(['A0002 APPEND NO']);

    connection.send({ name: 'APPEND', args: ['INBOX', bytes('x')] });
    expect(() => feed(connection, 'A0003 OK appended\r\n')).toThrow(/before the command was fully sent/);
  });

  it('uses non-synchronising literals with LITERAL+, and with LITERAL- up to 4096 bytes', () => {
    const plus = greeted('* PREAUTH [CAPABILITY IMAP4rev1 LITERAL+] hi\r\n');
    expect(text(plus.send({ name: 'APPEND', args: ['INBOX', bytes('hello')] }).data)).toBe('A0001 APPEND "INBOX" {5+}\r\nhello\r\n');
    const minus = greeted('* PREAUTH [CAPABILITY IMAP4rev1 LITERAL-] hi\r\n');
    expect(text(minus.send({ name: 'APPEND', args: ['INBOX', bytes('hello')] }).data)).toBe('A0001 APPEND "INBOX" {5+}\r\nhello\r\n');
    feed(minus, 'A0001 OK done\r\n');
    expect(text(minus.send({ name: 'APPEND', args: ['INBOX', new Uint8Array(4097).fill(0x61)] }).data)).toBe('A0002 APPEND "INBOX" {4097}\r\n');
  });

  it('AUTHENTICATE: each "+" is answered by the caller with a base64 line', () => {
    const connection = greeted('* OK [CAPABILITY IMAP4rev1 AUTH=CRAM-MD5] hi\r\n');
    connection.send({ name: 'AUTHENTICATE', args: [{ atom: 'CRAM-MD5' }] });
    expect(feed(connection, '+ PDE4OTYuNjk3MTcwOTUyQHBvc3RvZmZpY2UucmVzdG9uLm1jaS5uZXQ+\r\n')).toEqual(['+ A0001 null']);
    expect(text(connection.sendContinuation('dGltIGI5MTNhNjAyYzdlZGE3YTQ5NWI0ZTZlNzMzNGQzODkw'))).toBe('dGltIGI5MTNhNjAyYzdlZGE3YTQ5NWI0ZTZlNzMzNGQzODkw\r\n');
    expect(() => connection.sendContinuation('not base64\r\nA2 LOGOUT')).toThrow(IMAP4UsageError);
    feed(connection, 'A0001 OK [CAPABILITY IMAP4rev1 IDLE] in\r\n');
    expect(connection.state).toBe('AUTHENTICATED');
    expect([...connection.capabilities]).toEqual(['IMAP4REV1', 'IDLE']);
  });

  it('pipelines where safe, in one write each, and refuses it where the state would change', () => {
    const connection = greeted('* PREAUTH hi\r\n');
    connection.send({ name: 'SELECT', args: ['INBOX'] });
    expect(() => connection.send({ name: 'NOOP' })).toThrow(/cannot pipeline NOOP with SELECT/);
    feed(connection, 'A0001 OK done\r\n');
    const tags = [connection.send({ name: 'UID FETCH', args: [{ atom: '1' }, { atom: '(BODY.PEEK[])' }] }).tag, connection.send({ name: 'UID FETCH', args: [{ atom: '2' }, { atom: 'FLAGS' }] }).tag];
    expect(connection.pending).toEqual(tags);
    expect(() => connection.send({ name: 'LOGOUT' })).toThrow(/cannot pipeline LOGOUT/);
    // Completions may come in any order (RFC 9051 §5.5).
    expect(feed(connection, '* 2 FETCH (UID 2 FLAGS ())\r\nA0003 OK done\r\n* 1 FETCH (UID 1 BODY[] "x")\r\nA0002 OK done\r\n')).toEqual([
      '* FETCH',
      'A0003 UID FETCH OK',
      '* FETCH',
      'A0002 UID FETCH OK',
    ]);
    expect(connection.pending).toEqual([]);
  });

  it.each([
    ['FETCH in NOT_AUTHENTICATED', (c: IMAPConnection) => c.send({ name: 'FETCH', args: [{ atom: '1' }, { atom: 'FLAGS' }] }), /command FETCH illegal in state NOT_AUTHENTICATED/],
    ['a raw line as a command name', (c: IMAPConnection) => c.send({ name: 'NOOP\r\nA9 DELETE INBOX' }), /not an IMAP command name/],
    ['CR/LF in an atom', (c: IMAPConnection) => c.send({ name: 'NOOP', args: [{ atom: 'x\r\nA9 DELETE INBOX' }] }), /printable ASCII/],
    ['a literal announced through an atom', (c: IMAPConnection) => c.send({ name: 'NOOP', args: [{ atom: '{5}' }] }), /without "\{"/],
    ['NUL in a string', (c: IMAPConnection) => c.send({ name: 'LOGIN', args: ['a\0b', 'c'] }), /NUL/],
    ['DONE when not idling', (c: IMAPConnection) => c.done(), /not idling/],
    ['STARTTLS on a TLS connection', (c: IMAPConnection) => c.send({ name: 'STARTTLS' }), /already uses TLS/],
  ])('refuses %s, sends nothing and stays usable', (_, act, message) => {
    const connection = greeted('* OK hi\r\n', true);
    expect(() => act(connection)).toThrow(message);
    expect(connection.pending).toEqual([]);
    expect(connection.state).toBe('NOT_AUTHENTICATED');
    expect(text(connection.send({ name: 'NOOP' }).data)).toMatch(/^A\d{4} NOOP\r\n$/);
  });
});

describe('IMAPConnection: STARTTLS', () => {
  it('accepts untagged data before the OK, then reads nothing until the handshake', () => {
    const connection = greeted();
    connection.send({ name: 'STARTTLS' });
    // RFC 9051 §7: untagged responses at any time; an ALERT before the OK is harmless.
    expect(feed(connection, '* OK [ALERT] certificate renewed today\r\n* CAPABILITY IMAP4rev1 AUTH=EVIL\r\nA0001 OK [CAPABILITY IMAP4rev1 AUTH=EVIL] begin TLS\r\n')).toEqual([
      '* OK',
      '* CAPABILITY',
      'A0001 STARTTLS OK',
    ]);
    expect(connection.state).toBe('STARTTLS');
    expect(connection.nextEvent()).toBe(NEED_DATA);
    connection.tlsEstablished();
    expect(connection.state).toBe('NOT_AUTHENTICATED');
    expect([...connection.capabilities]).toEqual([]);
    expect(connection.secure).toBe(true);
  });

  it('bytes after the OK in the same read are counted, and refused by tlsEstablished()', () => {
    const connection = greeted();
    connection.send({ name: 'STARTTLS' });
    feed(connection, 'A0001 OK begin TLS\r\n* 99 EXISTS\r\n');
    expect(connection.buffered).toBe('* 99 EXISTS\r\n'.length);
    expect(() => connection.tlsEstablished()).toThrow(/possible response injection/);
    expect(connection.state).toBe('ERROR');
  });

  it('bytes received after the OK and before the handshake are refused', () => {
    const connection = greeted();
    connection.send({ name: 'STARTTLS' });
    feed(connection, 'A0001 OK begin TLS\r\n');
    expect(() => connection.receiveData(bytes('* 99 EXISTS\r\n'))).toThrow(/possible response injection/);
  });

  it('a "+" in answer to STARTTLS is a protocol error', () => {
    const connection = greeted();
    connection.send({ name: 'STARTTLS' });
    expect(() => feed(connection, '+ go on\r\n')).toThrow(/continuation no command asked for/);
  });
});

describe('IMAPConnection: errors are sticky', () => {
  it.each([
    ['a tagged response for a command never sent', 'A0042 OK what\r\n', /never sent or already completed/],
    ['a tagged response twice', 'A0001 OK done\r\nA0001 OK again\r\n', /never sent or already completed/],
    ['a continuation nobody asked for', '+ hello\r\n', /no command asked for/],
    ['malformed data', '* 1 FETCH (UID x)\r\n', /wants a number/],
    ['an unknown status', 'A0001 MAYBE\r\n', /unknown status/],
  ])('%s', (_, wire, message) => {
    const connection = greeted('* PREAUTH hi\r\n');
    connection.send({ name: 'NOOP' });
    expect(() => feed(connection, wire)).toThrow(message);
    expect(connection.state).toBe('ERROR');
    const first = connection.error;
    expect(first).toBeInstanceOf(IMAP4ProtocolError);
    for (const later of [() => connection.nextEvent(), () => connection.send({ name: 'NOOP' }), () => connection.receiveData(bytes('A0001 OK\r\n'))]) {
      expect(later).toThrow(first!);
    }
  });

  it('the end of the stream is an event, and the state becomes LOGOUT', () => {
    const connection = greeted('* PREAUTH hi\r\n');
    connection.receiveData(new Uint8Array(0));
    expect(connection.nextEvent()).toEqual({ type: 'closed' });
    expect(connection.state).toBe('LOGOUT');
    expect(() => connection.send({ name: 'NOOP' })).toThrow(/connection is closed/);
  });
});

describe('the state table', () => {
  it('lists every state, and every target is a state (or the IDLE resume)', () => {
    const states = Object.keys(TRANSITIONS);
    expect(states.sort()).toEqual(['AUTHENTICATED', 'ERROR', 'GREETING', 'IDLE', 'LOGOUT', 'NOT_AUTHENTICATED', 'SELECTED', 'STARTTLS']);
    for (const row of Object.values(TRANSITIONS)) for (const target of Object.values(row)) expect([...states, 'RESUME']).toContain(target);
  });
});
