import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import {
  SMTP,
  SMTP_SSL,
  SMTPAuthenticationError,
  SMTPRecipientsRefused,
  SMTPSenderRefused,
  SMTPUsageError,
  encodeData,
} from '@unitls/smtp';
import { clientConfig } from '../support/fixtures.js';
import { startSmtpServer, type TestSmtpServer } from '../support/smtp-server.js';
import { implementations } from '../conformance/implementations.js';

const servers: TestSmtpServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});
async function server(options: Parameters<typeof startSmtpServer>[0] = {}) {
  const s = await startSmtpServer(options);
  servers.push(s);
  return s;
}

/** What arrives after the server undoes the dot-stuffing: the CRLF-normalised message. */
const expectedDelivery = (message: string) => encodeData(Buffer.from(message)).subarray(0, -3).toString('latin1').replace(/^\.\./gm, '.');

const MESSAGE = 'From: alice@example.test\r\nTo: bob@example.test\r\nSubject: hello\r\n\r\nHello Bob.\r\n.leading dot\r\n..two dots\nbare LF\rbare CR\r\nlast line without CRLF';

describe.each(implementations.map((i) => [i.name, i] as const))('SMTP against smtp-server (%s)', (_, implementation) => {
  const options = (port: number, extra = {}) => ({ host: '127.0.0.1', port, serverHostname: 'localhost', implementation, configuration: clientConfig(), localHostname: 'client.test', ...extra });

  it('STARTTLS (required by default), login with the strongest mechanism, and a message delivered byte for byte', async () => {
    const s = await server();
    await using smtp = new SMTP(options(s.port));
    const greeting = await smtp.connect();
    expect(greeting.code).toBe(220);
    expect(smtp.secure).toBe(true);
    expect(smtp.hasExtn('starttls')).toBe(false); // the post-TLS EHLO no longer offers it
    expect(smtp.esmtpFeatures?.authMechanisms).toContain('CRAM-MD5');
    expect((await smtp.login('alice', 'alicepass')).code).toBe(235);
    const refused = await smtp.sendmail('alice@example.test', ['bob@example.test'], MESSAGE);
    expect(refused.size).toBe(0);
    expect(s.received).toHaveLength(1);
    expect(s.received[0]!.raw.toString('latin1')).toBe(expectedDelivery(MESSAGE));
    expect(s.received[0]!.to).toEqual(['bob@example.test']);
  });

  it.each(['PLAIN', 'LOGIN', 'CRAM-MD5'])('authenticates with %s, and refuses a wrong password', async (mechanism) => {
    const s = await server();
    await using smtp = new SMTP(options(s.port));
    await smtp.connect();
    expect((await smtp.auth(mechanism, { user: 'alice', password: 'alicepass' })).code).toBe(235);
    await using other = new SMTP(options(s.port));
    await other.connect();
    const refused = (await other.auth(mechanism, { user: 'alice', password: 'wrong' }).catch((e: unknown) => e)) as SMTPAuthenticationError;
    expect(refused).toMatchObject({ name: 'SMTPAuthenticationError', smtpCode: 535 });
    // ux16: it said only "535 <server text>"; now which mechanism, and what to do, without the secret.
    expect(refused.message).toMatch(new RegExp(`^AUTH ${mechanism} refused: 535 .+; the server refused the credentials given with ${mechanism}: check the user name and password$`));
    expect(refused.message).not.toContain('wrong');
    expect(refused.smtpError).not.toContain('check the user name');
  });

  // Trial 9: a wrong password went out with CRAM-MD5, then PLAIN, then LOGIN (4 refusals against a
  // lockout; the password in PLAIN after a challenge-response mechanism refused it).
  it('login() stops at the first refusal of the credentials: one AUTH, the mechanism named', async () => {
    const attempts: string[] = [];
    const s = await server({
      onAuth(auth, _session, callback) {
        attempts.push(auth.method);
        callback(Object.assign(new Error('5.7.8 Authentication credentials invalid'), { responseCode: 535 }));
      },
    });
    await using smtp = new SMTP(options(s.port));
    await smtp.connect();
    const refused = await smtp.login('alice', 'wrong').catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(SMTPAuthenticationError);
    expect(refused).toMatchObject({ smtpCode: 535, message: expect.stringMatching(/^AUTH CRAM-MD5 refused: 535 .*tries no other mechanism.*auth\('PLAIN'/) });
    expect(attempts).toEqual(['CRAM-MD5']);
  });

  it.each([504, 534, 538])('login() tries the next mechanism when the server answers %i (the mechanism is unavailable, RFC 4954 §6)', async (code) => {
    const attempts: string[] = [];
    const s = await server({
      onAuth(auth, _session, callback) {
        attempts.push(auth.method);
        if (auth.method === 'CRAM-MD5') return callback(Object.assign(new Error('mechanism unavailable'), { responseCode: code }));
        callback(auth.password === 'alicepass' ? null : new Error('bad'), { user: auth.username });
      },
    });
    await using smtp = new SMTP(options(s.port));
    await smtp.connect();
    expect((await smtp.login('alice', 'alicepass')).code).toBe(235);
    expect(attempts).toEqual(['CRAM-MD5', 'PLAIN']);
  });

  it('SMTP_SSL: implicit TLS', async () => {
    const s = await server({ secure: true });
    await using smtp = new SMTP_SSL(options(s.port));
    await smtp.connect();
    expect(smtp.secure).toBe(true);
    expect(smtp.tlsSocket?.negotiatedTlsVersion).toBe('TLSv1.3');
    await smtp.login('alice', 'alicepass');
    await smtp.sendmail('alice@example.test', 'bob@example.test', 'Subject: x\r\n\r\nimplicit\r\n');
    expect(s.received[0]!.raw.toString()).toBe('Subject: x\r\n\r\nimplicit\r\n');
  });

  it('sendMessage builds MIME, keeps Bcc out of the headers but in the envelope', async () => {
    const s = await server({ authOptional: true });
    await using smtp = new SMTP(options(s.port));
    await smtp.connect();
    await smtp.sendMessage({ from: 'alice@example.test', to: 'bob@example.test', bcc: 'hidden@example.test', subject: 'Grüße', text: 'Hallo Bob, schöne Grüße.' });
    const [message] = s.received;
    expect(message!.to).toEqual(['bob@example.test', 'hidden@example.test']);
    expect(message!.raw.toString()).not.toMatch(/hidden@example\.test/);
    expect(message!.raw.toString()).toMatch(/^Subject: =\?UTF-8\?/m);
  });

  it('pipelines MAIL and RCPT and returns the refused recipients; all refused raises', async () => {
    const s = await server({ authOptional: true, rejectRecipients: ['nobody@example.test'] });
    await using smtp = new SMTP(options(s.port));
    await smtp.connect();
    expect(smtp.hasExtn('pipelining')).toBe(true);
    const refused = await smtp.sendmail('alice@example.test', ['bob@example.test', 'nobody@example.test'], 'Subject: x\r\n\r\nx\r\n');
    expect([...refused]).toEqual([['nobody@example.test', { code: 550, text: 'no such user' }]]);
    await expect(smtp.sendmail('alice@example.test', ['nobody@example.test'], 'x')).rejects.toBeInstanceOf(SMTPRecipientsRefused);
    expect(s.received).toHaveLength(1);
  });

  it('refuses a message over the SIZE limit before sending anything', async () => {
    const s = await server({ authOptional: true, size: 1000 });
    await using smtp = new SMTP(options(s.port));
    await smtp.connect();
    expect(smtp.esmtpFeatures?.sizeLimit).toBe(1000);
    await expect(smtp.sendmail('alice@example.test', ['bob@example.test'], 'x'.repeat(2000))).rejects.toBeInstanceOf(SMTPSenderRefused);
    expect(s.mailFromCalls).toBe(0);
    await smtp.sendmail('alice@example.test', ['bob@example.test'], 'small');
    expect(s.received).toHaveLength(1);
  });

  it('declares 8BITMIME for 8-bit bodies and SMTPUTF8 for non-ASCII addresses', async () => {
    const s = await server({ authOptional: true });
    await using smtp = new SMTP(options(s.port));
    await smtp.connect();
    await smtp.sendmail('alice@example.test', ['bob@example.test'], 'Subject: x\r\n\r\nschöne Grüße\r\n');
    expect(s.received[0]!.mailArgs).toMatchObject({ BODY: '8BITMIME' });
    await smtp.sendmail('älice@example.test', ['bob@example.test'], 'Subject: x\r\n\r\nutf8\r\n');
    expect(s.received[1]!.mailArgs).toMatchObject({ SMTPUTF8: true });
    expect(s.received[1]!.from).toBe('älice@example.test');
  });

  it('streams a large message without holding it (5 MiB from an async iterable)', async () => {
    const s = await server({ authOptional: true });
    await using smtp = new SMTP(options(s.port));
    await smtp.connect();
    const line = Buffer.from(`${'x'.repeat(76)}\r\n`);
    const hash = createHash('sha256');
    async function* body() {
      for (let i = 0; i < 65536; i++) {
        hash.update(line);
        yield line;
      }
    }
    await smtp.sendmail('alice@example.test', ['bob@example.test'], body());
    expect(s.received[0]!.raw.length).toBe(65536 * line.length);
    expect(createHash('sha256').update(s.received[0]!.raw).digest('hex')).toBe(hash.digest('hex'));
  });

  it('never sends AUTH in clear unless allowed', async () => {
    const s = await server({ allowInsecureAuth: true });
    await using smtp = new SMTP(options(s.port, { security: 'plaintext' }));
    await smtp.connect();
    expect(smtp.secure).toBe(false);
    await expect(smtp.login('alice', 'alicepass')).rejects.toBeInstanceOf(SMTPUsageError);
    await using allowed = new SMTP(options(s.port, { security: 'plaintext', allowPlaintextAuth: true }));
    await allowed.connect();
    expect((await allowed.login('alice', 'alicepass')).code).toBe(235);
  });

  it('refuses a self-signed test server, which @unitls/insecure (or trusting its certificate) accepts', async () => {
    const { pki } = await import('../support/fixtures.js');
    const { InsecureConfiguration, InsecureTLSImplementation } = await import('@unitls/insecure');
    const { CertificateVerificationError, TLSClientConfiguration, TrustStore } = await import('@unitls/tls-core');
    const s = await server({ key: pki.pem('selfsigned', 'key'), cert: pki.pem('selfsigned'), authOptional: true });
    await expect(new SMTP(options(s.port)).connect()).rejects.toBeInstanceOf(CertificateVerificationError);
    const insecure = new InsecureTLSImplementation(implementation, new InsecureConfiguration({ disableHostnameCheck: true, disableVerification: true }));
    await using lax = new SMTP({ ...options(s.port), implementation: insecure });
    await lax.connect();
    expect(lax.secure).toBe(true);
    await using pinned = new SMTP({ ...options(s.port), configuration: new TLSClientConfiguration({ trustStore: TrustStore.fromBuffer(pki.pem('selfsigned')) }) });
    await pinned.connect();
    expect(pinned.secure).toBe(true);
  });

  it('redacts AUTH exchanges from debug output', async () => {
    const s = await server();
    const lines: string[] = [];
    await using smtp = new SMTP(options(s.port, { debuglevel: 1, debugOutput: (line: string) => lines.push(line) }));
    await smtp.connect();
    await smtp.auth('PLAIN', { user: 'alice', password: 'alicepass' });
    await smtp.auth('LOGIN', { user: 'alice', password: 'alicepass' }).catch(() => {});
    const all = lines.join('\n');
    expect(all).toContain('send: AUTH PLAIN <redacted>');
    expect(all).toContain('send: STARTTLS');
    expect(all).not.toContain(Buffer.from('\0alice\0alicepass').toString('base64'));
    expect(all).not.toContain(Buffer.from('alicepass').toString('base64'));
    expect(all).not.toContain('alicepass');
  });
});
