import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { SMTP } from '@unitls/smtp';
import { clientConfig, pki } from '../support/fixtures.js';
import { startSmtpServer, type TestSmtpServer } from '../support/smtp-server.js';
import { implementations } from '../conformance/implementations.js';

const PYTHON = `
import smtplib, ssl, sys
port, cafile, path = int(sys.argv[1]), sys.argv[2], sys.argv[3]
context = ssl.create_default_context(cafile=cafile)
with smtplib.SMTP('127.0.0.1', port, local_hostname='client.test') as smtp:
    smtp.starttls(context=context)
    smtp.login('alice', 'alicepass')
    smtp.sendmail('alice@example.test', ['bob@example.test'], open(path, 'rb').read())
`;

const MESSAGE =
  'From: alice@example.test\r\nTo: bob@example.test\r\nSubject: cross-check\r\nMIME-Version: 1.0\r\n\r\n' +
  'Line one.\r\n.A line that starts with a dot\r\n..and two\r\n\r\nThe end.\r\n';

let server: TestSmtpServer | null = null;
afterEach(async () => {
  await server?.close();
  server = null;
});

describe.each(implementations.map((i) => [i.name, i] as const))("cross-check with Python's smtplib (%s)", (_, implementation) => {
  it('delivers the same bytes as smtplib for the same message', async () => {
    server = await startSmtpServer();
    const dir = mkdtempSync(join(tmpdir(), 'unitls-smtp-'));
    writeFileSync(join(dir, 'send.py'), PYTHON);
    writeFileSync(join(dir, 'message.eml'), MESSAGE);
    await promisify(execFile)('python3', [join(dir, 'send.py'), String(server.port), pki.path('root'), join(dir, 'message.eml')]);

    await using smtp = new SMTP({ host: '127.0.0.1', port: server.port, implementation, configuration: clientConfig(), localHostname: 'client.test' });
    await smtp.connect();
    await smtp.login('alice', 'alicepass');
    await smtp.sendmail('alice@example.test', ['bob@example.test'], MESSAGE);

    expect(server.received).toHaveLength(2);
    const [python, ours] = server.received;
    expect(ours!.raw.equals(python!.raw)).toBe(true);
    expect(ours!.raw.toString()).toBe(MESSAGE);
    expect([ours!.from, ours!.to]).toEqual([python!.from, python!.to]);
  });
});
