/**
 * A throwaway PKI for this package's tests (a CA and a `localhost` leaf), the contexts built from
 * it, an in-memory handshake for TLSBuffer pairs, and a Python ssl peer (an independent observer).
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { createAuthority, issueCertificate } from '@unitls/demo-pki';
import {
  Certificate,
  PrivateKey,
  SigningChain,
  TLSClientConfiguration,
  TLSServerConfiguration,
  TrustStore,
  type TLSBuffer,
} from '@unitls/tls-core';
import { handshake, pump } from '../../../tests/support/buffer-pair.js';
import { OpenSSLClientContext, OpenSSLServerContext } from '../src/mod.js';

export const ca = await createAuthority({ name: 'tls-openssl test CA' });
export const leaf = await issueCertificate(ca, { names: ['localhost'] });

export const serverConfiguration = (): TLSServerConfiguration =>
  new TLSServerConfiguration({ certificateChain: [new SigningChain([Certificate.fromBuffer(leaf.certPem), PrivateKey.fromBuffer(leaf.keyPem)])] });
export const clientConfiguration = (): TLSClientConfiguration => new TLSClientConfiguration({ trustStore: TrustStore.fromBuffer(ca.certPem) });

export const serverContext = (): OpenSSLServerContext => new OpenSSLServerContext(serverConfiguration());
export const clientContext = (): OpenSSLClientContext => new OpenSSLClientContext(clientConfiguration());

/** The in-memory pair helper the conformance suite uses too. */
export { pump };

/** A client and a server TLSBuffer with their handshake done in memory. */
export function connectedPair(contexts?: { client: OpenSSLClientContext; server: OpenSSLServerContext }): { client: TLSBuffer; server: TLSBuffer } {
  const client = (contexts?.client ?? clientContext()).createBuffer('localhost');
  const server = (contexts?.server ?? serverContext()).createBuffer();
  handshake(client, server);
  return { client, server };
}

/** PEM files of the fixtures, for peers outside this process. */
export function pemFiles(): { dir: string; ca: string; cert: string; key: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'unitls-openssl-'));
  const files = { ca: join(dir, 'ca.pem'), cert: join(dir, 'cert.pem'), key: join(dir, 'key.pem') };
  writeFileSync(files.ca, ca.certPem);
  writeFileSync(files.cert, leaf.certPem);
  writeFileSync(files.key, leaf.keyPem);
  return { dir, ...files, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

const PEER = fileURLToPath(new URL('../../../tests/support/python/close_peer.py', import.meta.url));

/** A Python ssl peer (tests/support/python/close_peer.py, shared with tests/conformance) and its stdout, line by line. */
export class PythonPeer {
  readonly process: ChildProcessWithoutNullStreams;
  readonly #lines: string[] = [];
  #waiter: (() => void) | null = null;
  #exited = false;

  constructor(args: string[]) {
    this.process = spawn('python3', [PEER, ...args]);
    this.process.stderr.setEncoding('utf8');
    let stderr = '';
    this.process.stderr.on('data', (chunk: string) => (stderr += chunk));
    createInterface({ input: this.process.stdout }).on('line', (line) => {
      this.#lines.push(line);
      this.#wake();
    });
    this.process.on('exit', (code) => {
      if (code !== 0) this.#lines.push(`exit ${code}: ${stderr.trim()}`);
      this.#exited = true;
      this.#wake();
    });
  }

  #wake(): void {
    const waiter = this.#waiter;
    this.#waiter = null;
    waiter?.();
  }

  /** The next line the peer prints (its exit status when it ends instead). */
  async line(): Promise<string> {
    while (this.#lines.length === 0) {
      if (this.#exited) return 'exited';
      await new Promise<void>((resolve) => (this.#waiter = resolve));
    }
    return this.#lines.shift()!;
  }

  async close(): Promise<void> {
    if (!this.#exited) {
      this.process.kill();
      await once(this.process, 'exit');
    }
  }
}
