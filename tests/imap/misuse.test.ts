/**
 * IMAP4 against a careless or hostile caller (the breaker's findings), over implicit TLS on every
 * implementation: two calls at once, close() during a call, arguments of the wrong type (typed
 * rejections, never TypeErrors or synchronous throws), control characters in mailbox names, flags
 * and dates that would change a command, SEARCH text in the wrong charset, a SASL server that never
 * stops asking, timeouts the runtime cannot hold, and an abort at every await point (fast-check).
 * Every test also fails on an unhandled rejection (vitest reports them as errors).
 */
import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { IMAP4, IMAP4Error, IMAP4ProtocolError, IMAP4UsageError, type IMAP4Options } from '@unitls/imap';
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
const tagOf = (line: string | null) => (line ?? '').split(' ')[0]!;
const verbOf = (line: string | null) => (line ?? '').split(' ')[1]?.toUpperCase();
const CAPABILITIES = 'IMAP4rev1 IDLE AUTH=PLAIN AUTH=LOGIN';

/** A TLS server that answers every command sensibly: literals read, IDLE entered and left, LOGOUT said. */
async function friendly(c: ScriptConnection, capabilities = CAPABILITIES): Promise<void> {
  await c.startTls(cert(), key());
  c.write(`* OK [CAPABILITY ${capabilities}] hi\r\n`);
  for (let line = await c.line(); line !== null; line = await c.line()) {
    const tag = tagOf(line);
    for (let literal = /\{(\d+)(\+?)\}$/.exec(line); literal !== null; literal = /\{(\d+)(\+?)\}$/.exec(line)) {
      if (literal[2] === '') c.write('+ go on\r\n');
      await c.bytes(Number(literal[1]));
      line = (await c.line()) ?? '';
    }
    switch (verbOf(line)) {
      case 'LOGOUT':
        c.write(`* BYE bye\r\n${tag} OK bye\r\n`);
        return;
      case 'AUTHENTICATE':
        c.write('+ \r\n');
        await c.line();
        c.write(`${tag} OK [CAPABILITY ${capabilities}] in\r\n`);
        break;
      case 'SELECT':
        c.write(`* 2 EXISTS\r\n* FLAGS (\\Seen \\Deleted)\r\n${tag} OK [READ-WRITE] selected\r\n`);
        break;
      case 'FETCH':
        c.write(`* 1 FETCH (UID 7 BODY[] {5}\r\nhello)\r\n${tag} OK fetched\r\n`);
        break;
      case 'IDLE':
        c.write('+ idling\r\n* 3 EXISTS\r\n');
        if ((await c.line()) === 'DONE') c.write(`${tag} OK idle done\r\n`);
        break;
      default:
        c.write(`${tag} OK done\r\n`);
    }
  }
}

describe.each(implementations.map((i) => [i.name, i] as const))('IMAP4 against a careless caller (%s)', (_, implementation) => {
  const client = (port: number, extra: Partial<IMAP4Options> = {}) =>
    new IMAP4({ host: '127.0.0.1', port, serverHostname: 'localhost', implementation, configuration: clientConfig(), security: 'implicit', timeout: 10_000, ...extra });

  async function ready(port: number, extra: Partial<IMAP4Options> = {}): Promise<IMAP4> {
    const imap = client(port, extra);
    await imap.connect();
    await imap.login('alice', 'secret');
    await imap.select('INBOX');
    return imap;
  }

  it.each([
    ['noop + noop', (i: IMAP4) => [i.noop(), i.noop()]],
    ['fetch + fetch', (i: IMAP4) => [i.fetch('1', 'UID BODY[]'), i.fetch('1', 'FLAGS')]],
    ['select + fetch', (i: IMAP4) => [i.select('INBOX'), i.fetch('1', 'FLAGS')]],
    ['append + append', (i: IMAP4) => [i.append('INBOX', 'Subject: a\r\n\r\none'), i.append('INBOX', 'Subject: b\r\n\r\ntwo')]],
    ['noop + logout', (i: IMAP4) => [i.noop(), i.logout()]],
    ['move + expunge', (i: IMAP4) => [i.move('1', 'Archive'), i.expunge()]],
  ] as const)('two calls at once (%s): the second is a usage error and sends nothing; the first completes; the session goes on', async (_pair, calls) => {
    // Before: "the server closed the connection during NOOP" and "concurrent reads are not
    // supported", the connection lost; on tls-openssl and tls-pure sometimes the full timeout.
    const s = await hostile((c) => friendly(c));
    const imap = await ready(s.port);
    const sent = s.lines.length;
    const [first, second] = await settlePair(calls(imap));
    expect(first.status, String(first.status === 'rejected' && first.reason)).toBe('fulfilled');
    expect(second.status === 'rejected' && second.reason).toBeInstanceOf(IMAP4UsageError);
    expect(String(second.status === 'rejected' && second.reason)).toMatch(/still running/);
    const firstVerb = verbOf(s.lines[sent] ?? null);
    expect(s.lines.slice(sent).every((line) => [firstVerb, 'STORE', 'EXPUNGE', undefined].includes(verbOf(line)))).toBe(true);
    expect((await imap.noop()).tagged.status).toBe('OK');
    await imap.logout();
    await s.done();
  });

  it('a call while idle() runs is a usage error; leaving the loop ends IDLE and the session goes on', async () => {
    const s = await hostile((c) => friendly(c));
    const imap = await ready(s.port);
    for await (const update of imap.idle()) {
      expect(update.type).toBe('EXISTS');
      await expect(imap.noop()).rejects.toBeInstanceOf(IMAP4UsageError);
      break;
    }
    expect((await imap.noop()).tagged.status).toBe('OK');
    await imap.logout();
    await s.done();
    expect(s.lines.map(verbOf)).toEqual(['LOGIN', 'CAPABILITY', 'SELECT', 'IDLE', undefined, 'NOOP', 'LOGOUT']);
  });

  it('two connects at once: one connection, none leaked; close() during a call rejects it with "closed by close()"', async () => {
    const s = await hostile((c) => friendly(c));
    const imap = client(s.port);
    const [first, second] = await Promise.allSettled([imap.connect(), imap.connect()]);
    expect(first.status).toBe('fulfilled');
    expect(second.status === 'rejected' && second.reason).toBeInstanceOf(IMAP4UsageError);
    await imap.logout();
    await s.done();
    expect(s.allClosed()).toBe(true);

    const t = await hostile(async (c) => {
      await c.startTls(cert(), key());
      c.write('* OK [CAPABILITY IMAP4rev1] hi\r\n');
      await c.line(); // NOOP, never answered
      await c.line();
    });
    const again = client(t.port);
    await again.connect();
    const pending = again.noop();
    // The call rejects while close() runs: its handler is attached first.
    const rejected = expect(pending).rejects.toThrow(/closed by close\(\)/);
    await again.close();
    await rejected;
    await t.done();
  });

  it('arguments of the wrong type are IMAP4UsageError rejections, never a TypeError or a synchronous throw', async () => {
    const s = await hostile((c) => friendly(c));
    const imap = await ready(s.port);
    const sent = s.lines.length;
    const wrong = (value: unknown) => value as never;
    const calls: Array<() => Promise<unknown>> = [
      () => imap.select(wrong(null)),
      () => imap.create(wrong(undefined)),
      () => imap.rename('a', wrong(42)),
      () => imap.search([wrong(undefined)]),
      () => imap.fetch([wrong(42)], 'FLAGS'),
      () => imap.copy('1 2', 'Archive'),
      () => imap.store('1', '+FLAGS', wrong('\\Seen')),
      () => imap.command('X-FOO', wrong(() => 1)),
      () => imap.command('X-FOO', { atom: wrong(undefined) }),
      () => imap.login(wrong(undefined), 'secret'),
      () => imap.authenticate('PLAIN', wrong(undefined), 'secret'),
    ];
    for (const call of calls) {
      let promise: Promise<unknown> | undefined;
      expect(() => (promise = call())).not.toThrow();
      await expect(promise).rejects.toBeInstanceOf(IMAP4UsageError);
    }
    expect(s.lines.length).toBe(sent);
    expect((await imap.noop()).tagged.status).toBe('OK');
    await imap.logout();
    await s.done();
  });

  it('control characters in mailbox names, flags that would split, dates out of the grammar: refused, nothing sent', async () => {
    // Before: "INBOX\r\nA1 LOGOUT" went out as "INBOX&AA0ACg-A1 LOGOUT" (a new mailbox), a flag
    // "\Seen) (X" as two arguments, a date with CRLF as a literal where date-time belongs.
    const s = await hostile((c) => friendly(c));
    const imap = await ready(s.port);
    const sent = s.lines.length;
    for (const name of ['INBOX\r\nA1 LOGOUT', 'a\0b', 'tab\there', 'next\u0085line', 'para\u2029graph', 'del\x7f']) {
      await expect(imap.select(name)).rejects.toBeInstanceOf(IMAP4UsageError);
      await expect(imap.create(name)).rejects.toBeInstanceOf(IMAP4UsageError);
      await expect(imap.append(name, 'x')).rejects.toBeInstanceOf(IMAP4UsageError);
      await expect(imap.list('', name)).rejects.toBeInstanceOf(IMAP4UsageError);
    }
    for (const flag of ['\\Seen) (X', 'two words', '\\*', 'x]', '']) await expect(imap.store('1', '+FLAGS', [flag])).rejects.toBeInstanceOf(IMAP4UsageError);
    for (const date of ['1-Jan-2020\r\nA1 LOGOUT', 'yesterday', '2020-01-01T00:00:00Z', new Date(Number.NaN)]) {
      await expect(imap.append('INBOX', 'x', { date })).rejects.toBeInstanceOf(IMAP4UsageError);
    }
    expect(s.lines.length).toBe(sent);
    await imap.append('INBOX', 'x', { flags: ['\\Seen', '$Forwarded'], date: new Date(Date.UTC(2024, 1, 3, 4, 5, 6)) });
    await imap.append('INBOX', 'x', { date: ' 3-Feb-2024 04:05:06 +0100' });
    expect(s.lines.slice(sent).filter((line) => verbOf(line) === 'APPEND')).toEqual([
      `${tagOf(s.lines[sent]!)} APPEND "INBOX" (\\Seen $Forwarded) "03-Feb-2024 04:05:06 +0000" {1}`,
      expect.stringMatching(/ APPEND "INBOX" " 3-Feb-2024 04:05:06 \+0100" \{1\}$/),
    ]);
    await imap.logout();
    await s.done();
  });

  it('non-ASCII SEARCH text goes with CHARSET UTF-8; another charset would mislabel it and is refused', async () => {
    // Before: an 8-bit literal without CHARSET (read as US-ASCII), or UTF-8 bytes labelled ISO-8859-1.
    const s = await hostile((c) => friendly(c, `${CAPABILITIES} LITERAL+`));
    const imap = await ready(s.port);
    await imap.search(['SUBJECT', 'grüße']);
    await expect(imap.search(['SUBJECT', 'grüße'], 'ISO-8859-1')).rejects.toBeInstanceOf(IMAP4UsageError);
    await imap.search(['SUBJECT', 'hello'], 'ISO-8859-1'); // ASCII text: any charset label is true
    await imap.logout();
    await s.done();
    const searches = s.lines.filter((line) => verbOf(line) === 'SEARCH').map((line) => line.split(' ').slice(1).join(' '));
    expect(searches).toEqual(['SEARCH CHARSET UTF-8 SUBJECT {7+}', 'SEARCH CHARSET ISO-8859-1 SUBJECT hello']);
  });

  it('credentials refused locally are IMAP4UsageError (still IMAP4Error); a server that never stops asking is a protocol error', async () => {
    const s = await hostile(async (c) => {
      await c.startTls(cert(), key());
      c.write('* OK [CAPABILITY IMAP4rev1 AUTH=LOGIN] hi\r\n');
      await c.line(); // AUTHENTICATE LOGIN
      for (let line: string | null = ''; line !== null; line = await c.line()) c.write('+ VXNlcm5hbWU6\r\n');
    });
    const imap = client(s.port);
    await imap.connect();
    const error = await imap.authenticate('LOGIN', 'alice', 'secret').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IMAP4ProtocolError); // before: the password re-sent until the timeout
    expect(String(error)).toMatch(/more than 10 SASL challenges/);
    expect(imap.state).toBe('LOGOUT');
    await s.done();

    const t = await hostile(async (c) => {
      c.write('* OK [CAPABILITY IMAP4rev1 LOGINDISABLED AUTH=PLAIN] hi\r\n');
      await c.line();
    });
    const plain = new IMAP4({ host: '127.0.0.1', port: t.port, security: 'plaintext', allowPlaintextAuth: true, timeout: 10_000 });
    await plain.connect();
    for (const attempt of [() => plain.login('alice', 'secret'), () => plain.authenticate('PLAIN', 'alice', 'secret')]) {
      const refused = await attempt().catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(IMAP4UsageError);
      expect(refused).toBeInstanceOf(IMAP4Error);
    }
    await plain.close();
    await t.done();
    expect(t.lines).toEqual([]);
  });

  it('options that are not an object: IMAP4UsageError, never a TypeError; the session goes on', async () => {
    const s = await hostile((c) => friendly(c));
    const imap = await ready(s.port);
    const sent = s.lines.length;
    await expect(imap.noop(null as never)).rejects.toBeInstanceOf(IMAP4UsageError);
    await expect(imap.fetch('1', 'FLAGS', 'fast' as never)).rejects.toBeInstanceOf(IMAP4UsageError);
    await expect(imap.idle(null as never).next()).rejects.toBeInstanceOf(IMAP4UsageError);
    expect(s.lines.length).toBe(sent);
    expect((await imap.noop()).tagged.status).toBe('OK');
    await imap.logout();
    await s.done();
  });

  it('a timeout above 2^31-1 ms works (it used to expire every operation at once); an invalid one is IMAP4UsageError', async () => {
    const s = await hostile((c) => friendly(c));
    const imap = await ready(s.port, { timeout: 3_000_000_000 });
    expect((await imap.noop()).tagged.status).toBe('OK');
    await imap.logout();
    await s.done();
    for (const timeout of [-5, Number.NaN, '10' as unknown as number]) expect(() => client(s.port, { timeout })).toThrow(IMAP4UsageError);
  });

  it('an abort at any await point of a session rejects with the reason (or leaves IDLE), closes, and leaves nothing behind', async () => {
    await fc.assert(
      fc.asyncProperty(fc.nat(80), fc.boolean(), async (ticks, perCall) => {
        const s = await hostile((c) => friendly(c));
        const controller = new AbortController();
        const reason = new Error(`aborted after ${ticks} turns`);
        const imap = client(s.port, perCall ? {} : { signal: controller.signal });
        const call = perCall ? { signal: controller.signal } : {};
        const session = (async () => {
          await imap.connect(undefined, undefined, call);
          await imap.authenticate('PLAIN', 'alice', 'secret', call);
          await imap.select('INBOX', call);
          await imap.append('INBOX', 'Subject: x\r\n\r\nbody\r\n', call);
          await imap.fetch(['1', '2'], 'UID BODY[]', call);
          for await (const _update of imap.idle(call)) break;
          await imap.noop(call);
          return imap.logout(call);
        })();
        let turns = 0;
        const tick = () => (turns++ >= ticks ? controller.abort(reason) : setImmediate(tick));
        setImmediate(tick);
        const outcome = await session.then(
          () => 'done',
          (error: unknown) => error,
        );
        if (outcome !== 'done') expect(outcome).toBe(reason);
        expect(imap.state).toBe('LOGOUT');
        // Not s.done(): a script can wait for ever in its TLS handshake when the client left first.
        await vi.waitFor(() => expect(s.allClosed()).toBe(true));
      }),
      { numRuns: 10 },
    );
  }, 120_000);
});
