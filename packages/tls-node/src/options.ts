import { constants } from 'node:crypto';
import { protocolBytes, type TLSClientConfiguration, type TLSServerConfiguration } from '@unitls/tls-core';
import { planCiphers } from './ciphers.js';

/** Renegotiation is refused and compression off, whatever OpenSSL's defaults. */
export const SECURE_OPTIONS = constants.SSL_OP_NO_RENEGOTIATION | constants.SSL_OP_NO_COMPRESSION;

/** The node:tls options every context shares: versions, ciphers and the hardening flags. */
export function protocolOptions(configuration: TLSClientConfiguration | TLSServerConfiguration) {
  const plan = planCiphers(configuration.ciphers, configuration.lowestSupportedVersion, configuration.highestSupportedVersion);
  return {
    minVersion: plan.minVersion,
    maxVersion: plan.maxVersion,
    ciphers: plan.ciphers,
    secureOptions: SECURE_OPTIONS,
    // Certificates trusted as anchors even when they are intermediates, as the PEP's reference
    // implementation does (X509_V_FLAG_PARTIAL_CHAIN).
    allowPartialTrustChain: true,
  };
}

/** The ALPN list in wire form (length-prefixed ids, as node:tls takes raw bytes), or undefined without ALPN (`[]`). */
export function alpnOption(configuration: TLSClientConfiguration | TLSServerConfiguration): Buffer | undefined {
  const protocols = configuration.innerProtocols.map(protocolBytes);
  return protocols.length === 0 ? undefined : Buffer.concat(protocols.flatMap((id) => [Buffer.of(id.length), id]));
}
