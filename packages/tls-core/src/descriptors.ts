/**
 * Certificate, private-key and trust-store descriptors (PEP 748). A descriptor only records where
 * the material comes from; nothing is read or parsed until an implementation builds a context,
 * so one descriptor can serve every implementation. As the PEP says, a descriptor raises only when
 * nothing at all is given (or something of the wrong type): empty material is recorded as it is,
 * and refused by the context that uses it (and by `validateConfig`, see {@link emptyMaterial}).
 *
 * @module
 */
import { readFileSync } from 'node:fs';
import { ConfigurationError } from './errors.js';

/** Where a descriptor's material comes from. Implementations switch on `kind`. */
export type DescriptorSource =
  | { readonly kind: 'buffer'; readonly data: Uint8Array }
  | { readonly kind: 'file'; readonly path: string }
  | { readonly kind: 'id'; readonly id: Uint8Array }
  | { readonly kind: 'system' };

/** PEM text or DER bytes. A string is taken as PEM text. */
export type PemOrDer = Uint8Array | string;

function copyMaterial(what: string, data: PemOrDer): Uint8Array {
  if (typeof data === 'string') return new TextEncoder().encode(data);
  if (!(data instanceof Uint8Array)) {
    throw new ConfigurationError(`${what}.fromBuffer: expected a Uint8Array (DER or PEM bytes) or a PEM string`);
  }
  return Uint8Array.from(data);
}

function checkPath(what: string, path: string): string {
  if (typeof path !== 'string') throw new ConfigurationError(`${what}.fromFile: expected a file path (a string)`);
  return path;
}

function checkId(what: string, id: Uint8Array | string): Uint8Array {
  if (typeof id === 'string') return new TextEncoder().encode(id);
  if (!(id instanceof Uint8Array)) throw new ConfigurationError(`${what}.fromId: expected the id as a Uint8Array or a string`);
  return Uint8Array.from(id);
}

/**
 * Why a descriptor's material cannot be used, found without reading anything: an empty buffer,
 * path or id. Null when nothing is wrong that can be seen before reading (a file may still be
 * missing or empty when a context reads it).
 */
export function emptyMaterial(what: string, source: DescriptorSource): string | null {
  switch (source.kind) {
    case 'buffer':
      return source.data.length === 0 ? `${what}.fromBuffer() was given empty material; pass PEM text or DER bytes` : null;
    case 'file':
      return source.path === '' ? `${what}.fromFile() was given an empty path; pass the path of a PEM or DER file` : null;
    case 'id':
      return source.id.length === 0 ? `${what}.fromId() was given an empty id` : null;
    case 'system':
      return null;
  }
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}

function sourcesEqual(a: DescriptorSource, b: DescriptorSource): boolean {
  switch (a.kind) {
    case 'buffer':
      return b.kind === 'buffer' && bytesEqual(a.data, b.data);
    case 'file':
      return b.kind === 'file' && a.path === b.path;
    case 'id':
      return b.kind === 'id' && bytesEqual(a.id, b.id);
    case 'system':
      return b.kind === 'system';
  }
}

const token = Symbol('descriptor construction');

abstract class Descriptor {
  readonly source: DescriptorSource;

  protected constructor(what: string, secret: symbol, source: DescriptorSource | undefined) {
    if (secret !== token || source === undefined) {
      throw new ConfigurationError(
        `${what} needs material: use ${what}.fromBuffer(), ${what}.fromFile() or ${what}.fromId()`,
      );
    }
    this.source = Object.freeze(source);
    Object.freeze(this);
  }

  /** True when both descriptors name the same material (same bytes, path or id). */
  equals(other: unknown): boolean {
    return other instanceof Descriptor && other.constructor === this.constructor && sourcesEqual(this.source, other.source);
  }

  /**
   * The material's bytes, for implementations: a copy of the buffer, or the file read now.
   * Throws ConfigurationError for `fromId` and system descriptors, which have no bytes here.
   */
  bytes(): Uint8Array {
    return readDescriptorBytes(this.constructor.name, this.source);
  }
}

/**
 * Reads a buffer or file source for a context being built.
 *
 * @throws ConfigurationError for empty material (an empty buffer, path or file), a file that cannot
 *   be read, and `fromId` / system sources, which have no bytes here.
 */
export function readDescriptorBytes(what: string, source: DescriptorSource): Uint8Array {
  const empty = emptyMaterial(what, source);
  if (empty !== null) throw new ConfigurationError(empty);
  switch (source.kind) {
    case 'buffer':
      return Uint8Array.from(source.data);
    case 'file': {
      let bytes: Uint8Array;
      try {
        bytes = readFileSync(source.path);
      } catch (cause) {
        throw new ConfigurationError(`${what}: cannot read ${source.path}: ${(cause as Error).message}`, { cause });
      }
      if (bytes.length === 0) throw new ConfigurationError(`${what}: the file ${source.path} is empty`);
      return bytes;
    }
    case 'id':
      throw new ConfigurationError(`${what}.fromId() material has no bytes; this implementation cannot use it`);
    case 'system':
      throw new ConfigurationError(`${what}.system() has no bytes of its own`);
  }
}

/**
 * An X.509 certificate (PEP 748 `Certificate`).
 *
 * @example
 * ```ts
 * import { Certificate } from '@unitls/tls-core';
 * const cert = Certificate.fromFile('/etc/ssl/server.pem');
 * ```
 */
export class Certificate extends Descriptor {
  private constructor(source?: DescriptorSource, secret?: symbol) {
    super('Certificate', secret ?? Symbol(), source);
  }
  /** A certificate from PEM text or DER bytes (the bytes are copied). */
  static fromBuffer(data: PemOrDer): Certificate {
    return new Certificate({ kind: 'buffer', data: copyMaterial('Certificate', data) }, token);
  }
  /** A certificate read from a PEM or DER file when a context is built. */
  static fromFile(path: string): Certificate {
    return new Certificate({ kind: 'file', path: checkPath('Certificate', path) }, token);
  }
  /** A certificate named by an opaque id (e.g. in a key store); only some implementations resolve ids. */
  static fromId(id: Uint8Array | string): Certificate {
    return new Certificate({ kind: 'id', id: checkId('Certificate', id) }, token);
  }
}

/** A private key (PEP 748 `PrivateKey`). Encrypted keys are not supported. */
export class PrivateKey extends Descriptor {
  private constructor(source?: DescriptorSource, secret?: symbol) {
    super('PrivateKey', secret ?? Symbol(), source);
  }
  /** A key from PEM text or DER (PKCS#8, SEC1 or PKCS#1) bytes (copied). */
  static fromBuffer(data: PemOrDer): PrivateKey {
    return new PrivateKey({ kind: 'buffer', data: copyMaterial('PrivateKey', data) }, token);
  }
  /** A key read from a file when a context is built. */
  static fromFile(path: string): PrivateKey {
    return new PrivateKey({ kind: 'file', path: checkPath('PrivateKey', path) }, token);
  }
  /** A key named by an opaque id (e.g. an HSM handle); only some implementations resolve ids. */
  static fromId(id: Uint8Array | string): PrivateKey {
    return new PrivateKey({ kind: 'id', id: checkId('PrivateKey', id) }, token);
  }
}

/**
 * The certificates trusted to verify the peer (PEP 748 `TrustStore`). `TrustStore.system()` is
 * the operating system's store.
 */
export class TrustStore extends Descriptor {
  private constructor(source?: DescriptorSource, secret?: symbol) {
    super('TrustStore', secret ?? token, source ?? { kind: 'system' });
  }
  /** The operating system's trust store (not a bundled copy of Mozilla's list). */
  static system(): TrustStore {
    return new TrustStore({ kind: 'system' }, token);
  }
  /** Trust anchors from a PEM bundle or one DER certificate (copied). */
  static fromBuffer(data: PemOrDer): TrustStore {
    return new TrustStore({ kind: 'buffer', data: copyMaterial('TrustStore', data) }, token);
  }
  /** Trust anchors read from a PEM bundle file when a context is built. */
  static fromFile(path: string): TrustStore {
    return new TrustStore({ kind: 'file', path: checkPath('TrustStore', path) }, token);
  }
  /** A trust store named by an opaque id; only some implementations resolve ids. */
  static fromId(id: Uint8Array | string): TrustStore {
    return new TrustStore({ kind: 'id', id: checkId('TrustStore', id) }, token);
  }
}

/**
 * A leaf certificate with its private key, plus the intermediates to send (PEP 748
 * `SigningChain`).
 *
 * @example
 * ```ts
 * import { Certificate, PrivateKey, SigningChain } from '@unitls/tls-core';
 * const chain = new SigningChain([Certificate.fromFile('leaf.pem'), PrivateKey.fromFile('leaf.key')], [
 *   Certificate.fromFile('intermediate.pem'),
 * ]);
 * ```
 */
export class SigningChain {
  readonly leaf: readonly [Certificate, PrivateKey | null];
  readonly chain: readonly Certificate[];

  constructor(leaf: readonly [Certificate, PrivateKey | null], chain: Iterable<Certificate> | null = null) {
    if (!Array.isArray(leaf) || leaf.length !== 2 || !(leaf[0] instanceof Certificate)) {
      throw new ConfigurationError('SigningChain: leaf must be [Certificate, PrivateKey | null]');
    }
    if (leaf[1] !== null && !(leaf[1] instanceof PrivateKey)) {
      throw new ConfigurationError('SigningChain: the leaf key must be a PrivateKey or null');
    }
    if (chain !== null && (typeof chain === 'string' || typeof (chain as Partial<Iterable<Certificate>>)[Symbol.iterator] !== 'function')) {
      throw new ConfigurationError('SigningChain: chain must be a list of Certificates');
    }
    const rest = [...(chain ?? [])];
    for (const cert of rest) {
      if (!(cert instanceof Certificate)) throw new ConfigurationError('SigningChain: chain must hold Certificates');
    }
    this.leaf = Object.freeze([leaf[0], leaf[1]] as const);
    this.chain = Object.freeze(rest);
    Object.freeze(this);
  }

  /** True when both chains hold equal descriptors in the same order. */
  equals(other: unknown): boolean {
    if (!(other instanceof SigningChain)) return false;
    const [cert, key] = this.leaf;
    const [otherCert, otherKey] = other.leaf;
    return (
      cert.equals(otherCert) &&
      (key === null ? otherKey === null : key.equals(otherKey)) &&
      this.chain.length === other.chain.length &&
      this.chain.every((c, i) => c.equals(other.chain[i]))
    );
  }
}
