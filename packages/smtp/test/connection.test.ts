import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { NEED_DATA, SMTPConnection, SMTPProtocolError, SMTPServerDisconnected, SMTPState, SMTPUsageError, TRANSITIONS, type SMTPCommand, type SMTPEvent } from '../src/mod.js';

const bytes = (text: string) => Buffer.from(text, 'latin1');
const text = (data: Uint8Array) => Buffer.from(data).toString('latin1');

/** Every event available now, as "COMMAND code text" or "closed". */
function drain(core: SMTPConnection): string[] {
  const out: string[] = [];
  for (let event = core.nextEvent(); event !== NEED_DATA; event = core.nextEvent()) {
    out.push(describeEvent(event));
    if (event.type === 'closed') break;
  }
  return out;
}
const describeEvent = (event: SMTPEvent) => (event.type === 'closed' ? 'closed' : `${event.command} ${event.reply.code} ${event.reply.text}`);

/** A session script: what the client sends (checked against the expected bytes) and what the server answers. */
type Step = { send: SMTPCommand; wire: string } | { receive: string; events: string[] } | { state: SMTPState };

function run(steps: Step[]): SMTPConnection {
  const core = new SMTPConnection();
  for (const step of steps) {
    if ('send' in step) expect(text(core.send(step.send))).toBe(step.wire);
    else if ('receive' in step) {
      core.receiveData(bytes(step.receive));
      expect(drain(core)).toEqual(step.events);
    } else expect(core.state).toBe(step.state);
  }
  return core;
}

describe('SMTPConnection (sans-IO): bytes <-> events', () => {
  it('greeting, EHLO with extensions, a pipelined transaction with one refused recipient, DATA, QUIT', () => {
    const core = run([
      { state: SMTPState.GREETING },
      { receive: '220 mx.test ESMTP\r\n', events: ['GREETING 220 mx.test ESMTP'] },
      { state: SMTPState.READY },
      { send: { type: 'EHLO', name: 'client.test' }, wire: 'EHLO client.test\r\n' },
      { receive: '250-mx.test\r\n250-PIPELINING\r\n250 SIZE 1000\r\n', events: ['EHLO 250 mx.test\nPIPELINING\nSIZE 1000'] },
      { send: { type: 'MAIL', from: 'a@x.test', parameters: ['SIZE=5'] }, wire: 'MAIL FROM:<a@x.test> SIZE=5\r\n' },
      { send: { type: 'RCPT', to: 'b@x.test' }, wire: 'RCPT TO:<b@x.test>\r\n' },
      { send: { type: 'RCPT', to: 'nobody@x.test' }, wire: 'RCPT TO:<nobody@x.test>\r\n' },
      { send: { type: 'DATA' }, wire: 'DATA\r\n' },
      { receive: '250 ok\r\n250 ok\r\n550 5.1.1 no such user\r\n354 go\r\n', events: ['MAIL 250 ok', 'RCPT 250 ok', 'RCPT 550 5.1.1 no such user', 'DATA 354 go'] },
      { state: SMTPState.DATA },
      { send: { type: 'BODY', data: bytes('.hi\nthere') }, wire: '..hi\r\nthere' },
      { send: { type: 'END_OF_DATA' }, wire: '\r\n.\r\n' },
      { receive: '250 queued\r\n', events: ['END_OF_DATA 250 queued'] },
      { send: { type: 'QUIT' }, wire: 'QUIT\r\n' },
      { receive: '221 bye\r\n', events: ['QUIT 221 bye'] },
      { state: SMTPState.CLOSED },
    ]);
    core.receiveData(new Uint8Array(0));
    expect(drain(core)).toEqual(['closed']);
  });

  it('STARTTLS: 220 leads to TLS, where any byte is an injection; startedTls forgets the extensions', () => {
    const steps: Step[] = [
      { receive: '220 mx\r\n', events: ['GREETING 220 mx'] },
      { send: { type: 'EHLO', name: 'c' }, wire: 'EHLO c\r\n' },
      { receive: '250-mx\r\n250 STARTTLS\r\n', events: ['EHLO 250 mx\nSTARTTLS'] },
      { send: { type: 'STARTTLS' }, wire: 'STARTTLS\r\n' },
      { receive: '220 go\r\n', events: ['STARTTLS 220 go'] },
      { state: SMTPState.TLS },
    ];
    const core = run(steps);
    expect(core.extensions?.has('starttls')).toBe(true);
    core.startedTls();
    expect(core.state).toBe(SMTPState.READY);
    expect(core.extensions).toBeNull();
    const injected = run(steps);
    expect(() => injected.receiveData(bytes('250 injected\r\n'))).toThrow(SMTPProtocolError);
    expect(injected.state).toBe(SMTPState.ERROR);
    const sameChunk = new SMTPConnection();
    sameChunk.receiveData(bytes('220 mx\r\n'));
    drain(sameChunk);
    sameChunk.send({ type: 'STARTTLS' });
    sameChunk.receiveData(bytes('220 go\r\n250 injected\r\n'));
    expect(drain(sameChunk)).toEqual(['STARTTLS 220 go']);
    expect(sameChunk.buffered).toBeGreaterThan(0);
    expect(() => sameChunk.startedTls()).toThrow(/possible response injection/);
  });

  it('AUTH: 334 challenges lead to the AUTH state, where only responses may be sent', () => {
    const core = run([
      { receive: '220 mx\r\n', events: ['GREETING 220 mx'] },
      { send: { type: 'AUTH', mechanism: 'LOGIN' }, wire: 'AUTH LOGIN\r\n' },
      { receive: '334 VXNlcm5hbWU6\r\n', events: ['AUTH 334 VXNlcm5hbWU6'] },
      { state: SMTPState.AUTH },
      { send: { type: 'AUTH_RESPONSE', response: 'dGlt' }, wire: 'dGlt\r\n' },
      { receive: '334 UGFzc3dvcmQ6\r\n', events: ['AUTH_RESPONSE 334 UGFzc3dvcmQ6'] },
      { send: { type: 'AUTH_RESPONSE', response: 'cHc=' }, wire: 'cHc=\r\n' },
      { receive: '235 2.7.0 ok\r\n', events: ['AUTH_RESPONSE 235 2.7.0 ok'] },
      { state: SMTPState.READY },
    ]);
    expect(SMTPConnection.trace({ type: 'AUTH', mechanism: 'PLAIN', initialResponse: 'AGEAYg==' })).toBe('AUTH PLAIN <redacted>');
    expect(SMTPConnection.trace({ type: 'AUTH_RESPONSE', response: 'cHc=' })).toBe('<redacted>');
    expect(SMTPConnection.trace({ type: 'RAW', line: 'AUTH PLAIN AGEAYg==' })).toBe('AUTH PLAIN <redacted>');
    expect(core.pending).toBe(0);
  });

  it('refuses what the table does not allow, without sending or changing anything', () => {
    const core = new SMTPConnection();
    expect(() => core.send({ type: 'EHLO', name: 'c' })).toThrow(/cannot be sent in state GREETING/);
    core.receiveData(bytes('220 mx\r\n'));
    drain(core);
    expect(() => core.send({ type: 'END_OF_DATA' })).toThrow(SMTPUsageError);
    expect(() => core.send({ type: 'RAW', line: 'NOOP\r\nRSET' })).toThrow(/CR, LF or NUL/);
    expect(() => core.send({ type: 'MAIL', from: 'a@x\r\nRCPT TO:<evil@x>' })).toThrow(SMTPUsageError);
    expect(core.pending).toBe(0);
    core.send({ type: 'EHLO', name: 'c' });
    expect(() => core.send({ type: 'MAIL', from: 'a@x' })).toThrow(/before the reply to EHLO arrived/);
    core.receiveData(bytes('250 mx\r\n'));
    drain(core);
    core.send({ type: 'MAIL', from: 'a@x' });
    core.send({ type: 'RCPT', to: 'b@x' });
    expect(core.pending).toBe(2);
    for (const [state, row] of Object.entries(TRANSITIONS)) {
      if (state === SMTPState.READY) continue;
      expect(row.send.MAIL, `MAIL allowed in ${state}`).toBeUndefined();
    }
  });

  it.each([
    ['garbage', 'HTTP/1.1 200 OK\r\n', /malformed reply/],
    ['a reply nobody asked for', '220 mx\r\n250 surprise\r\n', /nobody asked for/],
    ['a code change inside a reply', '220-a\r\n221 b\r\n', /code changed/],
    ['a 1xx code', '100 x\r\n', /malformed/],
  ])('fails on %s, and stays failed with that first error', (_, wire, message) => {
    const core = new SMTPConnection();
    core.receiveData(bytes(wire));
    const first = (() => {
      try {
        drain(core);
      } catch (error) {
        return error;
      }
      return null;
    })();
    expect(first).toBeInstanceOf(SMTPProtocolError);
    expect((first as Error).message).toMatch(message);
    expect(core.state).toBe(SMTPState.ERROR);
    expect(() => core.nextEvent()).toThrow(first as Error);
    expect(() => core.send({ type: 'QUIT' })).toThrow(first as Error);
    expect(() => core.receiveData(bytes('220 ok\r\n'))).toThrow(first as Error);
  });

  it('a close while a reply is awaited is a disconnect; a close between replies is an event', () => {
    const core = new SMTPConnection();
    core.receiveData(bytes('220 m'));
    core.receiveData(new Uint8Array(0));
    expect(() => core.nextEvent()).toThrow(SMTPServerDisconnected);
    const idle = new SMTPConnection();
    idle.receiveData(bytes('220 mx\r\n'));
    drain(idle);
    idle.receiveData(new Uint8Array(0));
    expect(drain(idle)).toEqual(['closed']);
  });
});

describe('SMTPConnection properties', () => {
  const SERVER = '220 mx.test ESMTP\r\n250-mx.test\r\n250-PIPELINING\r\n250 8BITMIME\r\n250 2.1.0 ok\r\n550-5.1.1 no\r\n550 5.1.1 such user\r\n354 go ahead\r\n250 2.0.0 queued as X\r\n221 bye\r\n';
  const COMMANDS: SMTPCommand[][] = [[], [{ type: 'EHLO', name: 'c' }], [{ type: 'MAIL', from: 'a@x' }, { type: 'RCPT', to: 'b@x' }, { type: 'DATA' }], [{ type: 'END_OF_DATA' }], [{ type: 'QUIT' }]];

  /** Plays the session with the server's bytes cut at `cuts`, sending each group once the previous replies came. */
  function play(cuts: number[]): string[] {
    const wire = bytes(SERVER);
    const points = [...new Set(cuts.map((c) => c % (wire.length + 1)))].sort((a, b) => a - b);
    const core = new SMTPConnection();
    const events: string[] = [];
    let group = 0;
    let from = 0;
    const feed = (chunk: Uint8Array) => {
      core.receiveData(chunk);
      for (let event = core.nextEvent(); event !== NEED_DATA; event = core.nextEvent()) {
        events.push(describeEvent(event));
        if (event.type === 'closed') return;
        if (core.pending === 0 && ++group < COMMANDS.length) for (const command of COMMANDS[group]!) core.send(command);
      }
    };
    for (const p of [...points, wire.length]) {
      if (p > from) feed(wire.subarray(from, p));
      from = p;
    }
    return events;
  }

  it('random splits of the server bytes give the same events', () => {
    const whole = play([]);
    expect(whole).toEqual([
      'GREETING 220 mx.test ESMTP',
      'EHLO 250 mx.test\nPIPELINING\n8BITMIME',
      'MAIL 250 2.1.0 ok',
      'RCPT 550 5.1.1 no\n5.1.1 such user',
      'DATA 354 go ahead',
      'END_OF_DATA 250 2.0.0 queued as X',
      'QUIT 221 bye',
    ]);
    fc.assert(
      fc.property(fc.array(fc.nat(), { maxLength: 40 }), (cuts) => {
        expect(play(cuts)).toEqual(whole);
      }),
      { numRuns: 500 },
    );
  });

  it('random server garbage ends in an event, a protocol error or a disconnect at EOF: never a hang, never another error', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.array(fc.nat(), { maxLength: 10 }), (garbage, cuts) => {
        const core = new SMTPConnection({ maxLineLength: 100, maxLines: 5 });
        const points = [...new Set(cuts.map((c) => c % (garbage.length + 1))), garbage.length].sort((a, b) => a - b);
        let from = 0;
        const events: string[] = [];
        try {
          for (const p of points) {
            if (p > from) core.receiveData(garbage.subarray(from, p));
            from = p;
            for (let event = core.nextEvent(); event !== NEED_DATA; event = core.nextEvent()) events.push(describeEvent(event));
            expect(core.buffered).toBeLessThanOrEqual(garbage.length);
          }
          core.receiveData(new Uint8Array(0));
          const last = core.nextEvent();
          expect(last).not.toBe(NEED_DATA);
          expect(last).toEqual({ type: 'closed' });
          // Only the greeting can be a reply: nothing else was asked.
          expect(events.length).toBeLessThanOrEqual(1);
        } catch (error) {
          if (!(error instanceof SMTPProtocolError) && !(error instanceof SMTPServerDisconnected)) throw error;
          expect(core.state).toBe(SMTPState.ERROR);
        }
      }),
      { numRuns: 2000 },
    );
  });
});
