// The floor of the FTPS download row: a bare node:tls FTP client, no unitls, reading the data
// connection the way a Node user of node:tls would ('data' events into a counter). Just enough FTP
// for vsftpd (explicit AUTH TLS, PROT P, PASV, the data connection resuming the control
// connection's TLS session as require_ssl_reuse=YES asks); not a client, a measuring stick.
import { once } from 'node:events';
import * as net from 'node:net';
import * as tls from 'node:tls';

export interface RawFtpOptions {
  port: number;
  ca: Buffer;
  user: string;
  password: string;
}

/** Replies of the control connection, one final reply at a time (multi-line replies joined). */
class Replies {
  #buffer = '';
  #waiting: { resolve: (line: string) => void; reject: (error: Error) => void } | null = null;
  readonly #lines: string[] = [];
  #failure: Error | null = null;

  /** The control connection failed or closed: what waits, and every later wait, rejects. */
  fail(error: Error): void {
    this.#failure ??= error;
    this.#waiting?.reject(error);
    this.#waiting = null;
  }

  push(text: string): void {
    this.#buffer += text;
    for (let end = this.#buffer.indexOf('\r\n'); end >= 0; end = this.#buffer.indexOf('\r\n')) {
      const line = this.#buffer.slice(0, end);
      this.#buffer = this.#buffer.slice(end + 2);
      // A final reply: three digits and a space (RFC 959 §4.2).
      if (!/^\d{3} /.test(line)) continue;
      if (this.#waiting !== null) {
        const waiting = this.#waiting;
        this.#waiting = null;
        waiting.resolve(line);
      } else this.#lines.push(line);
    }
  }

  next(): Promise<string> {
    const line = this.#lines.shift();
    if (line !== undefined) return Promise.resolve(line);
    if (this.#failure !== null) return Promise.reject(this.#failure);
    return new Promise((resolve, reject) => (this.#waiting = { resolve, reject }));
  }
}

export class RawFtpClient {
  readonly #options: RawFtpOptions;
  #control!: tls.TLSSocket;
  readonly #replies = new Replies();

  private constructor(options: RawFtpOptions) {
    this.#options = options;
  }

  /** Connects, upgrades with AUTH TLS, logs in, PROT P, TYPE I. */
  static async login(options: RawFtpOptions): Promise<RawFtpClient> {
    const client = new RawFtpClient(options);
    const plain = net.connect(options.port, '127.0.0.1');
    const early = new Replies();
    const onPlain = (chunk: Buffer) => early.push(chunk.toString('latin1'));
    const onPlainError = (error: Error) => early.fail(error);
    plain.on('data', onPlain);
    plain.on('error', onPlainError);
    expect(await early.next(), '220');
    plain.write('AUTH TLS\r\n');
    expect(await early.next(), '234');
    plain.off('data', onPlain);
    plain.off('error', onPlainError);
    const control = tls.connect({ socket: plain, ca: options.ca, servername: 'localhost' });
    // once() rejects on 'error' while the handshake runs; afterwards errors and the end fail the replies.
    await once(control, 'secureConnect');
    control.on('data', (chunk: Buffer) => client.#replies.push(chunk.toString('latin1')));
    control.on('error', (error) => client.#replies.fail(error));
    control.on('close', () => client.#replies.fail(new Error('raw FTP: the control connection closed')));
    client.#control = control;
    await client.#command(`USER ${options.user}`, '331');
    await client.#command(`PASS ${options.password}`, '230');
    await client.#command('PBSZ 0', '200');
    await client.#command('PROT P', '200');
    await client.#command('TYPE I', '200');
    return client;
  }

  /** RETR `name` over a passive data connection: every decrypted chunk to `each`; resolves after the 226. */
  async retr(name: string, each: (chunk: Buffer) => void): Promise<void> {
    const pasv = await this.#command('PASV', '227');
    const [, , , , high, low] = /\((\d+),(\d+),(\d+),(\d+),(\d+),(\d+)\)/.exec(pasv)!.slice(1).map(Number) as number[];
    const tcp = net.connect(high! * 256 + low!, '127.0.0.1');
    await once(tcp, 'connect');
    this.#control.write(`RETR ${name}\r\n`);
    expect(await this.#replies.next(), '150');
    const data = tls.connect({ socket: tcp, ca: this.#options.ca, servername: 'localhost', session: this.#control.getSession() });
    data.on('data', each);
    await once(data, 'end'); // rejects on the data connection's 'error'
    data.destroy();
    expect(await this.#replies.next(), '226');
  }

  async quit(): Promise<void> {
    try {
      await this.#command('QUIT', '221');
    } finally {
      this.#control.destroy();
    }
  }

  async #command(line: string, code: string): Promise<string> {
    this.#control.write(`${line}\r\n`);
    return expect(await this.#replies.next(), code);
  }
}

function expect(reply: string, code: string): string {
  if (!reply.startsWith(code)) throw new Error(`raw FTP: expected ${code}, got '${reply}'`);
  return reply;
}
