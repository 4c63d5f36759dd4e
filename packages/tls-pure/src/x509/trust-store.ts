/**
 * tls-core's TrustStore descriptor turned into trust anchors: PEM bundles or a DER certificate
 * (fromBuffer, fromFile), or the operating system's store (system()). fromId is refused.
 *
 * @module
 */
import { ConfigurationError, readDescriptorBytes, type TrustStore } from '@unitls/tls-core';
import { bytesKey } from './certificate.js';
import { certificatesIn } from './pem.js';
import { systemTrustAnchors } from './system-store.js';
import { TrustAnchors } from './trust-anchors.js';

// Buffer descriptors are immutable, so their anchors are decoded once per descriptor.
const fromBuffers = new WeakMap<TrustStore, TrustAnchors>();

// A file is read for every context (it may have changed) but decoded once per content: a client
// that builds a context per connection from fromFile(bundle) would otherwise decode the whole
// bundle each time (milliseconds per certificate through the ASN.1 libraries). The last few contents.
const FILE_CACHE_ENTRIES = 4;
const fromFiles = new Map<string, TrustAnchors>();

function decodeFile(what: string, data: Uint8Array): TrustAnchors {
  const key = bytesKey(data);
  let anchors = fromFiles.get(key);
  if (anchors !== undefined) fromFiles.delete(key);
  else anchors = decode(what, data);
  fromFiles.set(key, anchors);
  if (fromFiles.size > FILE_CACHE_ENTRIES) fromFiles.delete(fromFiles.keys().next().value!);
  return anchors;
}

function decode(what: string, data: Uint8Array): TrustAnchors {
  const { certificates, malformed } = certificatesIn(data);
  if (malformed > 0) throw new ConfigurationError(`${what}: ${malformed} PEM block(s) are not valid base64`);
  if (certificates.length === 0) throw new ConfigurationError(`${what}: no certificate found (expected PEM CERTIFICATE blocks or one DER certificate)`);
  try {
    return TrustAnchors.fromDer(certificates);
  } catch (cause) {
    throw new ConfigurationError(`${what}: ${(cause as Error).message}`, { cause });
  }
}

/**
 * The trust anchors a TrustStore descriptor names.
 *
 * @throws ConfigurationError for fromId stores, unreadable files, material holding no
 *   certificate or a malformed one, and a missing system store.
 */
export function trustAnchorsFor(store: TrustStore): TrustAnchors {
  const source = store.source;
  switch (source.kind) {
    case 'system':
      return systemTrustAnchors();
    case 'id':
      throw new ConfigurationError('TrustStore.fromId() is not supported by tls-pure: use TrustStore.fromBuffer(), fromFile() or system()');
    case 'file':
      return decodeFile(`TrustStore.fromFile(${JSON.stringify(source.path)})`, readDescriptorBytes('TrustStore', source));
    case 'buffer': {
      let anchors = fromBuffers.get(store);
      if (anchors === undefined) {
        anchors = decode('TrustStore.fromBuffer()', source.data);
        fromBuffers.set(store, anchors);
      }
      return anchors;
    }
  }
}
