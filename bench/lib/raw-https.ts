// The floor of the HTTPS download row: a bare node:tls keep-alive connection, no HTTP library, no
// unitls: it writes a GET and counts the body's bytes as node:tls delivers them ('data' events)
// up to the Content-Length. Just enough HTTP/1.1 for nginx's answers to GET (a head, then a
// Content-Length body); not a client, a measuring stick.
import { once } from 'node:events';
import * as tls from 'node:tls';

const HEAD_END = Buffer.from('\r\n\r\n');

export class RawHttpsClient {
  readonly #socket: tls.TLSSocket;
  readonly #host: string;
  /** What the current response still needs: its head (bytes so far) or its body's length left. */
  #head: Buffer[] = [];
  #left = -1;
  #body = 0;
  #done: ((bytes: number) => void) | null = null;
  #failed: ((error: Error) => void) | null = null;

  private constructor(socket: tls.TLSSocket, host: string) {
    this.#socket = socket;
    this.#host = host;
    socket.on('data', (chunk: Buffer) => this.#data(chunk));
    socket.on('error', (error) => this.#failed?.(error));
    socket.on('end', () => this.#failed?.(new Error('raw HTTPS: the server closed the connection')));
  }

  static async connect(port: number, ca: Buffer, host = 'localhost'): Promise<RawHttpsClient> {
    const socket = tls.connect({ host: '127.0.0.1', port, ca, servername: host, ALPNProtocols: ['http/1.1'] });
    await once(socket, 'secureConnect'); // rejects on a handshake 'error'
    return new RawHttpsClient(socket, host);
  }

  /** GET `path`: resolves with the body's length once all of it arrived. */
  get(path: string): Promise<number> {
    return new Promise((resolve, reject) => {
      this.#head = [];
      this.#left = -1;
      this.#body = 0;
      this.#done = resolve;
      this.#failed = reject;
      this.#socket.write(`GET ${path} HTTP/1.1\r\nHost: ${this.#host}\r\n\r\n`);
    });
  }

  async close(): Promise<void> {
    this.#socket.destroy();
  }

  #data(chunk: Buffer): void {
    if (this.#left < 0) {
      this.#head.push(chunk);
      const head = Buffer.concat(this.#head);
      const end = head.indexOf(HEAD_END);
      if (end < 0) return;
      const match = /\r\ncontent-length: *(\d+)/i.exec(head.subarray(0, end).toString('latin1'));
      if (match === null) return this.#failed?.(new Error('raw HTTPS: no Content-Length'));
      this.#left = Number(match[1]);
      chunk = head.subarray(end + HEAD_END.length);
    }
    this.#body += chunk.length;
    this.#left -= chunk.length;
    if (this.#left <= 0) {
      const done = this.#done;
      this.#done = this.#failed = null;
      done?.(this.#body);
    }
  }
}
