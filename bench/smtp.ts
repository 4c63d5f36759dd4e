// Messages per second over one STARTTLS connection to smtp-server (its own process): @unitls/smtp
// on tls-node and tls-openssl vs Python's smtplib (anchor) and nodemailer (pooled transport, one
// connection). Every client connects, upgrades and sends one message untimed, then N timed.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import nodemailer from 'nodemailer';
import { SMTP } from '@unitls/smtp';
import { TLSClientConfiguration, TrustStore, type TLSImplementation } from '@unitls/tls-core';
import { clock } from './lib/clock.js';
import { forkChild, runPython } from './lib/children.js';
import { UNITLS } from './lib/engines.js';
import { runBench, type Contender } from './lib/harness.js';
import { scaled, type Context, type Suite } from './lib/suite.js';

const MESSAGE = `From: a@example.test\r\nTo: b@example.test\r\nSubject: bench\r\n\r\n${'The quick brown fox jumps over the lazy dog.\r\n'.repeat(40)}`;
const ENVELOPE = { from: 'a@example.test', to: ['b@example.test'] };

function unitls(label: string, implementation: TLSImplementation, port: number, caFile: string, serverPid: number): Contender {
  const configuration = new TLSClientConfiguration({ trustStore: TrustStore.fromBuffer(readFileSync(caFile)) });
  return {
    name: `@unitls/smtp on ${label}`,
    async run(n) {
      const smtp = new SMTP({ host: '127.0.0.1', port, implementation, configuration });
      await smtp.connect();
      await smtp.sendmail(ENVELOPE.from, ENVELOPE.to, MESSAGE);
      const sample = await clock(async () => {
        for (let i = 0; i < n; i++) await smtp.sendmail(ENVELOPE.from, ENVELOPE.to, MESSAGE);
      }, serverPid);
      await smtp.quit();
      return sample;
    },
  };
}

function viaNodemailer(port: number, caFile: string, serverPid: number): Contender {
  return {
    name: 'nodemailer',
    async run(n) {
      const transport = nodemailer.createTransport({ host: '127.0.0.1', port, secure: false, requireTLS: true, pool: true, maxConnections: 1, maxMessages: Infinity, tls: { ca: readFileSync(caFile), servername: 'localhost' } });
      await transport.sendMail({ envelope: ENVELOPE, raw: MESSAGE });
      const sample = await clock(async () => {
        for (let i = 0; i < n; i++) await transport.sendMail({ envelope: ENVELOPE, raw: MESSAGE });
      }, serverPid);
      transport.close();
      return sample;
    },
  };
}

export const smtp: Suite = {
  name: 'smtp',
  async run(context: Context) {
    const server = await forkChild<{ port: number }>('smtp-server', [context.pki.cert, context.pki.key]);
    const messageFile = join(context.pki.dir, 'message.eml');
    writeFileSync(messageFile, MESSAGE);
    const { port } = server.ready;
    try {
      const contenders: Contender[] = [
        { name: 'Python smtplib', run: (n) => runPython('smtp_client.py', [String(port), context.pki.ca, messageFile, String(n)], server.pid) },
        viaNodemailer(port, context.pki.ca, server.pid),
        unitls('tls-node', UNITLS.node, port, context.pki.ca, server.pid),
        unitls('tls-openssl', UNITLS.openssl, port, context.pki.ca, server.pid),
      ];
      const title = `SMTP: messages of ${MESSAGE.length} bytes over one STARTTLS connection to smtp-server (child process)`;
      // The warm-up is longer than a run: V8 compiles the per-message path of a Node client over
      // its first ~1,000 sends (session 3's final runs: round 1 after a 100-message warm-up cost
      // 1.1-1.4 ms of client CPU per message, rounds 3-5 0.19-0.6 ms; smtplib ~0.2 ms throughout).
      const outcome = await runBench({ id: 'smtp-send', title, unit: 'message', units: scaled(context, 300, 20), warmupUnits: scaled(context, 1000, 10), anchors: ['Python smtplib', 'nodemailer'], cpu: 'client', contenders }, context.rounds, context.log);
      const { delivered } = await server.request<{ delivered: number }>({});
      context.log(`smtp-send: smtp-server accepted ${delivered} messages`);
      return [outcome];
    } finally {
      await server.stop();
    }
  },
};
