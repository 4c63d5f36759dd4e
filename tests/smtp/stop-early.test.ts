/**
 * Callers who stop early over SMTP (break16): a message stream whose own code closes the client or
 * aborts the call's signal after its first chunk, with DATA and with BDAT, on every
 * implementation. The call rejects (typed "closed", or the reason), the server never gets the end
 * of the message (nothing is delivered), the next call says the connection is closed, and no
 * rejection goes unhandled.
 */
import { describe, expect, it, vi } from 'vitest';
import { expectNoStrayErrors } from '../support/stray-errors.js';
import { SMTP, SMTPServerDisconnected } from '@unitls/smtp';
import { clientConfig, pki } from '../support/fixtures.js';
import { useScriptedServers, type ScriptConnection } from '../support/scripted-server.js';
import { implementations } from '../conformance/implementations.js';

const hostile = useScriptedServers();

expectNoStrayErrors();

/** Greets, answers every command; records whether a message was ever complete (the "." of DATA, BDAT LAST). */
function server(c: ScriptConnection, ended: { message: boolean }): Promise<void> {
  return (async () => {
    await c.startTls(pki.pem('server-ec', 'chain.crt'), pki.pem('server-ec', 'key'));
    c.write('220 scripted.test ESMTP\r\n');
    for (let line = await c.line(); line !== null; line = await c.line()) {
      if (/^EHLO /.test(line)) c.write('250-scripted.test\r\n250-PIPELINING\r\n250-BINARYMIME\r\n250 CHUNKING\r\n');
      else if (line === 'DATA') {
        c.write('354 go ahead\r\n');
        let body: string | null;
        for (body = await c.line(); body !== null && body !== '.'; body = await c.line());
        if (body === null) return;
        ended.message = true;
        c.write('250 queued\r\n');
      } else if (/^BDAT /.test(line)) {
        await c.bytes(Number(line.split(' ')[1]));
        if (/ LAST$/.test(line)) ended.message = true;
        c.write('250 chunk ok\r\n');
      } else c.write('250 ok\r\n');
    }
  })();
}

describe.each(implementations.map((i) => [i.name, i] as const))('SMTP message streams that end the call (%s)', (_, implementation) => {
  const client = (port: number) => new SMTP({ host: '127.0.0.1', port, serverHostname: 'localhost', implementation, configuration: clientConfig(), localHostname: 'client.test', security: 'implicit', timeout: 10_000 });

  it.each([false, true])('the stream closes the client after its first chunk (BDAT: %s): rejects as closed, nothing delivered', async (binary) => {
    const ended = { message: false };
    const s = await hostile((c) => server(c, ended));
    const smtp = client(s.port);
    await smtp.connect();
    const body = (async function* () {
      yield Buffer.from('Subject: half\r\n\r\n');
      await smtp.close();
      yield Buffer.from('the rest\r\n');
    })();
    const error = await smtp.sendmail('a@x.test', 'b@x.test', body, [], [], { binary }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SMTPServerDisconnected);
    await expect(smtp.noop()).rejects.toBeInstanceOf(SMTPServerDisconnected);
    await vi.waitFor(() => expect(s.allClosed()).toBe(true));
    expect(ended.message).toBe(false);
  });

  it.each([false, true])("the stream aborts the call's signal after its first chunk (BDAT: %s): rejects with the reason, nothing delivered", async (binary) => {
    const ended = { message: false };
    const s = await hostile((c) => server(c, ended));
    const smtp = client(s.port);
    await smtp.connect();
    const controller = new AbortController();
    const reason = new Error('enough');
    const body = (async function* () {
      yield Buffer.from('Subject: half\r\n\r\n');
      controller.abort(reason);
      yield Buffer.from('the rest\r\n');
    })();
    const error = await smtp.sendmail('a@x.test', 'b@x.test', body, [], [], { binary, signal: controller.signal }).catch((e: unknown) => e);
    expect(error).toBe(reason);
    await expect(smtp.noop()).rejects.toBeInstanceOf(SMTPServerDisconnected);
    await vi.waitFor(() => expect(s.allClosed()).toBe(true));
    expect(ended.message).toBe(false);
  });
});
