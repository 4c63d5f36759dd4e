/** The sans-IO FTP control connection in memory: byte<->event tables, the state table, a property. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FTPConnectionError, FTPProtoError, FTPUsageError } from '../src/errors.js';
import { FTPConnection, NEED_DATA, type FTPCommand, type FTPEvent } from '../src/protocol/connection.js';
import { FTPState, TRANSITIONS } from '../src/protocol/states.js';

const text = (bytes: Uint8Array) => Buffer.from(bytes).toString('latin1');

/** Every event the bytes give, then NEED_DATA (or the closed event at EOF). */
function drain(core: FTPConnection): Array<FTPEvent | typeof NEED_DATA> {
  const events: Array<FTPEvent | typeof NEED_DATA> = [];
  for (;;) {
    const event = core.nextEvent();
    events.push(event);
    if (event === NEED_DATA || event.type === 'closed') return events;
  }
}

/** A readable summary of an event, for the tables. */
const show = (event: FTPEvent | typeof NEED_DATA) =>
  event === NEED_DATA ? 'NEED_DATA' : event.type === 'reply' ? `${event.command}:${event.reply.code}${event.final ? '' : '…'}` : event.type === 'resynced' ? `resynced:${event.discarded.map((r) => r.code).join(',')}` : 'closed';

/** Drives a core through `steps`: a command (sent), or server bytes (received, events drained). */
function run(steps: Array<FTPCommand | string | null>): { sent: string[]; events: string[]; core: FTPConnection } {
  const core = new FTPConnection();
  const sent: string[] = [];
  const events: string[] = [];
  for (const step of steps) {
    if (step === null) core.receiveData(new Uint8Array(0));
    else if (typeof step === 'string') core.receiveData(Buffer.from(step, 'latin1'));
    else {
      sent.push(text(core.send(step)));
      continue;
    }
    events.push(...drain(core).map(show));
  }
  return { sent, events, core };
}

describe('FTPConnection: bytes <-> events', () => {
  it.each([
    ['a greeting, then a command and its reply', ['220 hi\r\n', { verb: 'PWD' }, '257 "/"\r\n'], ['PWD\r\n'], ['GREETING:220', 'NEED_DATA', 'PWD:257', 'NEED_DATA'], FTPState.IDLE],
    ['120 "ready soon" before the greeting', ['120 in 1 minute\r\n220 ready\r\n'], [], ['GREETING:120…', 'GREETING:220', 'NEED_DATA'], FTPState.IDLE],
    ['a refusing greeting closes', ['421 too many users\r\n'], [], ['GREETING:421', 'NEED_DATA'], FTPState.CLOSED],
    ['a transfer: 150, then 226', ['220 hi\r\n', { verb: 'RETR', argument: 'x' }, '150 here (3 bytes)\r\n', '226 done\r\n'], ['RETR x\r\n'], ['GREETING:220', 'NEED_DATA', 'RETR:150…', 'NEED_DATA', 'RETR:226', 'NEED_DATA'], FTPState.IDLE],
    ['a 2xx before the 1xx (ftplib tolerates it)', ['220 hi\r\n', { verb: 'LIST' }, '200 ok\r\n150 go\r\n226 done\r\n'], ['LIST\r\n'], ['GREETING:220', 'NEED_DATA', 'LIST:200…', 'LIST:150…', 'LIST:226', 'NEED_DATA'], FTPState.IDLE],
    ['a refused transfer', ['220 hi\r\n', { verb: 'STOR', argument: 'x' }, '553 no\r\n'], ['STOR x\r\n'], ['GREETING:220', 'NEED_DATA', 'STOR:553', 'NEED_DATA'], FTPState.IDLE],
    [
      'ABOR during a transfer: NOOP follows, replies up to its 200 are discarded',
      ['220 hi\r\n', { verb: 'RETR', argument: 'x' }, '150 go\r\n', { verb: 'ABOR' }, '426 aborted\r\n226 ABOR ok\r\n200 NOOP ok\r\n'],
      ['RETR x\r\n', 'ABOR\r\nNOOP\r\n'],
      ['GREETING:220', 'NEED_DATA', 'RETR:150…', 'NEED_DATA', 'resynced:426,226,200', 'NEED_DATA'],
      FTPState.IDLE,
    ],
    ['AUTH TLS answered 234 pauses for the handshake', ['220 hi\r\n', { verb: 'AUTH', argument: 'TLS' }, '234 go\r\n'], ['AUTH TLS\r\n'], ['GREETING:220', 'NEED_DATA', 'AUTH:234', 'NEED_DATA'], FTPState.TLS],
    ['AUTH answered 334 does not', ['220 hi\r\n', { verb: 'AUTH', argument: 'TLS' }, '334 ADAT\r\n'], ['AUTH TLS\r\n'], ['GREETING:220', 'NEED_DATA', 'AUTH:334', 'NEED_DATA'], FTPState.IDLE],
    ['QUIT, then the server closes', ['220 hi\r\n', { verb: 'QUIT' }, '221 bye\r\n', null], ['QUIT\r\n'], ['GREETING:220', 'NEED_DATA', 'QUIT:221', 'NEED_DATA', 'closed'], FTPState.CLOSED],
    ['421 at any time (RFC 959 §4.2)', ['220 hi\r\n', '421 timeout\r\n'], [], ['GREETING:220', 'NEED_DATA', 'null:421', 'NEED_DATA'], FTPState.CLOSED],
    ['421 instead of a reply', ['220 hi\r\n', { verb: 'NOOP' }, '421 shutting down\r\n'], ['NOOP\r\n'], ['GREETING:220', 'NEED_DATA', 'NOOP:421', 'NEED_DATA'], FTPState.CLOSED],
    ['a 1xx to an ordinary command, then its reply', ['220 hi\r\n', { verb: 'SITE', argument: 'x' }, '110 marker\r\n200 ok\r\n'], ['SITE x\r\n'], ['GREETING:220', 'NEED_DATA', 'SITE:110…', 'SITE:200', 'NEED_DATA'], FTPState.IDLE],
  ] as const)('%s', (_label, steps, sent, events, state) => {
    const result = run([...steps] as Array<FTPCommand | string | null>);
    expect(result.sent).toEqual(sent);
    expect(result.events).toEqual(events);
    expect(result.core.state).toBe(state);
  });

  it.each([
    ['garbage instead of a reply', ['HTTP/1.1 200 OK\r\n'], FTPProtoError, /malformed FTP reply/],
    ['an unsolicited reply', ['220 hi\r\n', '200 surprise\r\n'], FTPProtoError, /nobody asked for/],
    ['a 3xx greeting', ['331 what\r\n'], FTPProtoError, /not valid in state GREETING/],
    ['EOF in the middle of a reply', ['211-Features:\r\n SIZE\r\n', null], FTPConnectionError, /in the middle of a reply/],
    ['EOF before a reply', ['220 hi\r\n', { verb: 'PWD' }, null], FTPConnectionError, /before answering PWD/],
    ['EOF during ABOR resynchronisation', ['220 hi\r\n', { verb: 'LIST' }, '150 go\r\n', { verb: 'ABOR' }, '426 x\r\n', null], FTPConnectionError, /resynchronising/],
    ['no NOOP answer after ABOR', ['220 hi\r\n', { verb: 'LIST' }, { verb: 'ABOR' }, '226 x\r\n'.repeat(9)], FTPProtoError, /did not resynchronise/],
    ['bytes after the AUTH TLS go-ahead', ['220 hi\r\n', { verb: 'AUTH', argument: 'TLS' }, '234 go\r\n', '230 injected\r\n'], FTPProtoError, /injection/],
  ] as const)('raises on %s, and the error sticks', (_label, steps, type, message) => {
    const core = new FTPConnection();
    let error: unknown;
    try {
      for (const step of steps as ReadonlyArray<FTPCommand | string | null>) {
        if (step === null) core.receiveData(new Uint8Array(0));
        else if (typeof step === 'string') core.receiveData(Buffer.from(step));
        else {
          core.send(step);
          continue;
        }
        drain(core);
      }
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(type);
    expect((error as Error).message).toMatch(message);
    expect(core.state).toBe(FTPState.ERROR);
    expect(() => core.nextEvent()).toThrow(error as Error);
    expect(() => core.send({ verb: 'NOOP' })).toThrow(error as Error);
  });
});

describe('FTPConnection: what may be sent', () => {
  const greeted = () => {
    const core = new FTPConnection();
    core.receiveData(Buffer.from('220 hi\r\n'));
    core.nextEvent();
    return core;
  };

  it('refuses CR, LF and NUL in a verb or argument before anything is recorded (the single write point)', () => {
    const core = greeted();
    for (const argument of ['a\r\nDELE x', 'a\nb', 'a\0b', 'a\rb']) {
      expect(() => core.send({ verb: 'CWD', argument })).toThrow(FTPUsageError);
    }
    expect(() => core.send({ verb: 'NO\r\nOP' })).toThrow(FTPUsageError);
    expect(() => FTPConnection.parse('NOOP\r\nDELE x')).toThrow(FTPUsageError);
    expect(() => core.send({ verb: '' })).toThrow(/not an FTP command verb/);
    expect(core.state).toBe(FTPState.IDLE);
    expect(text(core.send({ verb: 'cwd', argument: 'é dir' }))).toBe(Buffer.from('CWD é dir\r\n').toString('latin1'));
  });

  it('refuses a second command while a reply is awaited, and commands before the greeting', () => {
    expect(() => new FTPConnection().send({ verb: 'USER', argument: 'a' })).toThrow(/cannot be sent in state GREETING/);
    const core = greeted();
    core.send({ verb: 'PWD' });
    expect(() => core.send({ verb: 'PWD' })).toThrow(/the reply to PWD is still awaited/);
    expect(() => core.send({ verb: 'ABOR' })).toThrow(FTPUsageError); // ABOR resynchronises transfers only
  });

  it('redacts PASS and ACCT in traces', () => {
    expect(FTPConnection.trace({ verb: 'PASS', argument: 'secret' })).toBe('PASS <redacted>');
    expect(FTPConnection.trace({ verb: 'acct', argument: 'x' })).toBe('ACCT <redacted>');
    expect(FTPConnection.trace({ verb: 'USER', argument: 'bob' })).toBe('USER bob');
  });

  it('has a row for every state, and only IDLE and transfers accept commands', () => {
    expect(Object.keys(TRANSITIONS).sort()).toEqual(Object.values(FTPState).sort());
    const sending = Object.entries(TRANSITIONS).filter(([, row]) => Object.keys(row.send).length > 0).map(([state]) => state);
    expect(sending.sort()).toEqual([FTPState.IDLE, FTPState.TRANSFER, FTPState.TRANSFER_REQUESTED].sort());
  });
});

describe('FTPConnection: properties', () => {
  const session = '220-welcome\r\n220 ready\r\n331 pass\r\n230-in\r\n 230 not the end\r\n230 logged in\r\n227 Entering Passive Mode (127,0,0,1,4,1)\r\n150 here\r\n226 done\r\n200 noop\r\n';
  const commands: FTPCommand[] = [{ verb: 'USER', argument: 'a' }, { verb: 'PASS', argument: 'b' }, { verb: 'PASV' }, { verb: 'RETR', argument: 'x' }, { verb: 'NOOP' }];

  /** Plays the session with the server's bytes cut at `cuts`; a command is sent whenever the core is IDLE. */
  function play(cuts: number[]): string[] {
    const wire = Buffer.from(session);
    const points = [...new Set(cuts.map((c) => c % (wire.length + 1))), wire.length].sort((a, b) => a - b);
    const core = new FTPConnection();
    const queue = [...commands];
    const events: string[] = [];
    let from = 0;
    for (const point of points) {
      if (point === from) continue; // an empty piece would mean EOF
      core.receiveData(wire.subarray(from, point));
      from = point;
      for (let event = core.nextEvent(); event !== NEED_DATA; event = core.nextEvent()) {
        events.push(show(event));
        if (core.state === FTPState.IDLE && queue.length > 0) core.send(queue.shift()!);
      }
    }
    return events;
  }

  it('random splits of the server\'s bytes give the same events', () => {
    const whole = play([]);
    expect(whole).toEqual(['GREETING:220', 'USER:331', 'PASS:230', 'PASV:227', 'RETR:150…', 'RETR:226', 'NOOP:200']);
    fc.assert(
      fc.property(fc.array(fc.nat(), { maxLength: 40 }), (cuts) => {
        expect(play(cuts)).toEqual(whole);
      }),
      { numRuns: 500 },
    );
  });

  it('random server garbage gives events or a typed error, never a hang, a crash or another error', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 20 }), fc.boolean(), (chunks, eof) => {
        const core = new FTPConnection({ maxLineLength: 200, maxReplySize: 4000 });
        try {
          let steps = 0;
          for (const chunk of [...chunks, ...(eof ? [new Uint8Array(0)] : [])]) {
            core.receiveData(chunk);
            for (let event = core.nextEvent(); event !== NEED_DATA; event = core.nextEvent()) {
              if (++steps > 10_000) throw new Error('no progress');
              if (event.type === 'closed') return;
              if (core.state === FTPState.IDLE) core.send({ verb: 'NOOP' });
            }
          }
        } catch (error) {
          expect(error instanceof FTPProtoError || error instanceof FTPConnectionError || error instanceof FTPUsageError).toBe(true);
          if (!(error instanceof FTPUsageError)) expect(core.state).toBe(FTPState.ERROR);
        }
      }),
      { numRuns: 1000 },
    );
  });
});
