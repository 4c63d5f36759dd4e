/** An in-process npm smtp-server with the test PKI, recording what it receives. */
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import { pki } from './fixtures.js';

export interface Received {
  from: string;
  mailArgs: Record<string, unknown>;
  to: string[];
  raw: Buffer;
}

export interface TestSmtpServer {
  port: number;
  received: Received[];
  mailFromCalls: number;
  close(): Promise<void>;
}

export const USERS: Record<string, string> = { alice: 'alicepass' };

export async function startSmtpServer(options: Partial<SMTPServerOptions> & { rejectRecipients?: string[] } = {}): Promise<TestSmtpServer> {
  const state: TestSmtpServer = { port: 0, received: [], mailFromCalls: 0, close: async () => {} };
  const { rejectRecipients = [], ...rest } = options;
  const server = new SMTPServer({
    key: pki.pem('server-ec', 'key'),
    cert: pki.pem('server-ec', 'chain.crt'),
    authMethods: ['PLAIN', 'LOGIN', 'CRAM-MD5'],
    logger: false,
    onAuth(auth, _session, callback) {
      const expected = USERS[auth.username ?? ''];
      const ok = auth.method === 'CRAM-MD5' ? expected !== undefined && auth.validatePassword(expected) : expected !== undefined && auth.password === expected;
      callback(ok ? null : Object.assign(new Error('Invalid username or password'), { responseCode: 535 }), ok ? { user: auth.username } : undefined);
    },
    onMailFrom(_address, _session, callback) {
      state.mailFromCalls++;
      callback();
    },
    onRcptTo(address, _session, callback) {
      callback(rejectRecipients.includes(address.address) ? Object.assign(new Error('no such user'), { responseCode: 550 }) : undefined);
    },
    onData(stream, session, callback) {
      const parts: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => parts.push(chunk));
      stream.on('end', () => {
        const from = session.envelope.mailFrom;
        state.received.push({
          from: from ? from.address : '',
          mailArgs: (from ? from.args : {}) as Record<string, unknown>,
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(parts),
        });
        callback();
      });
    },
    ...rest,
  });
  server.on('error', () => {});
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.port = (server.server.address() as { port: number }).port;
  state.close = () => new Promise((resolve) => server.close(() => resolve()));
  return state;
}
