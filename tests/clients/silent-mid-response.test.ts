/**
 * A server that stops answering in the middle of a response: a multi-line SMTP reply cut after
 * its first line, an IMAP literal cut after 10 of its 100 bytes. The timeout must fire as a
 * TimeoutError, the connection must be closed (the server sees it go), and the next call must say
 * clearly that the client is not connected rather than read the rest of the old response.
 */
import { describe, expect, it } from 'vitest';
import { SMTP } from '@unitls/smtp';
import { IMAP4 } from '@unitls/imap';
import { clientConfig } from '../support/fixtures.js';
import { useScriptedServers } from '../support/scripted-server.js';

const hostile = useScriptedServers();
const common = { host: '127.0.0.1', serverHostname: 'localhost', configuration: clientConfig(), security: 'plaintext' as const, timeout: 300 };

describe('a server silent in the middle of a response', () => {
  it('SMTP: a multi-line reply cut after its first line', async () => {
    const s = await hostile(async (c) => {
      c.write('220 hostile.test ESMTP\r\n');
      await c.line(); // NOOP
      c.write('250-first of many lines\r\n');
      await c.line(); // EOF: the client closed
    });
    const smtp = new SMTP({ ...common, port: s.port, localHostname: 'client.test' });
    await smtp.connect();
    await expect(smtp.noop()).rejects.toMatchObject({ name: 'TimeoutError' });
    await s.done();
    expect(s.allClosed()).toBe(true);
    await expect(smtp.noop()).rejects.toThrow(/not connected/);
  });

  it('IMAP: a literal cut after 10 of its 100 bytes', async () => {
    const s = await hostile(async (c) => {
      c.write('* PREAUTH hostile.test ready\r\n');
      const command = await c.line();
      const tag = (command ?? '').split(' ')[0];
      if (/CAPABILITY/i.test(command ?? '')) {
        c.write(`* CAPABILITY IMAP4rev1\r\n${tag} OK done\r\n`);
        await c.line();
      }
      c.write('* 1 FETCH (BODY[] {100}\r\n0123456789');
      await c.line(); // EOF: the client closed
    });
    const imap = new IMAP4({ ...common, port: s.port });
    await imap.connect();
    await expect(imap.noop()).rejects.toMatchObject({ name: 'TimeoutError' });
    await s.done();
    expect(s.allClosed()).toBe(true);
    await expect(imap.noop()).rejects.toThrow(/not connected/);
  });
});
