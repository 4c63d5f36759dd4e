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
  #waiting: ((line: string) => void) | null = null;
  readonly #lines: string[] = [];

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
        waiting(line);
      } else this.#lines.push(line);
    }
  }

  next(): Promise<string> {
    const line = this.#lines.shift();
    if (line !== undefined) return Promise.resolve(line);
    return new Promise((resolve) => (this.#waiting = resolve));
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
    plain.on('data', onPlain);
    expect(await early.next(), '220');
    plain.write('AUTH TLS\r\n');
    expect(await early.next(), '234');
    plain.off('data', onPlain);
    const control = tls.connect({ socket: plain, ca: options.ca, servername: 'localhost' });
    await once(control, 'secureConnect');
    control.on('data', (chunk: Buffer) => client.#replies.push(chunk.toString('latin1')));
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
    await once(data, 'end');
    data.destroy();
    expect(await this.#replies.next(), '226');
  }

  async quit(): Promise<void> {
    await this.#command('QUIT', '221');
    this.#control.destroy();
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
