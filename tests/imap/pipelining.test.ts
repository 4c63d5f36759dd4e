/** Issue #16 item 2: FETCHes of several sets are pipelined: all commands go out before any answer. */
import { describe, expect, it } from 'vitest';
import { IMAP4 } from '@unitls/imap';
import { useScriptedServers } from '../support/scripted-server.js';

const scripted = useScriptedServers();
const tagOf = (line: string | null | undefined) => (line ?? '').split(' ')[0];

describe('pipelined FETCH', () => {
  it('sends every UID FETCH before reading any answer, and gathers the results in order', async () => {
    const s = await scripted(async (c) => {
      c.write('* PREAUTH [CAPABILITY IMAP4rev1] hi\r\n');
      const select = await c.line();
      c.write(`* 3 EXISTS\r\n${tagOf(select)} OK [READ-WRITE] done\r\n`);
      // A client that waited for each answer would never send the second command: this script
      // answers only once all three have arrived.
      const commands = [await c.line(), await c.line(), await c.line()];
      // Completions in any order (RFC 9051 §5.5), untagged data before its command's completion.
      c.write(`* 1 FETCH (UID 11 BODY[] {1}\r\na)\r\n${tagOf(commands[0])} OK done\r\n`);
      c.write(`* 3 FETCH (UID 13 BODY[] {1}\r\nc)\r\n${tagOf(commands[2])} OK done\r\n`);
      c.write(`* 2 FETCH (UID 12 BODY[] {1}\r\nb)\r\n${tagOf(commands[1])} OK done\r\n`);
      await c.line();
    });
    const imap = new IMAP4({ host: '127.0.0.1', port: s.port, security: 'plaintext', timeout: 5000 });
    await imap.connect();
    await imap.select();
    const messages = await imap.uidFetch(['11', '12', '13'], 'UID BODY.PEEK[]');
    expect(messages.map((m) => [m.uid, Buffer.from(m.body['BODY[]']!).toString()])).toEqual([
      [11, 'a'],
      [13, 'c'],
      [12, 'b'],
    ]);
    expect(s.lines.slice(1).map((l) => l.split(' ').slice(1).join(' '))).toEqual(['UID FETCH 11 (UID BODY.PEEK[])', 'UID FETCH 12 (UID BODY.PEEK[])', 'UID FETCH 13 (UID BODY.PEEK[])']);
    await imap.close();
  });

  it('a NO for one of them fails the call after all have completed; the session goes on', async () => {
    const s = await scripted(async (c) => {
      c.write('* PREAUTH [CAPABILITY IMAP4rev1] hi\r\n');
      const select = await c.line();
      c.write(`* 2 EXISTS\r\n${tagOf(select)} OK done\r\n`);
      const commands = [await c.line(), await c.line()];
      c.write(`${tagOf(commands[0])} NO [SERVERBUG] try again\r\n* 2 FETCH (UID 12)\r\n${tagOf(commands[1])} OK done\r\n`);
      const noop = await c.line();
      c.write(`${tagOf(noop)} OK done\r\n`);
      await c.line();
    });
    const imap = new IMAP4({ host: '127.0.0.1', port: s.port, security: 'plaintext', timeout: 5000 });
    await imap.connect();
    await imap.select();
    await expect(imap.uidFetch(['11', '12'], 'UID')).rejects.toMatchObject({ name: 'IMAP4ReplyError', status: 'NO' });
    expect((await imap.noop()).tagged.status).toBe('OK');
    await imap.close();
  });
});
