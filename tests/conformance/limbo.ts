/**
 * Runs x509-limbo cases (x509-limbo/limbo.json, vendored, Apache-2.0) through an
 * implementation's own verification, in real TLS 1.2 handshakes where a relay swaps the case's
 * chain into the peer's plaintext Certificate message (support/certificate-swap.ts). limbo's keys
 * cannot be used instead: OpenSSL refuses to sign with most of them ("no suitable signature
 * algorithm"), so the relayed peer signs with its own key and the handshake fails only after the
 * certificate was judged.
 * - SERVER cases: the implementation's client, trusting only the case's trusted certificates and
 *   expecting its peer name.
 * - CLIENT cases: the implementation's server with the case's trusted certificates as its trust
 *   store (client authentication on).
 * Cases an implementation cannot express are skipped with the reason, and counted.
 */
import { X509Certificate } from 'node:crypto';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import type { Server } from 'node:net';
import * as tls from 'node:tls';
import { fileURLToPath } from 'node:url';
import {
  CertificateVerificationError,
  SigningChain,
  TLSClientConfiguration,
  TLSServerConfiguration,
  TLSVersion,
  TrustStore,
  type ClientContext,
  type ServerContext,
  type TLSImplementation,
} from '@unitls/tls-core';
import { startCertificateSwap } from '../support/certificate-swap.js';

export interface LimboCase {
  id: string;
  description: string;
  validation_kind: 'SERVER' | 'CLIENT';
  trusted_certs: string[];
  untrusted_intermediates: string[];
  peer_certificate: string;
  peer_certificate_key: string | null;
  validation_time: string | null;
  expected_result: 'SUCCESS' | 'FAILURE';
  expected_peer_name: { kind: 'DNS' | 'IP' | 'RFC822'; value: string } | null;
  max_chain_depth: number | null;
  crls: string[];
  features: string[] | null;
}

export type Outcome =
  | { kind: 'ran'; result: 'SUCCESS' | 'FAILURE'; detail: string }
  | { kind: 'skipped'; reason: string };

const limboPath = fileURLToPath(new URL('./x509-limbo/limbo.json', import.meta.url));

export function loadLimbo(): LimboCase[] {
  return (JSON.parse(readFileSync(limboPath, 'utf8')) as { testcases: LimboCase[] }).testcases;
}

function validityAt(pem: string, when: number): 'before' | 'within' | 'after' | 'unparsable' {
  // Validity has one-second granularity (RFC 5280), and notAfter is inclusive.
  const at = Math.floor(when / 1000) * 1000;
  try {
    const cert = new X509Certificate(pem);
    if (at < Date.parse(cert.validFrom)) return 'before';
    if (at > Date.parse(cert.validTo)) return 'after';
    return 'within';
  } catch {
    return 'unparsable';
  }
}

/** Why `implementation` cannot run `test`, or null when it can. */
export function cannotExpress(test: LimboCase, implementation: TLSImplementation): string | null {
  if (test.crls.length > 0) return 'CRLs: the PEP API has no revocation input';
  if (test.max_chain_depth !== null && test.max_chain_depth !== undefined) return 'max chain depth: not a PEP configuration field';
  if (test.validation_time !== null && !implementation.features.verificationTime) {
    const then = Date.parse(test.validation_time);
    const now = Date.now();
    const certs = [...test.trusted_certs, ...test.untrusted_intermediates, test.peer_certificate];
    const sameNow = certs.every((pem) => {
      const before = validityAt(pem, then);
      return before !== 'unparsable' && before === validityAt(pem, now);
    });
    if (!sameNow) return 'validation_time: the implementation cannot set the verification time, and the result would differ today';
  }
  return null;
}

async function listen(server: Server | tls.Server): Promise<number> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as { port: number }).port;
}

function peerName(test: LimboCase): string {
  // With no expected name, only the chain is judged (see classify); any name will do.
  return test.expected_peer_name?.value ?? 'limbo.invalid';
}

/**
 * Errors that mean the certificate was accepted and the handshake then failed on the relayed
 * peer's signature (made with the relay's key, not the case's): the expected end of a case the
 * implementation accepts. Anything else (a verification error, a key type the client refuses to
 * use, a certificate OpenSSL cannot parse) is a refusal.
 */
// RSA verification of the relay's signature fails in ways that depend on its random value (padding,
// octets, a value above the modulus): all mean the same here.
const SIGNATURE_FAILURE =
  /BAD[_ ]SIGNATURE|WRONG[_ ]SIGNATURE[_ ](TYPE|LENGTH)|OCTET[_ ]INVALID|PADDING|PAD[_ ]BYTE|DATA[_ ]TOO[_ ]LARGE|DECRYPT[_ ]ERROR|DIGEST[_ ]CHECK[_ ]FAILED/i;

/** FAILURE when the implementation refused the certificate, SUCCESS when it went on past it. */
function classify(test: LimboCase, error: unknown): Outcome {
  if (error instanceof CertificateVerificationError) {
    if (test.expected_peer_name === null && error.reason === 'hostname-mismatch') {
      return { kind: 'ran', result: 'SUCCESS', detail: 'chain accepted (no peer name to check)' };
    }
    return { kind: 'ran', result: 'FAILURE', detail: `${error.reason}: ${error.message}` };
  }
  // node:tls names the failure in the cause's code, tls-openssl in the cause's OpenSSL reason.
  const cause = (error as Error).cause as { code?: string; reason?: string } | undefined;
  const code = [cause?.code, cause?.reason].filter(Boolean).join(' ');
  if (SIGNATURE_FAILURE.test(code)) return { kind: 'ran', result: 'SUCCESS', detail: `certificate accepted, then ${code}` };
  // OpenSSL refusing to even parse a certificate is a rejection too.
  return { kind: 'ran', result: 'FAILURE', detail: `handshake refused: ${(error as Error).message}` };
}

/** The extension an implementation with `features.verificationTime` takes: verify as of the case's time. */
function verificationOptions(test: LimboCase, implementation: TLSImplementation): object {
  return test.validation_time !== null && implementation.features.verificationTime ? { verificationTime: new Date(test.validation_time) } : {};
}

const relayedChain = (test: LimboCase) => [test.peer_certificate, ...test.untrusted_intermediates].map(pemToDer);
const trusted = (test: LimboCase) => TrustStore.fromBuffer(test.trusted_certs.join('\n'));

/**
 * The relayed server's own certificate, of the same key family as the case's leaf, so the client
 * gets past its certificate-type check and records its verdict (a DSA leaf fits no offered suite).
 */
function relayIdentity(test: LimboCase, context: LimboContext): { cert: string; key: string } {
  let type: string | undefined;
  try {
    type = new X509Certificate(test.peer_certificate).publicKey.asymmetricKeyType;
  } catch {
    type = undefined;
  }
  return type === 'rsa' || type === 'rsa-pss' ? context.rsa : context.ec;
}

async function runServerCase(test: LimboCase, implementation: TLSImplementation, context: LimboContext): Promise<Outcome> {
  const identity = relayIdentity(test, context);
  // The relay needs the plaintext Certificate message of TLS 1.2.
  const client = new (implementation.clientContext as new (c: TLSClientConfiguration, o?: object) => ClientContext)(
    new TLSClientConfiguration({ trustStore: trusted(test), highestSupportedVersion: TLSVersion.TLSv1_2 }),
    verificationOptions(test, implementation),
  );
  const server = tls.createServer({ cert: identity.cert, key: identity.key, maxVersion: 'TLSv1.2' }, (socket) => socket.end());
  server.on('tlsClientError', () => {});
  const relay = await startCertificateSwap(await listen(server), 'server', relayedChain(test));
  try {
    const result = await client.connect({ host: '127.0.0.1', port: relay.port }, { serverHostname: peerName(test), timeout: 10_000 }).then(
      async (socket) => {
        await socket.close(true);
        return null;
      },
      (error: unknown) => error,
    );
    return result === null ? { kind: 'skipped', reason: 'relay failed: the handshake completed' } : classify(test, result);
  } finally {
    await relay.close();
    server.close();
  }
}

async function runClientCase(test: LimboCase, implementation: TLSImplementation, context: LimboContext): Promise<Outcome> {
  const server = new (implementation.serverContext as new (c: TLSServerConfiguration, o?: object) => ServerContext)(
    new TLSServerConfiguration({ certificateChain: [context.serverChain], trustStore: trusted(test), highestSupportedVersion: TLSVersion.TLSv1_2 }),
    verificationOptions(test, implementation),
  );
  const listener = await server.connect({ host: '127.0.0.1', port: 0 });
  const relay = await startCertificateSwap(listener.getsockname()!.port, 'client', relayedChain(test));
  try {
    const accepted = listener.accept().then(
      ([socket]) => socket.close(true).then(() => null),
      (error: unknown) => error,
    );
    const client = tls.connect({
      host: '127.0.0.1',
      port: relay.port,
      cert: context.client.cert,
      key: context.client.key,
      rejectUnauthorized: false,
      maxVersion: 'TLSv1.2',
    });
    client.on('error', () => {});
    const error = await accepted;
    client.destroy();
    return error === null ? { kind: 'skipped', reason: 'relay failed: the handshake completed' } : classify({ ...test, expected_peer_name: null }, error);
  } finally {
    await relay.close();
    await listener.close();
  }
}

function pemToDer(pem: string): Buffer {
  return Buffer.from(pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64');
}

export interface LimboContext {
  /** Working server certificates (chain) and keys: the relay swaps the case's chain in. */
  ec: { cert: string; key: string };
  rsa: { cert: string; key: string };
  /** The same as a SigningChain, for CLIENT cases. */
  serverChain: SigningChain;
  /** A working client certificate and key for CLIENT cases. */
  client: { cert: string; key: string };
}

export async function runCase(test: LimboCase, implementation: TLSImplementation, context: LimboContext): Promise<Outcome> {
  const reason = cannotExpress(test, implementation);
  if (reason !== null) return { kind: 'skipped', reason };
  return test.validation_kind === 'SERVER'
    ? runServerCase(test, implementation, context)
    : runClientCase(test, implementation, context);
}

