/**
 * SMTP against a careless or hostile caller (the breaker's findings), over implicit TLS on every
 * implementation: two calls at once, close() during a call, message streams that fail or yield the
 * wrong thing, non-ASCII where RFC 5321/6531 do not allow it, arguments that change a command's
 * structure, CR/LF in sendMessage addresses, timeouts the runtime cannot hold, a SASL server that
 * never stops asking, an abort at every await point (fast-check), and a message stream that stalls
 * after DATA. Every test also fails on an unhandled rejection (vitest reports them as errors).
 */
import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import {
  SMTP,
  SMTPException,
  SMTPNotSupportedError,
  SMTPProtocolError,
  SMTPServerDisconnected,
  SMTPUsageError,
  type SMTPOptions,
} from '@unitls/smtp';
import { clientConfig, pki } from '../support/fixtures.js';
import { useScriptedServers, type ScriptConnection } from '../support/scripted-server.js';
import { implementations } from '../conformance/implementations.js';

const hostile = useScriptedServers();

/** Both calls of a pair, settled, in order. */
async function settlePair(calls: readonly Promise<unknown>[]): Promise<[PromiseSettledResult<unknown>, PromiseSettledResult<unknown>]> {
  const [first, second] = await Promise.allSettled(calls);
  return [first!, second!];
}
const cert = () => pki.pem('server-ec', 'chain.crt');
const key = () => pki.pem('server-ec', 'key');
const EXTENSIONS = ['PIPELINING', 'CHUNKING', 'AUTH PLAIN LOGIN'];

/** A TLS server that greets and answers every command sensibly (DATA is read to its end). */
async function friendly(c: ScriptConnection, extensions = EXTENSIONS): Promise<void> {
  await c.startTls(cert(), key());
  c.write('220 scripted.test ESMTP\r\n');
  for (let line = await c.line(); line !== null; line = await c.line()) {
    if (/^EHLO /.test(line)) c.write(['scripted.test', ...extensions].map((e, i, all) => `250${i === all.length - 1 ? ' ' : '-'}${e}\r\n`).join(''));
    else if (line === 'DATA') {
      c.write('354 go ahead\r\n');
      for (let body = await c.line(); body !== null && body !== '.'; body = await c.line());
      c.write('250 queued\r\n');
    } else if (/^BDAT /.test(line)) {
      await c.bytes(Number(line.split(' ')[1]));
      c.write('250 chunk ok\r\n');
    } else if (line === 'QUIT') {
      c.write('221 bye\r\n');
      return;
    } else c.write('250 ok\r\n');
  }
}

/** A stream that yields `first`, then waits until released; `stalled` resolves once it waits. */
function stallingStream(first: Uint8Array[]) {
  let release!: () => void;
  let stalled!: () => void;
  const state = { returned: false, stalled: new Promise<void>((resolve) => (stalled = resolve)), release: () => release() };
  const gate = new Promise<void>((resolve) => (release = resolve));
  const body = (async function* () {
    try {
      for (const chunk of first) yield chunk;
      stalled();
      await gate;
      yield Buffer.from('never sent\r\n');
    } finally {
      state.returned = true;
    }
  })();
  return { body, state };
}

type Ender = 'the call signal' | 'the client signal' | 'close()';

describe.each(implementations.map((i) => [i.name, i] as const))('SMTP against a careless caller (%s)', (_, implementation) => {
  const client = (port: number, extra: Partial<SMTPOptions> = {}) =>
    new SMTP({ host: '127.0.0.1', port, serverHostname: 'localhost', implementation, configuration: clientConfig(), localHostname: 'client.test', security: 'implicit', timeout: 10_000, ...extra });

  it.each([
    ['noop + getreply', (s: SMTP) => [s.noop(), s.getreply()], null],
    ['mail + rcpt', (s: SMTP) => [s.mail('a@x.test'), s.rcpt('b@x.test')], 'RCPT TO:<b@x.test>'],
    ['rset + mail', (s: SMTP) => [s.rset(), s.mail('a@x.test')], 'MAIL FROM:<a@x.test>'],
    ['sendmail + sendmail', (s: SMTP) => [s.sendmail('a@x.test', 'b@x.test', 'one'), s.sendmail('a@x.test', 'b@x.test', 'two')], 'two'],
    ['noop + quit', (s: SMTP) => [s.noop(), s.quit()], 'QUIT'],
  ] as const)('two calls at once (%s): the second is a usage error and sends nothing; the first completes; the session goes on', async (_pair, calls, notSent) => {
    // Before: the connection was lost with "concurrent reads are not supported" or "unexpectedly
    // closed by the server", or (tls-openssl, tls-pure) the pair waited for the whole timeout.
    const s = await hostile((c) => friendly(c));
    const smtp = client(s.port);
    await smtp.connect();
    await smtp.ehlo();
    const [first, second] = await settlePair(calls(smtp));
    expect(first.status, String(first.status === 'rejected' && first.reason)).toBe('fulfilled');
    expect(second.status === 'rejected' && second.reason).toBeInstanceOf(SMTPUsageError);
    expect(String(second.status === 'rejected' && second.reason)).toMatch(/still running/);
    expect((await smtp.noop()).code).toBe(250);
    if (notSent !== null) expect(s.lines).not.toContain(notSent);
    await smtp.quit();
    await s.done();
  });

  it('login() or auth() before connect() says to connect first (smtplib: SMTPServerDisconnected), not that TLS is missing', async () => {
    const smtp = client(1);
    for (const call of [() => smtp.login('alice', 'secret'), () => smtp.auth('PLAIN', { user: 'alice', password: 'secret' })]) {
      const error = await call().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(SMTPServerDisconnected);
      expect(String(error)).toMatch(/run connect\(\) first/);
      expect(String(error)).not.toMatch(/TLS/);
    }
  });

  it('two connects at once: one connection, none leaked', async () => {
    const s = await hostile((c) => friendly(c));
    const smtp = client(s.port);
    const [first, second] = await Promise.allSettled([smtp.connect(), smtp.connect()]);
    expect(first.status).toBe('fulfilled');
    expect(second.status === 'rejected' && second.reason).toBeInstanceOf(SMTPUsageError);
    await smtp.quit();
    await s.done();
    expect(s.allClosed()).toBe(true);
  });

  it('close() during a call rejects it with "closed by close()", not a server disconnect', async () => {
    const s = await hostile(async (c) => {
      await c.startTls(cert(), key());
      c.write('220 scripted.test\r\n');
      await c.line(); // NOOP, never answered
      await c.line();
    });
    const smtp = client(s.port);
    await smtp.connect();
    const pending = smtp.noop();
    // The call rejects while close() runs: its handler is attached first.
    const rejected = expect(pending).rejects.toBeInstanceOf(SMTPServerDisconnected);
    await smtp.close();
    await rejected;
    await expect(pending).rejects.toThrow(/close\(\)/);
    await s.done();
  });

  it('a message of the wrong type is refused before MAIL; a stream that fails or yields text after DATA closes the connection', async () => {
    // Before: a TypeError after DATA was accepted, the session left in DATA (noop and quit refused).
    const s = await hostile((c) => friendly(c));
    const smtp = client(s.port);
    await smtp.connect();
    for (const message of [null, 42, {}, undefined]) {
      await expect(smtp.sendmail('a@x.test', 'b@x.test', message as never)).rejects.toBeInstanceOf(SMTPUsageError);
    }
    expect(s.lines).toEqual([]);
    expect(smtp.state).toBe('READY');
    const broken = (async function* () {
      yield Buffer.from('Subject: half\r\n\r\n');
      throw new Error('the disk went away');
    })();
    const error = await smtp.sendmail('a@x.test', 'b@x.test', broken).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SMTPException);
    expect((error as Error).cause).toMatchObject({ message: 'the disk went away' });
    expect(smtp.state).toBeNull(); // closed: no "." can follow a partial message
    await s.done();

    const t = await hostile((c) => friendly(c));
    const again = client(t.port);
    await again.connect();
    const text = (async function* () {
      yield 'Subject: text, not bytes\r\n' as unknown as Uint8Array;
    })();
    await expect(again.sendmail('a@x.test', 'b@x.test', text)).rejects.toBeInstanceOf(SMTPUsageError);
    expect(again.state).toBeNull();
    await t.done();
  });

  it('a stream that fails between BDAT chunks, or yields text, ends the transaction with RSET and keeps the session', async () => {
    const s = await hostile((c) => friendly(c));
    const smtp = client(s.port);
    await smtp.connect();
    await smtp.ehlo();
    const cases: Array<[AsyncIterable<Uint8Array>, string]> = [
      [
        (async function* () {
          yield Buffer.from('one\r\n');
          yield Buffer.from('two\r\n');
          throw new Error('gone');
        })(),
        'BDAT 5', // "one" went out once "two" came; "two" never did
      ],
      [
        (async function* () {
          yield Buffer.from('one\r\n');
          yield 'text' as unknown as Uint8Array;
        })(),
        'RCPT TO:<b@x.test>', // refused before any chunk went out
      ],
    ];
    for (const [chunks, before] of cases) {
      await smtp.mail('a@x.test');
      await smtp.rcpt('b@x.test');
      const error = await smtp.bdat(chunks).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(SMTPException);
      expect(String(error)).toMatch(/during BDAT/);
      expect(s.lines.slice(-2)).toEqual([before, 'RSET']);
      expect((await smtp.noop()).code).toBe(250);
    }
    await smtp.quit();
    await s.done();
  });

  it('non-ASCII only where RFC 6531 allows it; an IDN EHLO name goes out as A-labels', async () => {
    // Before: MAIL FROM:<jösé@…>, RCPT, VRFY and docmd went out as raw UTF-8 to a server without SMTPUTF8.
    const s = await hostile((c) => friendly(c, ['PIPELINING']));
    const smtp = client(s.port, { localHostname: 'bücher.example' });
    await smtp.connect();
    await smtp.ehlo();
    await expect(smtp.mail('jösé@x.test')).rejects.toBeInstanceOf(SMTPNotSupportedError);
    await expect(smtp.verify('jösé@x.test')).rejects.toBeInstanceOf(SMTPNotSupportedError);
    await expect(smtp.docmd('NOOP grüße')).rejects.toBeInstanceOf(SMTPNotSupportedError);
    await expect(smtp.sendmail('jösé@x.test', 'b@x.test', 'x')).rejects.toBeInstanceOf(SMTPNotSupportedError);
    await smtp.mail('a@x.test');
    await expect(smtp.rcpt('jösé@x.test')).rejects.toBeInstanceOf(SMTPUsageError);
    await smtp.quit();
    await s.done();
    expect(s.lines).toEqual(['EHLO xn--bcher-kva.example', 'MAIL FROM:<a@x.test>', 'QUIT']);

    const t = await hostile((c) => friendly(c, ['PIPELINING', 'SMTPUTF8']));
    const utf8 = client(t.port);
    await utf8.connect();
    await utf8.mail('jösé@x.test');
    await utf8.rcpt('zoë@x.test');
    await utf8.rset();
    await expect(utf8.rcpt('zoë@x.test')).rejects.toBeInstanceOf(SMTPUsageError);
    await utf8.quit();
    await t.done();
    const wire = (text: string) => Buffer.from(text, 'utf8').toString('latin1'); // the script reads latin1
    expect(t.lines).toEqual(['EHLO client.test', wire('MAIL FROM:<jösé@x.test> SMTPUTF8'), wire('RCPT TO:<zoë@x.test>'), 'RSET', 'QUIT']);
  });

  it('arguments that would change a command: brackets inside a path, spaces in a parameter, an empty EHLO name, CR/LF in sendMessage addresses', async () => {
    const s = await hostile((c) => friendly(c));
    const smtp = client(s.port);
    await smtp.connect();
    await smtp.ehlo();
    await expect(smtp.mail('<a@x.test>RCPT TO:<eve@x.test>')).rejects.toBeInstanceOf(SMTPUsageError);
    await expect(smtp.mail('a@x.test', ['SIZE=1 RSET'])).rejects.toBeInstanceOf(SMTPUsageError);
    await expect(smtp.ehlo('')).rejects.toBeInstanceOf(SMTPUsageError);
    await expect(smtp.helo('two words')).rejects.toBeInstanceOf(SMTPUsageError);
    // nodemailer would read this "to" as the group `"bob@x.test RCPT TO": eve@x.test;` and deliver to eve only.
    await expect(smtp.sendMessage({ from: 'a@x.test', to: 'bob@x.test\r\nRCPT TO:<eve@x.test>', text: 'hi' })).rejects.toBeInstanceOf(SMTPUsageError);
    await expect(smtp.sendMessage({ from: { name: 'A\nB', address: 'a@x.test' }, to: 'bob@x.test', text: 'hi' })).rejects.toBeInstanceOf(SMTPUsageError);
    await expect(smtp.sendMessage({ from: 'a@x.test', to: ['bob@x.test'], bcc: ['c@x.test\0'], text: 'hi' })).rejects.toBeInstanceOf(SMTPUsageError);
    await smtp.quit();
    await s.done();
    expect(s.lines).toEqual(['EHLO client.test', 'QUIT']);
  });

  it('options that are not an object, or MAIL parameters that are not an array: SMTPUsageError, never a TypeError; the session goes on', async () => {
    const s = await hostile((c) => friendly(c));
    const smtp = client(s.port);
    await smtp.connect();
    await smtp.ehlo();
    await expect(smtp.noop(null as never)).rejects.toBeInstanceOf(SMTPUsageError);
    await expect(smtp.mail('a@x.test', [], 'fast' as never)).rejects.toBeInstanceOf(SMTPUsageError);
    await expect(smtp.mail('a@x.test', null as never)).rejects.toBeInstanceOf(SMTPUsageError);
    expect((await smtp.noop()).code).toBe(250);
    await smtp.quit();
    await s.done();
    expect(s.lines).toEqual(['EHLO client.test', 'NOOP', 'QUIT']);
  });

  it('a timeout above 2^31-1 ms works (it used to expire every operation at once); an invalid one is SMTPUsageError', async () => {
    const s = await hostile((c) => friendly(c));
    const smtp = client(s.port, { timeout: 3_000_000_000 });
    await smtp.connect();
    expect((await smtp.noop()).code).toBe(250);
    await smtp.quit();
    await s.done();
    for (const timeout of [-1, Number.NaN, '10' as unknown as number]) expect(() => client(s.port, { timeout })).toThrow(SMTPUsageError);
  });

  it('login with no user name is a usage error (PLAIN used to send "undefined"); a server asking for ever is a protocol error', async () => {
    const s = await hostile(async (c) => {
      await c.startTls(cert(), key());
      c.write('220 scripted.test\r\n');
      await c.line();
      c.write('250-scripted.test\r\n250 AUTH LOGIN\r\n');
      await c.line(); // AUTH LOGIN
      for (let line: string | null = ''; line !== null; line = await c.line()) c.write('334 VXNlcm5hbWU6\r\n');
    });
    const smtp = client(s.port);
    await smtp.connect();
    await expect(smtp.login(undefined as unknown as string, 'secret')).rejects.toBeInstanceOf(SMTPUsageError);
    const error = await smtp.login('alice', 'secret').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SMTPProtocolError); // was SMTPException (role "error")
    expect(String(error)).toMatch(/more than 10 SASL challenges/);
    expect(smtp.state).toBeNull();
    await s.done();
  });

  it('an abort at any await point of a session rejects with the reason, closes, and leaves nothing behind', async () => {
    await fc.assert(
      fc.asyncProperty(fc.nat(60), fc.boolean(), async (ticks, perCall) => {
        const s = await hostile((c) => friendly(c));
        const controller = new AbortController();
        const reason = new Error(`aborted after ${ticks} turns`);
        const smtp = client(s.port, perCall ? {} : { signal: controller.signal });
        const call = perCall ? { signal: controller.signal } : {};
        const session = (async () => {
          await smtp.connect(undefined, undefined, call);
          await smtp.ehlo(undefined, call);
          const body = (async function* () {
            for (let i = 0; i < 3; i++) yield Buffer.from(`line ${i}\r\n`);
          })();
          await smtp.sendmail('a@x.test', ['b@x.test', 'c@x.test'], body, [], [], call);
          await smtp.noop(call);
          return smtp.quit(call);
        })();
        let turns = 0;
        const tick = () => (turns++ >= ticks ? controller.abort(reason) : setImmediate(tick));
        setImmediate(tick);
        const outcome = await session.then(
          () => 'done',
          (error: unknown) => error,
        );
        if (outcome !== 'done') expect(outcome).toBe(reason);
        expect(smtp.state).toBeNull();
        // Not s.done(): a script can wait for ever in its TLS handshake when the client left first.
        await vi.waitFor(() => expect(s.allClosed()).toBe(true));
      }),
      { numRuns: 10 },
    );
  }, 120_000);

  // Found (breaker5): aborting either signal, or close(), while the stream waited left sendmail
  // (and bdat) waiting for the stream for ever: no read or write was in progress to reject. Now the
  // call ends at once, the connection is closed (no "." after the partial message) and the stream
  // is told to return once it yields.
  it.each<[Ender, boolean]>([
    ['the call signal', false],
    ['the client signal', false],
    ['close()', false],
    ['the call signal', true],
    ['close()', true],
  ])('%s ends it (BDAT: %s)', async (ender, binary) => {
    const s = await hostile((c) => friendly(c, binary ? ['PIPELINING', 'CHUNKING', 'BINARYMIME'] : ['PIPELINING']));
    const controller = new AbortController();
    const smtp = client(s.port, ender === 'the client signal' ? { signal: controller.signal } : {});
    await smtp.connect();
    // 70,000 bytes: a whole write's batch (64 KiB) goes out before the stall.
    const { body, state } = stallingStream([Buffer.alloc(70_000, 0x61), Buffer.from('\r\n')]);
    const reason = new Error('stop sending');
    const sent = smtp
      .sendmail('a@x.test', 'b@x.test', body, [], [], { ...(ender === 'the call signal' ? { signal: controller.signal } : {}), binary })
      .then(() => 'sent', (e: unknown) => e);
    await state.stalled;
    if (ender === 'close()') await smtp.close();
    else controller.abort(reason);
    const error = await sent;
    if (ender === 'close()') expect(String(error)).toMatch(/closed by close\(\) while a call was in progress/);
    else expect(error).toBe(reason);
    expect(smtp.state).toBeNull();
    state.release();
    await vi.waitFor(() => expect(state.returned).toBe(true));
    await s.done();
    expect(s.lines).not.toContain('.');
    expect(s.lines.filter((line) => /^BDAT .* LAST$/.test(line))).toEqual([]);
  });
});
