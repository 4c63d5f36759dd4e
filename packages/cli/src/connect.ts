import {
  Certificate,
  CertificateVerificationError,
  PrivateKey,
  SigningChain,
  TLSClientConfiguration,
  NOT_TLS,
  TLSError,
  TrustStore,
  cipherSuiteName,
  isNextProtocol,
  isTLSVersion,
  type TLSImplementation,
  type TLSSession,
  type TLSSocket,
  type TLSVersion,
} from '@unitls/tls-core';
import { describeCertificate, type CertificateInfo } from './certificate.js';
import { EXIT, type ExitCode } from './exit-codes.js';
import { renderReport } from './render.js';
import { openStartTls, startTlsAdvice, type StartTlsProtocol } from './starttls.js';
import { UsageError } from './usage-error.js';

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
  /** Milliseconds bounding TCP connect plus handshake (and each STARTTLS reply); default 10 000. */
  timeout?: number | undefined;
  /** Upgrade a plain connection the way this protocol's client does. */
  starttls?: StartTlsProtocol | undefined;
  /** Connect a second time offering the first connection's session. */
  reconnect?: boolean | undefined;
  /**
   * Milliseconds to wait after the handshake for the server's first flight (a TLS 1.3 server that
   * requires a client certificate refuses only then); default 1000, 0 to skip.
   */
  wait?: number | undefined;
}

/** The outcome, structured (`--json`) and as text lines. */
export interface ConnectReport {
  /** True when the handshake and verification succeeded and the server did not refuse afterwards. */
  ok: boolean;
  /** The process exit code this outcome maps to (see the README). */
  exitCode: ExitCode;
  implementation: string;
  target: { host: string; port: number; serverHostname: string; starttls: StartTlsProtocol | null };
  /** Negotiated values, when the handshake completed. */
  negotiated: { version: TLSVersion | null; cipher: { name: string; id: number } | null; alpn: string | null; group: string | null } | null;
  /** The certificates the server presented, leaf first (the leaf only when the implementation cannot tell the chain). */
  chain: CertificateInfo[];
  /** Where `chain` comes from: the verified connection, or a second one made without verification to show a refused certificate. */
  chainSource: 'handshake' | 'unverified-second-connection' | null;
  verification: { ok: boolean; reason?: string; verifyCode?: string; message?: string } | null;
  /** What the server did right after the handshake. */
  afterHandshake: { outcome: 'quiet' | 'data' | 'closed' | 'refused' | 'skipped'; detail?: string; recognised?: 'http2-settings' } | null;
  /** The STARTTLS greeting, when --starttls was used. */
  greeting: string | null;
  resumption: { offered: boolean; resumed: boolean | null; note?: string } | null;
  error: { stage: 'connect' | 'handshake' | 'after-handshake'; name: string; code?: string; message: string } | null;
  lines: string[];
}

/** The implementations' advice for an unknown issuer ("pass that CA's certificate in the configuration's trustStore: ..."), in the CLI's terms. */
function inCommandLineTerms(message: string): string {
  // Plain string search, not a regular expression: the message holds the peer's names, and the
  // pattern this replaces backtracked in quadratic time on a crafted one (tests/security).
  const advice = message.indexOf('; if you trust ');
  const pass = advice < 0 ? -1 : message.indexOf(', pass ', advice);
  const store = pass < 0 ? -1 : message.indexOf(" in the configuration's trustStore: ", pass);
  if (store < 0 || message.slice(advice, pass).includes(',')) return message;
  const what = message.slice(pass + ', pass '.length, store);
  if (what !== "that CA's certificate" && what !== 'it') return message;
  return `${message.slice(0, pass)}, pass ${what} with --cafile FILE`;
}

/**
 * A timeout's message in the CLI's terms (trial 10, finding 6): tls-core's TimeoutError said only
 * "The operation was aborted due to timeout", and the protocol clients' text named "the timeout
 * option". Both now name --timeout and its value.
 */
function timeoutInCommandLineTerms(error: unknown, message: string, timeout: number): string {
  let timedOut = false;
  for (let e = error, depth = 0; e instanceof Error && depth < 8; e = e.cause, depth++) {
    if (e.name === 'TimeoutError') timedOut = true;
  }
  if (!timedOut) return message;
  const option = '(the timeout option bounds each reply or operation as a whole)';
  if (message.includes(option)) return message.replace(option, '(--timeout bounds each reply or operation as a whole)');
  return `${message} (--timeout ${timeout} ms passed; raise it with --timeout MS)`;
}

export { UsageError };

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

/** The schemes whose URL gets its HOST:PORT spelt out, and their default ports. */
const URL_PORTS: Readonly<Record<string, number>> = { 'https:': 443, 'http:': 80, 'smtps:': 465, 'imaps:': 993, 'pop3s:': 995, 'ftps:': 990 };

/**
 * What is wrong with a target that is not HOST:PORT (trial 10, finding 12): a port outside
 * 1-65535 says the range; a URL says the HOST:PORT it means.
 */
function targetMistake(target: string, shaped: boolean): string {
  if (shaped) return `expected HOST:PORT with a port from 1 to 65535, got "${target}"`;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(target)) {
    try {
      const url = new URL(target);
      const port = url.port !== '' ? Number(url.port) : URL_PORTS[url.protocol];
      if (url.hostname !== '' && port !== undefined) return `expected HOST:PORT, got a URL "${target}": give its host and port, ${url.hostname}:${port}`;
    } catch {
      // Not a URL after all: the general message.
    }
  }
  return `expected HOST:PORT (as example.org:443 or [::1]:443), got "${target}"`;
}

/** Parses HOST:PORT, [IPv6]:PORT. */
export function parseTarget(target: string): { host: string; port: number } {
  const match = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(target);
  const port = Number(match?.[3]);
  if (!match || port < 1 || port > 65535) throw new UsageError(targetMistake(target, match !== null));
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

/** Extensions some implementations offer for diagnostics (tls-node does); absent ones are reported as unknown. */
interface DiagnosticSocket extends TLSSocket {
  peerCertificateChain?(): Uint8Array[];
  negotiatedGroup?(): string | null;
}

interface Opened {
  socket: TLSSocket;
  greeting: string | null;
  close(): Promise<void>;
}

async function open(implementation: TLSImplementation, configuration: TLSClientConfiguration, request: ConnectRequest, session?: TLSSession | null): Promise<Opened> {
  const serverHostname = request.servername ?? request.host;
  const timeout = request.timeout ?? 10_000;
  if (request.starttls !== undefined) {
    const upgraded = await openStartTls(request.starttls, { host: request.host, port: request.port, serverHostname, implementation, configuration, timeout });
    return { socket: upgraded.socket, greeting: upgraded.greeting, close: upgraded.close };
  }
  const socket = await new implementation.clientContext(configuration).connect(
    { host: request.host, port: request.port },
    // Both, so the bound holds whether an implementation honours `timeout`, `signal` or both.
    { serverHostname, timeout, signal: AbortSignal.timeout(timeout), ...(session ? { session } : {}) },
  );
  return { socket, greeting: null, close: () => socket.close() };
}

/** The CertificateVerificationError anywhere in `error`'s cause chain (protocol clients wrap it). */
function verificationErrorIn(error: unknown): CertificateVerificationError | null {
  for (let e = error, depth = 0; e instanceof Error && depth < 8; e = e.cause, depth++) {
    if (e instanceof CertificateVerificationError) return e;
  }
  return null;
}

/**
 * Whether `error` means no connection (exit 4) rather than a TLS failure (exit 3): a timeout, a
 * TCP connect that failed, or (with --starttls) a failure of the plain dialogue before TLS. A reset
 * or close once TCP was up is the handshake failing (exit 3): the same bytes give the same exit
 * code on every implementation (tls-node reports a FIN mid-handshake as ECONNRESET, the others not).
 */
function isConnectFailure(error: unknown, starttls: boolean): boolean {
  let tls = false;
  for (let e = error, depth = 0; e instanceof Error && depth < 8; e = e.cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (e.name === 'TimeoutError' || e.name === 'AbortError') return true;
    if (typeof code === 'string' && /^(ECONNREFUSED|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH|ETIMEDOUT)$/.test(code)) return true;
    if (e instanceof TLSError) tls = true;
  }
  return starttls && !tls;
}

function errorSummary(error: unknown, stage: NonNullable<ConnectReport['error']>['stage']): NonNullable<ConnectReport['error']> {
  const e = error instanceof Error ? error : new Error(String(error));
  const code = (e as { code?: unknown }).code;
  const messages = [e.message];
  // A protocol client's error is followed down its causes to the TLS error it wraps, and no further:
  // a unitls TLSError's message is whole, and its cause is the implementation's own (OpenSSL's raw
  // "800C...:error:0A00010B:SSL routines:..." on tls-node), which the library's message already says.
  for (let c: unknown = e, depth = 0; !(c instanceof TLSError) && c instanceof Error && c.cause instanceof Error && depth < 4; c = c.cause, depth++) {
    // A message that already quotes its cause ("... (its signal's TimeoutError: The operation was
    // aborted due to timeout)") does not get the cause's text again.
    const said = c.cause.message;
    if (!messages.some((message) => message.includes(said))) messages.push(said);
  }
  return { stage, name: e.name, ...(typeof code === 'string' ? { code } : {}), message: messages.join(': ') };
}

/** TLS alert 120, no_application_protocol (RFC 7301 section 3.2). */
const NO_APPLICATION_PROTOCOL = 120;

/**
 * Whether `error` is the server's no_application_protocol alert, however the implementation words
 * it: tls-node and tls-openssl carry OpenSSL's text and reason, tls-pure the alert number.
 */
function isAlpnRefusal(error: unknown): boolean {
  for (let e = error, depth = 0; e instanceof Error && depth < 8; e = e.cause, depth++) {
    const { code, alert } = e as { code?: unknown; alert?: unknown };
    if (alert === NO_APPLICATION_PROTOCOL) return true;
    if (typeof code === 'string' && code.endsWith('_NO_APPLICATION_PROTOCOL')) return true;
    if (/\bno[_ ]application[_ ]protocol\b/i.test(e.message)) return true;
  }
  return false;
}

function describeChain(socket: TLSSocket): CertificateInfo[] {
  const diagnostic = socket as DiagnosticSocket;
  const chain = diagnostic.peerCertificateChain?.() ?? [];
  if (chain.length > 0) return chain.map((der) => describeCertificate(der));
  const leaf = socket.getpeercert();
  return leaf === null ? [] : [describeCertificate(leaf)];
}

function negotiated(socket: TLSSocket): NonNullable<ConnectReport['negotiated']> {
  const cipher = socket.cipher();
  const protocol = socket.negotiatedProtocol();
  return {
    version: socket.negotiatedTlsVersion,
    cipher: cipher === null ? null : { name: cipherSuiteName(cipher) ?? `0x${cipher.toString(16).padStart(4, '0')}`, id: cipher },
    alpn: protocol === null ? null : typeof protocol === 'string' ? protocol : `0x${Buffer.from(protocol).toString('hex')}`,
    group: (socket as DiagnosticSocket).negotiatedGroup?.() ?? null,
  };
}

const HTTP2_SETTINGS = 'an HTTP/2 SETTINGS frame (the server speaks HTTP/2: its connection preface, RFC 9113 §3.4)';

/**
 * True when `data` starts with an HTTP/2 SETTINGS frame on stream 0 (RFC 9113 §6.5: a 9-byte frame
 * header, type 0x4, flags 0 or ACK, a length that is a multiple of 6): what an h2 server sends
 * first, which shown as text was "\u0000\u0000\u0000\u0004..." (trial 9).
 */
function isHttp2Settings(data: Uint8Array): boolean {
  if (data.length < 9) return false;
  const length = (data[0]! << 16) | (data[1]! << 8) | data[2]!;
  const streamId = ((data[5]! & 0x7f) << 24) | (data[6]! << 16) | (data[7]! << 8) | data[8]!;
  return data[3] === 0x4 && (data[4]! & ~0x1) === 0 && streamId === 0 && length % 6 === 0;
}

/**
 * Waits up to `wait` ms for the server's first flight after the handshake. A TLS 1.3 server checks
 * the client's certificate only after the client finished, so a refusal (certificate_required)
 * arrives here; a server that speaks first (a banner) shows its first bytes.
 */
async function afterHandshake(socket: TLSSocket, wait: number): Promise<NonNullable<ConnectReport['afterHandshake']> & { error?: unknown }> {
  if (wait <= 0) return { outcome: 'skipped' };
  let timer: ReturnType<typeof setTimeout> | undefined;
  const quiet = new Promise<'quiet'>((resolve) => (timer = setTimeout(() => resolve('quiet'), wait)));
  const read = socket.recv(4096).then(
    (data) => ({ data }),
    (error: unknown) => ({ error }),
  );
  const first = await Promise.race([read, quiet]);
  clearTimeout(timer);
  if (first === 'quiet') return { outcome: 'quiet' };
  if ('error' in first) return { outcome: 'refused', detail: errorSummary(first.error, 'after-handshake').message, error: first.error };
  if (first.data.length === 0) return { outcome: 'closed', detail: 'the server closed the connection right after the handshake' };
  if (isHttp2Settings(first.data)) return { outcome: 'data', detail: HTTP2_SETTINGS, recognised: 'http2-settings' };
  const text = Buffer.from(first.data).toString('latin1').split(/\r?\n/)[0]!;
  // The text itself: renderReport quotes it for the terminal, --json's encoder for JSON (it was quoted twice there).
  return { outcome: 'data', detail: text.length > 120 ? `${text.slice(0, 120)}...` : text };
}

/** A second connection without verification, to show what a refused server presented. */
async function unverifiedChain(implementation: TLSImplementation, configuration: TLSClientConfiguration, request: ConnectRequest): Promise<CertificateInfo[]> {
  const { InsecureConfiguration, InsecureTLSImplementation } = await import('@unitls/insecure');
  const opened = await withoutSecurityWarnings(() => {
    const insecure = new InsecureTLSImplementation(implementation, new InsecureConfiguration({ disableHostnameCheck: true, disableVerification: true }));
    return open(insecure, configuration, { ...request, wait: 0 });
  });
  try {
    return describeChain(opened.socket);
  } finally {
    await opened.close().catch(() => {});
  }
}

/**
 * Runs `step` with @unitls/insecure's SecurityWarnings (type 'SecurityWarning') held back and one
 * line in the command's words on stderr instead: after a *failed* verification, four warnings that
 * "certificate verification ... disabled" read as if the check itself had been off (trial 9).
 * The warnings stay for library users; other warnings pass through.
 */
async function withoutSecurityWarnings<T>(step: () => Promise<T>): Promise<T> {
  const emitWarning = process.emitWarning;
  let held = 0;
  process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
    if (warning instanceof Error && warning.name === 'SecurityWarning') held++;
    else (emitWarning as (...args: unknown[]) => void).call(process, warning, ...rest);
  }) as typeof process.emitWarning;
  try {
    return await step();
  } finally {
    process.emitWarning = emitWarning;
    if (held > 0) process.stderr.write('unitls: the certificate shown was fetched by a second connection without verification (@unitls/insecure), only to display it\n');
  }
}

/**
 * Connects (directly, or with `request.starttls` through that protocol's client), reports what was
 * negotiated, the chain and the verification verdict, waits for the server's first flight, and
 * with `request.reconnect` checks session resumption. Never throws for a network or TLS failure:
 * the report says what failed and carries the exit code.
 *
 * @throws UsageError for an invalid request (conflicting options, unknown TLS version).
 */
export async function connectAndReport(implementation: TLSImplementation, request: ConnectRequest): Promise<ConnectReport> {
  const configuration = configurationFor(request);
  if (request.reconnect && request.starttls !== undefined) throw new UsageError('--reconnect works on direct TLS connections, not with --starttls');
  const report: ConnectReport = {
    ok: false,
    exitCode: EXIT.OK,
    implementation: implementation.name,
    target: { host: request.host, port: request.port, serverHostname: request.servername ?? request.host, starttls: request.starttls ?? null },
    negotiated: null,
    chain: [],
    chainSource: null,
    verification: null,
    afterHandshake: null,
    greeting: null,
    resumption: null,
    error: null,
    lines: [],
  };
  let opened: Opened;
  try {
    opened = await open(implementation, configuration, request);
  } catch (error) {
    const refused = verificationErrorIn(error);
    if (refused !== null) {
      report.verification = { ok: false, reason: refused.reason, ...(refused.verifyCode ? { verifyCode: refused.verifyCode } : {}), message: inCommandLineTerms(refused.message) };
      report.exitCode = refused.reason === 'missing-certificate' ? EXIT.TLS_FAILED : EXIT.VERIFICATION_FAILED;
      if (refused.reason !== 'missing-certificate') {
        try {
          report.chain = await unverifiedChain(implementation, configuration, request);
          report.chainSource = 'unverified-second-connection';
        } catch {
          // The certificate cannot be shown; the verdict stands.
        }
      }
      report.error = errorSummary(error, 'handshake');
    } else {
      const connectFailure = isConnectFailure(error, request.starttls !== undefined);
      report.error = errorSummary(error, connectFailure ? 'connect' : 'handshake');
      report.error.message = timeoutInCommandLineTerms(error, report.error.message, request.timeout ?? 10_000);
      if (request.starttls === undefined && report.error.message.includes(NOT_TLS.fromServer)) report.error.message += startTlsAdvice(request.port);
      if (!connectFailure && request.alpn !== undefined && request.alpn.length > 0 && isAlpnRefusal(error)) {
        // The same words on every implementation instead of each one's internal text.
        report.error.message = `the server accepted none of the offered ALPN protocols (${request.alpn.join(', ')}): offer one it supports with --alpn, or leave --alpn out`;
      }
      report.exitCode = connectFailure ? EXIT.CONNECT_FAILED : EXIT.TLS_FAILED;
    }
    report.lines = renderReport(report);
    return report;
  }
  let session: TLSSession | null = null;
  try {
    report.negotiated = negotiated(opened.socket);
    report.chain = describeChain(opened.socket);
    report.chainSource = 'handshake';
    report.verification = { ok: true };
    report.greeting = opened.greeting;
    const after = request.starttls === undefined ? await afterHandshake(opened.socket, request.wait ?? 1000) : { outcome: 'skipped' as const };
    const { error: refusal, ...shown } = after as typeof after & { error?: unknown };
    report.afterHandshake = shown;
    if (after.outcome === 'refused') {
      report.exitCode = EXIT.TLS_FAILED;
      report.error = errorSummary(refusal, 'after-handshake');
    }
    session = request.reconnect ? (opened.socket.session?.() ?? null) : null;
  } finally {
    await opened.close().catch(() => {});
  }
  if (request.reconnect && report.exitCode === EXIT.OK) report.resumption = await resume(implementation, configuration, request, session);
  report.ok = report.exitCode === EXIT.OK;
  report.lines = renderReport(report);
  return report;
}

async function resume(implementation: TLSImplementation, configuration: TLSClientConfiguration, request: ConnectRequest, session: TLSSession | null): Promise<NonNullable<ConnectReport['resumption']>> {
  if (!implementation.features.sessionResumption) return { offered: false, resumed: null, note: `${implementation.name} does not support session resumption` };
  if (session === null && request.wait === 0) {
    // Not the server's fault: a TLS 1.3 server sends its session tickets after the handshake, in the wait --wait 0 skipped.
    return { offered: false, resumed: null, note: 'no session to offer: --wait 0 skipped the wait after the handshake, when a TLS 1.3 server sends its session tickets; drop --wait 0, or give the server time with --wait 1000' };
  }
  if (session === null) return { offered: false, resumed: null, note: `the first connection produced no session to offer (a server without tickets or session ids, or ${implementation.name} does not resume ${request.max === '1.2' ? 'TLS 1.2' : 'this TLS version'})` };
  try {
    const again = await open(implementation, configuration, { ...request, wait: 0 }, session);
    try {
      return { offered: true, resumed: again.socket.sessionReused ?? null };
    } finally {
      await again.close().catch(() => {});
    }
  } catch (error) {
    return { offered: true, resumed: null, note: `the second connection failed: ${errorSummary(error, 'connect').message}` };
  }
}
