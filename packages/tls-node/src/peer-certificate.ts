/**
 * The peer's certificate as a connection keeps it for its life (getpeercert(), session(),
 * peerCertificateChain()). node:tls hands it out as an X509Certificate once, at the handshake
 * (TLS 1.3 tickets make getPeerX509Certificate() undefined later); that object is a thin
 * JavaScript front (the object and a Map caching its getters: ~230 bytes per idle connection) over
 * Node's native certificate handle, which holds the certificate and links its issuers. The handle
 * alone answers everything a connection asks later, so it is what is kept, where this runtime's
 * X509Certificate has one that answers those calls; otherwise the X509Certificate itself.
 *
 * @module
 */
import { X509Certificate } from 'node:crypto';

/**
 * Node's native certificate handle (lib/internal/crypto/x509.js keeps it under the `kHandle`
 * symbol; src/crypto/crypto_x509.cc): the calls used here. Internal to Node.
 */
interface CertificateHandle {
  raw(): Uint8Array;
  fingerprint256(): string;
  getIssuerCert(): CertificateHandle | undefined;
}

/**
 * What a socket keeps of the peer's leaf: Node's handle, the X509Certificate node:tls made (where
 * no usable handle is found), or for a resumed session the DER the session kept.
 */
export type KeptPeer = CertificateHandle | X509Certificate | Uint8Array;

/** The symbol X509Certificate keeps its handle under, found on the first certificate; null: none. */
let handleSymbol: symbol | null | undefined;

function handleOf(certificate: X509Certificate): CertificateHandle | null {
  handleSymbol ??= Object.getOwnPropertySymbols(certificate).find((symbol) => symbol.description === 'kHandle') ?? null;
  if (handleSymbol === null) return null;
  const handle = (certificate as unknown as Record<symbol, Partial<CertificateHandle> | undefined>)[handleSymbol];
  const usable = handle !== null && typeof handle === 'object' && typeof handle.raw === 'function' && typeof handle.fingerprint256 === 'function' && typeof handle.getIssuerCert === 'function';
  return usable ? (handle as CertificateHandle) : null;
}

/**
 * What to keep of `certificate` (node:tls's X509Certificate of the peer, or a DER): its native
 * handle when it has a usable one (checked against the X509Certificate once per process), else
 * `certificate` itself.
 */
export function keepPeer(certificate: X509Certificate | Uint8Array): KeptPeer {
  if (certificate instanceof Uint8Array || handleChecked === false) return certificate;
  const handle = handleOf(certificate);
  if (handle === null) return certificate;
  // Its own fingerprint (not the DER: asked once, the X509Certificate keeps a copy of it).
  if (handleChecked === null) handleChecked = handle.fingerprint256() === certificate.fingerprint256 && handle.raw() instanceof Uint8Array;
  return handleChecked ? handle : certificate;
}

/** Whether a handle's answers matched its X509Certificate's: unknown until a first certificate is kept. */
let handleChecked: boolean | null = null;

/**
 * The peer's leaf as DER. From a handle, fresh memory on each call; from an X509Certificate or a
 * kept DER, the kept bytes themselves (callers copy them before they leave).
 */
export function peerDer(peer: KeptPeer): Uint8Array {
  if (peer instanceof Uint8Array) return peer;
  return peer instanceof X509Certificate ? peer.raw : peer.raw();
}

/**
 * The certificates the peer presented, leaf first, as DER (fresh copies), as node:tls linked them at
 * the handshake (the issuer each was verified with, up to the root or 16); the leaf alone for a
 * kept DER.
 */
export function peerChain(peer: KeptPeer): Uint8Array[] {
  if (peer instanceof Uint8Array) return [Uint8Array.from(peer)];
  const chain: Uint8Array[] = [];
  if (peer instanceof X509Certificate) {
    for (let cert: X509Certificate | undefined = peer; cert !== undefined && chain.length < 16; cert = cert.issuerCertificate) {
      chain.push(Uint8Array.from(cert.raw));
      if (cert.issuerCertificate?.fingerprint256 === cert.fingerprint256) break;
    }
    return chain;
  }
  for (let cert: CertificateHandle | undefined = peer; cert !== undefined && chain.length < 16; ) {
    chain.push(Uint8Array.from(cert.raw()));
    const issuer: CertificateHandle | undefined = cert.getIssuerCert() ?? undefined;
    // A self-signed root names itself as its issuer.
    if (issuer !== undefined && issuer.fingerprint256() === cert.fingerprint256()) break;
    cert = issuer;
  }
  return chain;
}
