import { X509Certificate } from 'node:crypto';
import {
  Certificate,
  CertificateVerificationError,
  PrivateKey,
  SigningChain,
  TLSClientConfiguration,
  TrustStore,
  cipherSuiteName,
  isNextProtocol,
  isTLSVersion,
  type TLSImplementation,
  type TLSVersion,
} from '@unitls/tls-core';

/** What `unitls connect` was asked to do. */
export interface ConnectRequest {
  host: string;
  port: number;
  servername?: string | undefined;
  alpn?: string[] | undefined;
  cafile?: string | undefined;
  cert?: string | undefined;
  key?: string | undefined;
  min?: string | undefined;
  max?: string | undefined;
  timeout?: number | undefined;
}

/** The outcome, ready to print. */
export interface ConnectReport {
  ok: boolean;
  lines: string[];
}

/** Thrown for command-line mistakes (exit code 2). */
export class UsageError extends Error {}

const versionAliases: Record<string, TLSVersion> = {
  '1.2': 'TLSv1.2',
  '1.3': 'TLSv1.3',
  'tlsv1.2': 'TLSv1.2',
  'tlsv1.3': 'TLSv1.3',
  min: 'MINIMUM_SUPPORTED',
  max: 'MAXIMUM_SUPPORTED',
};

function parseVersion(flag: string, value: string | undefined): TLSVersion | null {
  if (value === undefined) return null;
  const version = versionAliases[value.toLowerCase()] ?? value;
  if (!isTLSVersion(version)) throw new UsageError(`${flag}: unknown TLS version "${value}" (use 1.2 or 1.3)`);
  return version;
}

/** Parses HOST:PORT, [IPv6]:PORT. */
export function parseTarget(target: string): { host: string; port: number } {
  const match = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(target);
  const port = Number(match?.[3]);
  if (!match || port < 1 || port > 65535) throw new UsageError(`expected HOST:PORT, got "${target}"`);
  return { host: (match[1] ?? match[2])!, port };
}

export function configurationFor(request: ConnectRequest): TLSClientConfiguration {
  if ((request.cert === undefined) !== (request.key === undefined)) throw new UsageError('--cert and --key go together');
  return new TLSClientConfiguration({
    trustStore: request.cafile === undefined ? TrustStore.system() : TrustStore.fromFile(request.cafile),
    innerProtocols: request.alpn?.map((protocol) => (isNextProtocol(protocol) ? protocol : new TextEncoder().encode(protocol))) ?? null,
    lowestSupportedVersion: parseVersion('--min', request.min),
    highestSupportedVersion: parseVersion('--max', request.max),
    certificateChain:
      request.cert === undefined ? null : new SigningChain([Certificate.fromFile(request.cert), PrivateKey.fromFile(request.key!)]),
  });
}

function describeCertificate(der: Uint8Array): string[] {
  const cert = new X509Certificate(der);
  return [
    `  subject:   ${cert.subject.replace(/\n/g, ', ')}`,
    `  issuer:    ${cert.issuer.replace(/\n/g, ', ')}`,
    `  SANs:      ${cert.subjectAltName ?? '(none)'}`,
    `  valid:     ${cert.validFrom} .. ${cert.validTo}`,
    `  sha256:    ${cert.fingerprint256}`,
  ];
}

/** Connects, reports what was negotiated and the verification verdict, and closes. */
export async function connectAndReport(implementation: TLSImplementation, request: ConnectRequest): Promise<ConnectReport> {
  const configuration = configurationFor(request);
  const lines = [`implementation: ${implementation.name}`, `connecting to ${request.host}:${request.port} (name: ${request.servername ?? request.host})`];
  try {
    const context = new implementation.clientContext(configuration);
    const socket = await context.connect(
      { host: request.host, port: request.port },
      { ...(request.servername === undefined ? {} : { serverHostname: request.servername }), timeout: request.timeout ?? 10_000 },
    );
    try {
      const protocol = socket.negotiatedProtocol();
      lines.push(
        `version:   ${socket.negotiatedTlsVersion}`,
        `cipher:    ${cipherSuiteName(socket.cipher()!)} (0x${socket.cipher()!.toString(16).padStart(4, '0')})`,
        `ALPN:      ${protocol === null ? '(none)' : typeof protocol === 'string' ? protocol : `0x${Buffer.from(protocol).toString('hex')}`}`,
        'peer certificate:',
        ...(socket.getpeercert() === null ? ['  (none)'] : describeCertificate(socket.getpeercert()!)),
        'verification: OK (chain trusted, name matches)',
      );
    } finally {
      await socket.close();
    }
    return { ok: true, lines };
  } catch (error) {
    if (error instanceof CertificateVerificationError) {
      lines.push(`verification: FAILED (${error.reason}${error.verifyCode ? `, ${error.verifyCode}` : ''})`, `  ${error.message}`);
    } else {
      lines.push(`connection: FAILED`, `  ${(error as Error).message}`);
    }
    return { ok: false, lines };
  }
}
