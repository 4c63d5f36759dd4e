import {
  RaggedEOF,
  TLSError,
  WantReadError,
  WantWriteError,
  protocolFromBytes,
  type CipherSuite,
  type ClientContext,
  type NextProtocol,
  type ServerContext,
  type TLSBuffer,
  type TLSSession,
  type TLSVersion,
} from '@unitls/tls-core';
import { addon, Status } from './addon.js';
import { fromNativeError } from './errors.js';

export const IMPLEMENTATION_NAME = 'openssl';

const versionNames: Record<number, TLSVersion> = { 0x0303: 'TLSv1.2', 0x0304: 'TLSv1.3' };

/**
 * PEP 748's TLSBuffer over an OpenSSL SSL object with memory BIOs: every method runs to completion
 * synchronously or throws WantReadError / WantWriteError. `processIncoming(new Uint8Array(0))`
 * tells it the transport reached EOF; `read` then returns an empty array after the peer's
 * close_notify, or throws RaggedEOF without one.
 */
export class OpenSSLBuffer implements TLSBuffer {
  readonly context: ClientContext | ServerContext;
  #native: object | null;
  readonly #serverHostname: string | null;
  #describeFailure: ((error: Error) => Error) | undefined;

  /** @internal Built by the contexts' createBuffer. */
  constructor(
    context: ClientContext | ServerContext,
    native: object,
    serverHostname: string | null,
    describeFailure?: (error: Error, info: () => ReturnType<typeof addon.info>) => Error,
  ) {
    this.context = context;
    this.#native = native;
    this.#serverHostname = serverHostname;
    this.#describeFailure = describeFailure === undefined ? undefined : (error) => describeFailure(error, () => addon.info.call(native));
  }

  #n(): object {
    if (this.#native === null) throw new TLSError('this TLSBuffer was freed');
    return this.#native;
  }

  #fail(error: unknown, during: string): never {
    const typed = fromNativeError(error, during);
    throw this.#describeFailure?.(typed) ?? typed;
  }

  #status(status: number, during: string): void {
    switch (status) {
      case Status.WANT_READ:
        throw new WantReadError();
      case Status.WANT_WRITE:
        throw new WantWriteError();
      case Status.RAGGED_EOF:
        throw during === 'read' ? new RaggedEOF() : new TLSError(`the connection closed during the TLS ${during}`);
    }
  }

  doHandshake(): void {
    let status: number;
    try {
      status = addon.doHandshake.call(this.#n());
    } catch (error) {
      this.#fail(error, 'handshake');
    }
    if (status === Status.ZERO_RETURN) throw new TLSError('the peer closed the connection during the TLS handshake');
    this.#status(status, 'handshake');
  }

  read(amt: number, buffer?: Uint8Array): Uint8Array | number {
    if (!Number.isInteger(amt) || amt <= 0) throw new RangeError(`read: amt must be a positive integer, got ${amt}`);
    let result: Buffer | number;
    try {
      result = addon.read.call(this.#n(), buffer === undefined ? amt : Math.min(amt, buffer.length));
    } catch (error) {
      this.#fail(error, 'read');
    }
    if (typeof result === 'number') {
      if (result === Status.ZERO_RETURN) return buffer === undefined ? new Uint8Array(0) : 0;
      this.#status(result, 'read');
      throw new TLSError(`unexpected read status ${result}`);
    }
    if (buffer === undefined) return result;
    buffer.set(result);
    return result.length;
  }

  write(buf: Uint8Array): number {
    let result: number;
    try {
      result = addon.write.call(this.#n(), Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength));
    } catch (error) {
      this.#fail(error, 'write');
    }
    if (result >= 0) return result;
    this.#status(-result, 'write');
    throw new TLSError('the connection was closed by the peer');
  }

  shutdown(): void {
    let status: number;
    try {
      status = addon.shutdown.call(this.#n());
    } catch (error) {
      this.#fail(error, 'shutdown');
    }
    if (status === Status.ZERO_RETURN) return;
    this.#status(status, 'shutdown');
  }

  processIncoming(data: Uint8Array): void {
    const native = this.#n();
    if (data.length === 0) {
      addon.feedEof.call(native);
      return;
    }
    if (!addon.feed.call(native, Buffer.from(data.buffer, data.byteOffset, data.byteLength))) {
      throw new WantReadError('the incoming buffer is full: read() what is buffered first (nothing was stored)');
    }
  }

  incomingBytesBuffered(): number {
    return addon.incomingPending.call(this.#n());
  }

  processOutgoing(amt: number): Uint8Array {
    return addon.drain.call(this.#n(), amt);
  }

  outgoingBytesBuffered(): number {
    return addon.outgoingPending.call(this.#n());
  }

  #info() {
    return this.#native === null ? null : addon.info.call(this.#native);
  }

  getpeercert(): Uint8Array | null {
    return this.#info()?.peerCert ?? null;
  }

  cipher(): CipherSuite | number | null {
    const cipher = this.#info()?.cipher ?? -1;
    return cipher < 0 ? null : cipher;
  }

  negotiatedProtocol(): NextProtocol | Uint8Array | null {
    const alpn = this.#info()?.alpn;
    return alpn === undefined ? null : protocolFromBytes(alpn);
  }

  get negotiatedTlsVersion(): TLSVersion | null {
    return versionNames[this.#info()?.version ?? 0] ?? null;
  }

  get sessionReused(): boolean {
    return (this.#info()?.sessionReused ?? 0) === 1;
  }

  /** Extension: the session to resume later (in TLS 1.3, once the server's ticket was read). */
  session(): TLSSession | null {
    if (this.#native === null) return null;
    const data = addon.session.call(this.#native);
    if (data === undefined) return null;
    return { implementation: IMPLEMENTATION_NAME, data: Uint8Array.from(data), serverHostname: this.#serverHostname, peerCertificate: this.getpeercert() };
  }

  /** Frees the OpenSSL objects now (the garbage collector would, later). */
  free(): void {
    if (this.#native !== null) addon.free(this.#native);
    this.#native = null;
  }
}
