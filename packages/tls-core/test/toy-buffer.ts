/**
 * A toy TLSBuffer for testing tls-core's machinery without a TLS library: it follows the PEP's
 * call contract (WantReadError, processIncoming/processOutgoing, shutdown waiting for the peer)
 * over a trivial, unencrypted record format: [type, len16, payload]. Types: 1 hello, 2 data,
 * 3 close_notify. Not cryptography; only the state machine matters here.
 */
import {
  RaggedEOF,
  TLSError,
  WantReadError,
  type ClientContext,
  type ServerContext,
  type TLSBuffer,
} from '../src/mod.js';

const HELLO = 1;
const DATA = 2;
const CLOSE = 3;

export class ToyBuffer implements TLSBuffer {
  readonly context: ClientContext | ServerContext;
  readonly #isClient: boolean;
  #incoming = Buffer.alloc(0);
  #outgoing: Buffer[] = [];
  #plain: Buffer[] = [];
  #helloSent = false;
  #helloReceived = false;
  #closeSent = false;
  #closeReceived = false;
  #eof = false;
  readonly maxIncoming: number;

  constructor(context: ClientContext | ServerContext, isClient: boolean, maxIncoming = 1 << 20) {
    this.context = context;
    this.#isClient = isClient;
    this.maxIncoming = maxIncoming;
  }

  #emit(type: number, payload: Uint8Array = new Uint8Array(0)): void {
    const header = Buffer.alloc(3);
    header[0] = type;
    header.writeUInt16BE(payload.length, 1);
    this.#outgoing.push(header, Buffer.from(payload));
  }

  #parse(): void {
    while (this.#incoming.length >= 3) {
      const length = this.#incoming.readUInt16BE(1);
      if (this.#incoming.length < 3 + length) return;
      const type = this.#incoming[0];
      const payload = this.#incoming.subarray(3, 3 + length);
      this.#incoming = this.#incoming.subarray(3 + length);
      if (type === HELLO) this.#helloReceived = true;
      else if (type === DATA) this.#plain.push(Buffer.from(payload));
      else if (type === CLOSE) this.#closeReceived = true;
      else throw new TLSError(`toy: bad record type ${type}`);
    }
  }

  get handshakeDone(): boolean {
    return this.#helloSent && this.#helloReceived;
  }

  doHandshake(): void {
    if (this.#isClient && !this.#helloSent) {
      this.#emit(HELLO);
      this.#helloSent = true;
    }
    this.#parse();
    if (!this.#helloReceived) throw new WantReadError();
    if (!this.#helloSent) {
      this.#emit(HELLO);
      this.#helloSent = true;
    }
  }

  read(amt: number, buffer?: Uint8Array): Uint8Array | number {
    if (!this.handshakeDone) this.doHandshake();
    this.#parse();
    if (this.#plain.length === 0) {
      if (this.#closeReceived) return buffer ? 0 : new Uint8Array(0);
      if (this.#eof) throw new RaggedEOF();
      throw new WantReadError();
    }
    const first = this.#plain[0]!;
    const out = first.subarray(0, amt);
    if (out.length === first.length) this.#plain.shift();
    else this.#plain[0] = first.subarray(amt);
    if (buffer) {
      buffer.set(out);
      return out.length;
    }
    return out;
  }

  write(buf: Uint8Array): number {
    if (!this.handshakeDone) this.doHandshake();
    if (this.#closeSent) throw new TLSError('toy: write after shutdown');
    const n = Math.min(buf.length, 1000);
    this.#emit(DATA, buf.subarray(0, n));
    return n;
  }

  shutdown(): void {
    if (!this.#closeSent) {
      this.#emit(CLOSE);
      this.#closeSent = true;
    }
    this.#parse();
    if (!this.#closeReceived) {
      if (this.#eof) return;
      throw new WantReadError();
    }
  }

  processIncoming(data: Uint8Array): void {
    if (data.length === 0) {
      this.#eof = true;
      return;
    }
    if (this.#incoming.length + data.length > this.maxIncoming) throw new WantReadError('toy: incoming buffer full');
    this.#incoming = Buffer.concat([this.#incoming, data]);
  }

  incomingBytesBuffered(): number {
    return this.#incoming.length;
  }

  processOutgoing(amt: number): Uint8Array {
    const all = Buffer.concat(this.#outgoing);
    const out = all.subarray(0, amt);
    this.#outgoing = all.length > amt ? [all.subarray(amt)] : [];
    return out;
  }

  outgoingBytesBuffered(): number {
    return this.#outgoing.reduce((sum, b) => sum + b.length, 0);
  }

  getpeercert(): Uint8Array | null {
    return null;
  }

  cipher(): number | null {
    return this.handshakeDone ? 0x1301 : null;
  }

  negotiatedProtocol(): null {
    return null;
  }

  get negotiatedTlsVersion() {
    return this.handshakeDone ? ('TLSv1.3' as const) : null;
  }
}
