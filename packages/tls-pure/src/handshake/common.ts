/**
 * Pieces both handshake sides use: message type checks, the CertificateVerify signed content,
 * scheme choice, ALPN matching.
 *
 * @module
 */
import { AlertDescription, HandshakeType, allowedInTls13Handshake } from '../codec/constants.js';
import { decodeCertificateVerify, type HandshakeMessage } from '../codec/messages.js';
import type { CryptoProvider } from '../crypto/provider.js';
import { fail } from '../errors.js';

const TYPE_NAMES = new Map<number, string>(Object.entries(HandshakeType).map(([name, value]) => [value, name]));

/** Fails with unexpected_message unless `message` is of `type`. */
export function expectType(message: HandshakeMessage, type: number, state: string): void {
  if (message.type !== type) {
    fail(AlertDescription.unexpected_message, `${state}: expected ${TYPE_NAMES.get(type) ?? type}, got ${TYPE_NAMES.get(message.type) ?? `handshake type ${message.type}`}`);
  }
}

/** RFC 8446 §4.4.3: 64 spaces, the context string, a zero byte, the transcript hash. */
export function certificateVerifyContent(side: 'server' | 'client', transcriptHash: Uint8Array): Uint8Array {
  const label = new TextEncoder().encode(`TLS 1.3, ${side} CertificateVerify`);
  const out = new Uint8Array(64 + label.length + 1 + transcriptHash.length);
  out.fill(0x20, 0, 64);
  out.set(label, 64);
  out.set(transcriptHash, 64 + label.length + 1);
  return out;
}

/** The first scheme of `ours` (our key's, best first) that the peer accepts for a TLS 1.3 handshake signature. */
export function chooseScheme(ours: readonly number[], peers: readonly number[]): number | undefined {
  return ours.find((scheme) => allowedInTls13Handshake(scheme) && peers.includes(scheme));
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/** Handshake signature schemes this engine verifies, in the order it offers them. */
export const VERIFY_SCHEMES: readonly number[] = Object.freeze([
  0x0403, 0x0503, 0x0603, 0x0807, 0x0804, 0x0805, 0x0806, 0x0809, 0x080a, 0x080b, 0x0401, 0x0501, 0x0601,
]);

/**
 * Checks a TLS 1.3 CertificateVerify from `peer` over `transcriptHash` with the key of its
 * certificate: a scheme we offered, and a signature that verifies (else decrypt_error, with a
 * BAD_SIGNATURE cause as the x509-limbo runner reads it).
 */
export function checkCertificateVerify(peer: 'server' | 'client', provider: CryptoProvider, message: HandshakeMessage, publicKeyInfo: Uint8Array, transcriptHash: Uint8Array): void {
  const verify = decodeCertificateVerify(message.body);
  if (chooseScheme([verify.scheme], VERIFY_SCHEMES) === undefined) fail(AlertDescription.illegal_parameter, `the ${peer} signed with scheme 0x${verify.scheme.toString(16)}, which we did not offer`);
  if (!provider.verify(verify.scheme, publicKeyInfo, certificateVerifyContent(peer, transcriptHash), verify.signature)) {
    fail(AlertDescription.decrypt_error, `the ${peer}'s CertificateVerify signature does not verify with its certificate's key`, badSignature());
  }
}

/** The cause of a failed handshake signature check. */
export function badSignature(): Error {
  return Object.assign(new Error('BAD_SIGNATURE'), { code: 'BAD_SIGNATURE' });
}
