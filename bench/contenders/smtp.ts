// The Node contenders of the SMTP benchmark (bench/smtp.ts), each built in its own process
// (lib/remote.ts): connect, upgrade and send one message untimed, then N messages timed.
import { readFileSync } from 'node:fs';
import { clock } from '../lib/clock.js';
import type { Factory } from '../lib/remote.js';
import { implementation, type ClientEngine } from './implementation.js';

export interface SmtpTarget {
  port: number;
  caFile: string;
  /** The message, as a file (bench/smtp.ts writes it). */
  messageFile: string;
  serverPid: number;
}

const ENVELOPE = { from: 'a@example.test', to: ['b@example.test'] };

export const unitls: Factory<SmtpTarget & { engine: ClientEngine }> = async ({ port, caFile, messageFile, serverPid, engine }) => {
  const { SMTP } = await import('@unitls/smtp');
  const { TLSClientConfiguration, TrustStore } = await import('@unitls/tls-core');
  const configuration = new TLSClientConfiguration({ trustStore: TrustStore.fromBuffer(readFileSync(caFile)) });
  const message = readFileSync(messageFile, 'utf8');
  const tls = await implementation(engine);
  return async (n) => {
    const smtp = new SMTP({ host: '127.0.0.1', port, implementation: tls, configuration });
    await smtp.connect();
    await smtp.sendmail(ENVELOPE.from, ENVELOPE.to, message);
    const sample = await clock(async () => {
      for (let i = 0; i < n; i++) await smtp.sendmail(ENVELOPE.from, ENVELOPE.to, message);
    }, serverPid);
    await smtp.quit();
    return sample;
  };
};

/** nodemailer's pooled transport, one connection. */
export const nodemailer: Factory<SmtpTarget> = async ({ port, caFile, messageFile, serverPid }) => {
  const { default: mailer } = await import('nodemailer');
  const message = readFileSync(messageFile, 'utf8');
  return async (n) => {
    const transport = mailer.createTransport({ host: '127.0.0.1', port, secure: false, requireTLS: true, pool: true, maxConnections: 1, maxMessages: Infinity, tls: { ca: readFileSync(caFile), servername: 'localhost' } });
    await transport.sendMail({ envelope: ENVELOPE, raw: message });
    const sample = await clock(async () => {
      for (let i = 0; i < n; i++) await transport.sendMail({ envelope: ENVELOPE, raw: message });
    }, serverPid);
    transport.close();
    return sample;
  };
};
