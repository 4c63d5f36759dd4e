import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { NEED_DATA, POP3Connection, POP3ConnectionError, POP3ProtocolError, POP3UsageError, type POP3Command, type POP3Event, type POP3Limits } from '../src/mod.js';
import { cut } from './split.js';

const bytes = (text: string) => Buffer.from(text, 'latin1');

/** Every event the core gives for `wire` fed in `chunks`, lines and bodies as latin1 text. */
function events(core: POP3Connection, chunks: Buffer[]): unknown[] {
  const out: unknown[] = [];
  const drain = () => {
    for (let event = core.nextEvent(); event !== NEED_DATA; event = core.nextEvent()) out.push(plain(event));
  };
  for (const chunk of chunks) {
    core.receiveData(chunk);
    drain();
  }
  return out;
}

function plain(event: POP3Event): unknown {
  if (event.type === 'line') return { ...event, line: event.line.toString('latin1') };
  if (event.type === 'message') return { ...event, data: event.data.toString('latin1') };
  return event;
}

/** A core past the greeting and logged in (USER/PASS), with `commands` sent. */
function inTransaction(commands: POP3Command[] = [], pipelining = false, limits: POP3Limits = {}): POP3Connection {
  const core = new POP3Connection(limits);
  core.receiveData(bytes('+OK ready\r\n'));
  core.nextEvent();
  core.send({ type: 'USER', name: 'alice' });
  core.receiveData(bytes('+OK\r\n'));
  core.nextEvent();
  core.send({ type: 'PASS', password: 'secret' });
  core.receiveData(bytes('+OK 2 messages\r\n'));
  core.nextEvent();
  core.pipelining = pipelining;
  for (const command of commands) core.send(command);
  return core;
}

const status = (command: string, ok: boolean, text: string) => ({ type: 'status', command, ok, text, line: `${ok ? '+OK' : '-ERR'}${text === '' ? '' : ` ${text}`}` });

describe('POP3Connection: bytes <-> events', () => {
  it.each<[string, POP3Command[], string, unknown[]]>([
    ['STAT', [{ type: 'STAT' }], '+OK 2 320\r\n', [status('STAT', true, '2 320')]],
    ['DELE -ERR', [{ type: 'DELE', which: 9 }], '-ERR no such message\r\n', [status('DELE', false, 'no such message')]],
    ['LIST with an argument is one line', [{ type: 'LIST', which: 1 }], '+OK 1 120\r\n', [status('LIST', true, '1 120')]],
    [
      'LIST: one event per line, un-stuffed',
      [{ type: 'LIST' }],
      '+OK 2 messages\r\n1 120\r\n2 200\r\n.\r\n',
      [status('LIST', true, '2 messages'), { type: 'line', command: 'LIST', line: '1 120' }, { type: 'line', command: 'LIST', line: '2 200' }, { type: 'end', command: 'LIST' }],
    ],
    [
      'RETR: the whole body at once, un-stuffed, CRLF line ends (bare LF too)',
      [{ type: 'RETR', which: 1 }],
      '+OK 30 octets\r\nSubject: x\r\n\r\n..dot\nbare\r\n.\r\n',
      [status('RETR', true, '30 octets'), { type: 'message', command: 'RETR', data: 'Subject: x\r\n\r\n.dot\r\nbare\r\n' }],
    ],
    [
      'RETR streamed: lines, then end; a body line "+OK" is text',
      [{ type: 'RETR', which: 1, stream: true }],
      '+OK\r\n+OK 0 messages\r\n.\r\n',
      [status('RETR', true, ''), { type: 'line', command: 'RETR', line: '+OK 0 messages' }, { type: 'end', command: 'RETR' }],
    ],
    ['RETR -ERR opens no body', [{ type: 'RETR', which: 7 }], '-ERR no such message\r\n', [status('RETR', false, 'no such message')]],
    [
      'pipelined: each reply to its command, in order',
      [{ type: 'RETR', which: 1 }, { type: 'DELE', which: 1 }, { type: 'NOOP' }],
      '+OK\r\n+OK body line\r\n.\r\n+OK deleted\r\n+OK\r\n',
      [status('RETR', true, ''), { type: 'message', command: 'RETR', data: '+OK body line\r\n' }, status('DELE', true, 'deleted'), status('NOOP', true, '')],
    ],
  ])('%s', (_, commands, wire, expected) => {
    const core = inTransaction(commands, commands.length > 1);
    expect(events(core, [bytes(wire)])).toEqual(expected);
    expect(core.pending).toBe(0);
    expect(core.reading).toBe('STATUS');
  });

  it('walks the session states of the table: greeting, STLS, AUTH with challenges, QUIT through UPDATE', () => {
    const core = new POP3Connection();
    expect(core.state).toBe('GREETING');
    expect(() => core.send({ type: 'CAPA' })).toThrow(POP3UsageError);
    core.receiveData(bytes('+OK POP3 ready <1.2@host>\r\n'));
    expect(core.nextEvent()).toMatchObject({ type: 'status', command: 'GREETING', ok: true });
    expect(core.state).toBe('AUTHORIZATION');
    expect(() => core.send({ type: 'RETR', which: 1 })).toThrow(/RETR cannot be sent in state AUTHORIZATION/);
    expect(Buffer.from(core.send({ type: 'STLS' })).toString()).toBe('STLS\r\n');
    core.receiveData(bytes('+OK begin TLS\r\n'));
    core.nextEvent();
    expect(core.state).toBe('STLS');
    core.startedTls();
    expect(core.state).toBe('AUTHORIZATION');
    expect(Buffer.from(core.send({ type: 'AUTH', mechanism: 'PLAIN' })).toString()).toBe('AUTH PLAIN\r\n');
    core.receiveData(bytes('+ \r\n'));
    expect(core.nextEvent()).toEqual({ type: 'challenge', command: 'AUTH', data: '' });
    expect(core.state).toBe('SASL');
    expect(() => core.send({ type: 'NOOP' })).toThrow(POP3UsageError);
    core.send({ type: 'AUTH_RESPONSE', response: 'AGEAYg==' });
    core.receiveData(bytes('+OK\r\n'));
    expect(core.nextEvent()).toMatchObject({ type: 'status', command: 'AUTH_RESPONSE', ok: true });
    expect(core.state).toBe('TRANSACTION');
    core.send({ type: 'QUIT' });
    expect(core.state).toBe('UPDATE');
    core.receiveData(bytes('+OK bye\r\n'));
    core.nextEvent();
    core.receiveData(new Uint8Array(0));
    expect(core.nextEvent()).toEqual({ type: 'closed' });
    expect(core.state).toBe('CLOSED');
  });

  it('refuses bytes after the STLS go-ahead (injection), and stays in ERROR with that error', () => {
    const core = new POP3Connection();
    core.receiveData(bytes('+OK\r\n'));
    core.nextEvent();
    core.send({ type: 'STLS' });
    core.receiveData(bytes('+OK go\r\n+OK injected\r\n'));
    core.nextEvent();
    expect(() => core.startedTls()).toThrow(/before the TLS handshake/);
    expect(core.state).toBe('ERROR');
    expect(() => core.send({ type: 'CAPA' })).toThrow(/before the TLS handshake/);
    expect(() => core.nextEvent()).toThrow(/before the TLS handshake/);
  });

  it('without PIPELINING, and after a state-changing command, nothing more is sent before the reply', () => {
    const core = inTransaction([{ type: 'RETR', which: 1 }]);
    expect(() => core.send({ type: 'DELE', which: 1 })).toThrow(/does not offer PIPELINING/);
    const authorizing = new POP3Connection();
    authorizing.receiveData(bytes('+OK\r\n'));
    authorizing.nextEvent();
    authorizing.pipelining = true;
    authorizing.send({ type: 'USER', name: 'a' });
    expect(() => authorizing.send({ type: 'PASS', password: 'b' })).toThrow(/before the reply to USER arrived/);
  });

  it.each<[string, POP3Command]>([
    ['CR/LF in a user name', { type: 'USER', name: 'alice\r\nDELE 1' }],
    ['NUL in a password', { type: 'PASS', password: 'se\0cret' }],
    ['LF in a password (Gmail accepted one, then answered the rest as a new command: cpython issue #94019)', { type: 'PASS', password: 'secret\nDELE 1' }],
    ['message number 0', { type: 'DELE', which: 0 }],
    ['a fractional message number', { type: 'RETR', which: 1.5 }],
    ['a SASL mechanism with a space', { type: 'AUTH', mechanism: 'PLAIN X' }],
  ])('%s is a usage error; nothing is recorded', (_, command) => {
    const core = new POP3Connection();
    core.receiveData(bytes('+OK\r\n'));
    core.nextEvent();
    const state = core.state;
    expect(() => core.send(command)).toThrow(POP3UsageError);
    expect(core.pending).toBe(0);
    expect(core.state).toBe(state);
  });

  it.each([
    ['an unsolicited line', [], '+OK surprise\r\n', POP3ProtocolError, /nobody asked for/],
    ['a malformed status', [{ type: 'NOOP' }], '* OK imap\r\n', POP3ProtocolError, /malformed POP3 response to NOOP/],
    ['"+OKAY" is not "+OK"', [{ type: 'NOOP' }], '+OKAY\r\n', POP3ProtocolError, /malformed/],
    ['a challenge to anything but AUTH', [{ type: 'NOOP' }], '+ abc\r\n', POP3ProtocolError, /malformed/],
    ['a close mid-body', [{ type: 'RETR', which: 1 }], '+OK\r\npartial\r\n', POP3ConnectionError, /closed by the server in the middle of the RETR response/],
    ['a close while a reply is awaited', [{ type: 'NOOP' }], '', POP3ConnectionError, /while the reply to NOOP was awaited/],
  ] as const)('%s: an error, then ERROR', (_, commands, wire, kind, message) => {
    const core = inTransaction([...commands] as POP3Command[]);
    const fail = () => events(core, [bytes(wire), new Uint8Array(0) as Buffer]);
    expect(fail).toThrow(kind);
    expect(fail).toThrow(message);
    expect(core.state).toBe('ERROR');
  });

  it('bounds status lines, content lines, messages and listings by their named limits', () => {
    const long = 'x'.repeat(20_026);
    expect(events(inTransaction([{ type: 'RETR', which: 1 }]), [bytes(`+OK\r\n${long}\r\n.\r\n`)])).toEqual([status('RETR', true, ''), { type: 'message', command: 'RETR', data: `${long}\r\n` }]);
    const tight = (limits: POP3Limits, commands: POP3Command[], wire: string) => {
      const core = inTransaction(commands, false, limits);
      return () => events(core, [bytes(wire)]);
    };
    expect(tight({ maxLineLength: 100 }, [{ type: 'NOOP' }], `+OK ${'y'.repeat(200)}\r\n`)).toThrow(/longer than 100 bytes \(limits.maxLineLength\)/);
    expect(tight({ maxContentLineLength: 1000 }, [{ type: 'RETR', which: 1 }], `+OK\r\n${long}\r\n.\r\n`)).toThrow(/longer than 1000 bytes \(limits.maxContentLineLength\)/);
    expect(tight({ maxMessageSize: 1000 }, [{ type: 'RETR', which: 1 }], `+OK\r\n${'z\r\n'.repeat(600)}.\r\n`)).toThrow(/larger than 1000 bytes \(limits.maxMessageSize\)/);
    expect(tight({ maxListingSize: 1000 }, [{ type: 'LIST' }], `+OK\r\n${'1 1\r\n'.repeat(300)}.\r\n`)).toThrow(/larger than 1000 bytes \(limits.maxListingSize\)/);
    expect(() => new POP3Connection({ maxMessageSize: 0 })).toThrow(/limits.maxMessageSize must be a positive integer/);
  });
});

describe('POP3Connection: properties', () => {
  const wireOf = (bodies: string[]) => bodies.map((b) => `+OK\r\n${b}.\r\n`).join('');
  const line = fc.array(fc.constantFrom('a', '.', '+', 'O', 'K', ' ', '\r', '-'), { maxLength: 12 }).map((cs) => cs.join('').replace(/\r/g, ''));
  const body = fc.array(fc.tuple(line, fc.constantFrom('\r\n', '\n')), { maxLength: 8 }).map((ls) =>
    ls.map(([l, end]) => `${l === '.' || l.startsWith('.') ? `.${l}` : l}${end}`).join(''),
  );

  it('random splits of the server bytes give the same events (streamed and collected, pipelined)', () => {
    fc.assert(
      fc.property(fc.array(body, { minLength: 1, maxLength: 4 }), fc.array(fc.nat(), { maxLength: 30 }), fc.boolean(), (bodies, points, stream) => {
        const commands = bodies.map((_, i): POP3Command => ({ type: 'RETR', which: i + 1, stream }));
        const wire = bytes(wireOf(bodies));
        const whole = events(inTransaction(commands, true), [wire]);
        expect(events(inTransaction(commands, true), cut(wire, points))).toEqual(whole);
        expect(whole.filter((e) => (e as { type: string }).type === 'status')).toHaveLength(bodies.length);
      }),
    );
  });

  it('one-byte lines ended by bare LF or CRLF (issue #18 item 9: once quadratic; cost per byte in bench/one-byte-lines.mjs) collect to the same bytes however split', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.constantFrom('x', '.', '+'), fc.boolean()), { maxLength: 400 }), fc.array(fc.nat(), { maxLength: 40 }), (lines, points) => {
        const wire = bytes(`+OK\r\n${lines.map(([c, bare]) => `${c === '.' ? '..' : c}${bare ? '\n' : '\r\n'}`).join('')}.\r\n`);
        const expected = lines.map(([c]) => `${c}\r\n`).join('');
        expect(events(inTransaction([{ type: 'RETR', which: 1 }]), cut(wire, points))).toEqual([status('RETR', true, ''), { type: 'message', command: 'RETR', data: expected }]);
      }),
    );
  });

  it('random server garbage gives events or a POP3 protocol/connection error, never a hang or another exception', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.array(fc.nat(), { maxLength: 10 }), (garbage, points) => {
        const core = inTransaction([{ type: 'RETR', which: 1 }, { type: 'LIST' }, { type: 'NOOP' }], true);
        try {
          events(core, [...cut(Buffer.from(garbage), points), Buffer.alloc(0)]);
          expect(core.state === 'CLOSED' || core.pending === 0).toBe(true);
        } catch (error) {
          expect(error instanceof POP3ProtocolError || error instanceof POP3ConnectionError).toBe(true);
          expect(core.state).toBe('ERROR');
        }
      }),
    );
  });
});
