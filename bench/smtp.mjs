#!/usr/bin/env node
// Messages per second over one STARTTLS connection to an in-process smtp-server: @unitls/smtp (on
// tls-node and tls-openssl) vs nodemailer's SMTP transport (one pooled connection) vs Python's
// smtplib, same server, same message, one run. Ratios against nodemailer.
// Usage: node bench/smtp.mjs [--messages 500]
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { promisify } from 'node:util';
import nodemailer from 'nodemailer';
import { SMTPServer } from 'smtp-server';
import { createAuthority, issueCertificate } from '@unitls/demo-pki';
import { SMTP } from '@unitls/smtp';
import { TLSClientConfiguration, TrustStore } from '@unitls/tls-core';
import { implementation as node } from '@unitls/tls-node';
import { implementation as openssl } from '@unitls/tls-openssl';

const { values } = parseArgs({ options: { messages: { type: 'string', default: '500' } } });
const N = Number(values.messages);
const ca = await createAuthority({ name: 'bench CA' });
const leaf = await issueCertificate(ca, { names: ['localhost', '127.0.0.1'] });
const dir = mkdtempSync(join(tmpdir(), 'unitls-bench-'));
writeFileSync(join(dir, 'ca.pem'), ca.certPem);
const MESSAGE = `From: a@example.test\r\nTo: b@example.test\r\nSubject: bench\r\n\r\n${'The quick brown fox jumps over the lazy dog.\r\n'.repeat(40)}`;
writeFileSync(join(dir, 'message.eml'), MESSAGE);

let delivered = 0;
const server = new SMTPServer({
  key: leaf.keyPem,
  cert: leaf.certPem,
  logger: false,
  authOptional: true,
  onData(stream, _session, callback) {
    stream.on('data', () => {});
    stream.on('end', () => {
      delivered++;
      callback();
    });
  },
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const port = server.server.address().port;

async function unitls(implementation) {
  const smtp = new SMTP({ host: '127.0.0.1', port, implementation, configuration: new TLSClientConfiguration({ trustStore: TrustStore.fromBuffer(ca.certPem) }) });
  await smtp.connect();
  const start = performance.now();
  for (let i = 0; i < N; i++) await smtp.sendmail('a@example.test', ['b@example.test'], MESSAGE);
  const seconds = (performance.now() - start) / 1000;
  await smtp.quit();
  return N / seconds;
}

async function viaNodemailer() {
  const transport = nodemailer.createTransport({ host: '127.0.0.1', port, secure: false, requireTLS: true, pool: true, maxConnections: 1, maxMessages: Infinity, tls: { ca: ca.certPem, servername: 'localhost' } });
  await transport.sendMail({ envelope: { from: 'a@example.test', to: ['b@example.test'] }, raw: MESSAGE }); // connect + STARTTLS first
  const start = performance.now();
  for (let i = 0; i < N; i++) await transport.sendMail({ envelope: { from: 'a@example.test', to: ['b@example.test'] }, raw: MESSAGE });
  const seconds = (performance.now() - start) / 1000;
  transport.close();
  return N / seconds;
}

async function viaPython() {
  const script = `
import smtplib, ssl, sys, time
port, n, cafile, path = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
message = open(path, 'rb').read()
with smtplib.SMTP('127.0.0.1', port) as smtp:
    smtp.starttls(context=ssl.create_default_context(cafile=cafile))
    start = time.perf_counter()
    for _ in range(n):
        smtp.sendmail('a@example.test', ['b@example.test'], message)
    print(n / (time.perf_counter() - start))
`;
  writeFileSync(join(dir, 'bench.py'), script);
  const { stdout } = await promisify(execFile)('python3', [join(dir, 'bench.py'), String(port), String(N), join(dir, 'ca.pem'), join(dir, 'message.eml')]);
  return Number(stdout.trim());
}

const rows = [
  ['nodemailer SMTP transport (anchor)', await viaNodemailer()],
  ['@unitls/smtp on tls-node', await unitls(node)],
  ['@unitls/smtp on tls-openssl', await unitls(openssl)],
  ["Python smtplib", await viaPython()],
];
server.close();
console.log(`${N} messages of ${MESSAGE.length} bytes over one STARTTLS connection to smtp-server (loopback); ${delivered} delivered`);
console.log('| client | messages/s | ratio |');
console.log('|---|---|---|');
for (const [name, rate] of rows) console.log(`| ${name} | ${rate.toFixed(0)} | ${(rate / rows[0][1]).toFixed(2)} |`);
