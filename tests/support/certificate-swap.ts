/**
 * A TCP relay that replaces the certificate chain in a TLS 1.2 Certificate handshake message with
 * another one. x509-limbo gives certificates without private keys, so no server can complete a
 * handshake with them; but in TLS 1.2 the Certificate message is plaintext, and a client verifies
 * the chain (and, in unitls, the name) as soon as it arrives, before the handshake fails on the
 * server's signature. The relay lets each implementation's own verification judge limbo chains.
 * Test-only code.
 */
import { once } from 'node:events';
import { connect, createServer, type Server, type Socket } from 'node:net';

const HANDSHAKE = 22;
const CERTIFICATE = 11;
const MAX_RECORD = 16384;

function frameRecords(type: number, version: Buffer, body: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let offset = 0; offset < body.length; offset += MAX_RECORD) {
    const chunk = body.subarray(offset, offset + MAX_RECORD);
    const header = Buffer.alloc(5);
    header[0] = type;
    version.copy(header, 1);
    header.writeUInt16BE(chunk.length, 3);
    out.push(header, chunk);
  }
  return out;
}

function certificateMessage(chain: Buffer[]): Buffer {
  const list = Buffer.concat(chain.flatMap((der) => [uint24(der.length), der]));
  const body = Buffer.concat([uint24(list.length), list]);
  return Buffer.concat([Buffer.of(CERTIFICATE), uint24(body.length), body]);
}

function uint24(n: number): Buffer {
  return Buffer.of((n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff);
}

/**
 * Rewrites one direction of a TLS 1.2 stream: plaintext handshake records are reassembled into
 * messages, the first Certificate message is replaced, everything else passes through unchanged.
 * Once a non-handshake record appears (ChangeCipherSpec, alerts), bytes are relayed as they are.
 */
class CertificateRewriter {
  #pending = Buffer.alloc(0);
  #handshake = Buffer.alloc(0);
  #version = Buffer.of(3, 3);
  #passthrough = false;
  #replaced = false;
  constructor(private readonly chain: Buffer[]) {}

  push(data: Buffer): Buffer {
    if (this.#passthrough) return data;
    this.#pending = Buffer.concat([this.#pending, data]);
    const out: Buffer[] = [];
    while (this.#pending.length >= 5) {
      const type = this.#pending[0]!;
      const length = this.#pending.readUInt16BE(3);
      if (this.#pending.length < 5 + length) break;
      const record = this.#pending.subarray(0, 5 + length);
      this.#pending = this.#pending.subarray(5 + length);
      if (type !== HANDSHAKE || this.#replaced) {
        out.push(...this.#flushHandshake(), record);
        if (type !== HANDSHAKE) {
          this.#passthrough = true;
          out.push(this.#pending);
          this.#pending = Buffer.alloc(0);
          break;
        }
        continue;
      }
      this.#version = Buffer.from(record.subarray(1, 3));
      this.#handshake = Buffer.concat([this.#handshake, record.subarray(5)]);
      out.push(...this.#flushHandshake(true));
    }
    return Buffer.concat(out);
  }

  /** Emits the complete handshake messages (rewriting Certificate); a partial one stays unless `onlyComplete` is false. */
  #flushHandshake(onlyComplete = false): Buffer[] {
    const messages: Buffer[] = [];
    while (this.#handshake.length >= 4) {
      const length = this.#handshake.readUIntBE(1, 3);
      if (this.#handshake.length < 4 + length) break;
      let message: Buffer = this.#handshake.subarray(0, 4 + length);
      this.#handshake = this.#handshake.subarray(4 + length);
      if (message[0] === CERTIFICATE && !this.#replaced) {
        message = certificateMessage(this.chain);
        this.#replaced = true;
      }
      messages.push(message);
    }
    if (!onlyComplete && this.#handshake.length > 0) {
      messages.push(this.#handshake);
      this.#handshake = Buffer.alloc(0);
    }
    return messages.length === 0 ? [] : frameRecords(HANDSHAKE, this.#version, Buffer.concat(messages));
  }
}

export interface CertificateSwap {
  readonly port: number;
  close(): Promise<void>;
}

/**
 * Listens on an ephemeral port and relays each connection to `target`, replacing the chain in
 * the Certificate message sent by `side` ('server': target -> client, 'client': client -> target).
 */
export async function startCertificateSwap(target: number, side: 'server' | 'client', chain: Buffer[]): Promise<CertificateSwap> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((downstream) => {
    const upstream = connect(target, '127.0.0.1');
    sockets.add(downstream).add(upstream);
    const rewriter = new CertificateRewriter(chain);
    const [from, to] = side === 'server' ? [upstream, downstream] : [downstream, upstream];
    const [plainFrom, plainTo] = side === 'server' ? [downstream, upstream] : [upstream, downstream];
    from.on('data', (data: Buffer) => {
      const out = rewriter.push(data);
      if (out.length > 0) to.write(out);
    });
    plainFrom.on('data', (data: Buffer) => plainTo.write(data));
    for (const socket of [upstream, downstream]) {
      socket.on('error', () => {});
      socket.on('close', () => {
        upstream.destroy();
        downstream.destroy();
        sockets.delete(socket);
      });
    }
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as { port: number }).port,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
