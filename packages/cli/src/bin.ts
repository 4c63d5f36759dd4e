import { X509Certificate } from 'node:crypto';
import { accessSync, constants, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
// Only what parsing the command line needs is imported up front: `--version`, `--help` and a usage
// error load neither the connect code nor an implementation nor the demo PKI (trial 8: --version
// took 2.3 s on a loaded machine, most of it @unitls/demo-pki's @peculiar/x509). The rest is
// imported by the subcommand that needs it.
import type { ConnectReport, ConnectRequest } from './connect.js';
import { EXIT } from './exit-codes.js';
import { IMPLEMENTATION_PACKAGES, ImplementationUnavailableError, loadImplementation } from './implementations.js';
import { STARTTLS_PROTOCOLS, type StartTlsProtocol } from './starttls.js';
import { UsageError } from './usage-error.js';

/** The subcommands (one so far). */
const COMMANDS = ['connect'] as const;

/** What a usage error prints under its message. */
const USAGE_HINT = 'usage: unitls connect HOST:PORT [options] | unitls connect --demo (see unitls --help)';

const USAGE = `usage: unitls connect HOST:PORT [options]
       unitls connect --demo
       unitls --version | --help

Does a TLS handshake like openssl s_client and prints the version, cipher, key-exchange group,
ALPN, the certificate chain (subjects, issuers, SANs, validity), the verification verdict and
what the server did right after the handshake.

options:
  --servername NAME       name to send as SNI and to verify (default: HOST)
  --alpn P1,P2            ALPN protocols to offer (h2, http/1.1, ...)
  --cafile FILE           trust these CA certificates instead of the system store
  --cert FILE --key FILE  client certificate chain and key
  --min V, --max V        TLS version bounds: 1.2 or 1.3
  --starttls PROTO        upgrade a plain connection first: ${STARTTLS_PROTOCOLS.join(', ')}
  --timeout MS            bound on TCP connect + handshake (default 10000)
  --wait MS               time to wait for the server after the handshake (default 1000; 0 skips)
  --reconnect             connect again offering the session, and say whether it resumed
  --showcerts             print the certificates as PEM
  --json                  print the report as JSON
  --implementation NAME   TLS implementation: ${Object.keys(IMPLEMENTATION_PACKAGES).join(', ')} (default node)
  --demo                  start an embedded server with an ephemeral CA and connect to it
  -V, --version           print the version of @unitls/cli and exit
  -h, --help              print this text and exit

Verification is always on: there is no -k/--insecure. A certificate that fails verification is
still shown, with the reason (exit 1); to trust a private or test CA, pass --cafile.

exit codes: 0 verified and not refused; 1 certificate verification failed; 2 usage error;
3 TLS failed otherwise or the server refused after the handshake; 4 no connection (refused,
unreachable, timed out, STARTTLS dialogue failed); 5 implementation not available here.
`;

/** The version in @unitls/cli's package.json (dist/bin.js sits one folder below it, in the repository and in the package). */
function packageVersion(): string {
  return (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
}

function positiveNumber(flag: string, value: string | undefined, allowZero = false): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0 || (n === 0 && !allowZero)) throw new UsageError(`${flag} must be a ${allowZero ? 'non-negative' : 'positive'} number of milliseconds`);
  return n;
}

function print(report: ConnectReport, json: boolean, showcerts: boolean, prefix: string[] = []): void {
  if (json) {
    const { lines: _lines, ...data } = report;
    process.stdout.write(`${JSON.stringify(showcerts ? data : { ...data, chain: data.chain.map(({ pem: _pem, ...rest }) => rest) }, null, 2)}\n`);
    return;
  }
  const pems = showcerts ? ['', ...report.chain.map((cert) => cert.pem.trimEnd())] : [];
  process.stdout.write([...prefix, ...report.lines, ...pems].join('\n') + '\n');
}

/**
 * The option an unknown one was probably meant to be (trial 7: `--ca` for `--cafile`): one that it
 * begins, or within a typo or two of it; null when none is that close.
 */
async function closestOption(unknown: string): Promise<string | null> {
  const name = unknown.replace(/^-+/, '').split('=')[0]!;
  if (name.length === 0) return null;
  const names = Object.keys(OPTIONS);
  const prefixed = names.filter((known) => known.startsWith(name));
  if (prefixed.length === 1) return `--${prefixed[0]}`;
  const { closestName } = await import('@unitls/tls-core');
  const best = closestName(name, names);
  return best === null ? null : `--${best}`;
}

/**
 * curl's and wget's switches that turn verification off. unitls has none (the verdict and the chain
 * are shown either way), and `-k` was answered "did you mean --key?", which reads as if it were a
 * spelling of a client-key option: say plainly that verification stays on, and what to do instead.
 */
const INSECURE_SWITCHES = new Set(['-k', '--insecure', '--no-check-certificate', '--no-verify']);
const NO_INSECURE_SWITCH =
  'is not an option: unitls connect never turns certificate verification off. It shows the chain and the verdict either way (exit 1 when verification fails; the chain is then fetched by a second, unverified connection only to display it); to trust a private or test CA, pass --cafile FILE';

/** True when `data` holds a PEM CERTIFICATE block, or is one DER certificate. */
function holdsCertificate(data: Buffer): boolean {
  if (data.includes('-----BEGIN CERTIFICATE-----')) return true;
  try {
    new X509Certificate(data);
    return true;
  } catch {
    return false;
  }
}

const OPTIONS = {
  servername: { type: 'string' },
  alpn: { type: 'string' },
  cafile: { type: 'string' },
  cert: { type: 'string' },
  key: { type: 'string' },
  min: { type: 'string' },
  max: { type: 'string' },
  starttls: { type: 'string' },
  timeout: { type: 'string' },
  wait: { type: 'string' },
  reconnect: { type: 'boolean', default: false },
  showcerts: { type: 'boolean', default: false },
  json: { type: 'boolean', default: false },
  implementation: { type: 'string', default: 'node' },
  demo: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
  version: { type: 'boolean', short: 'V', default: false },
} as const;

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: OPTIONS,
  });
  if (values.help) {
    process.stdout.write(USAGE);
    return EXIT.OK;
  }
  if (values.version) {
    process.stdout.write(`unitls ${packageVersion()}\n`);
    return EXIT.OK;
  }
  const [command, target, ...extra] = positionals;
  if (command !== undefined && !(COMMANDS as readonly string[]).includes(command)) {
    // Trial 8: `unitls conect` said only 'expected "connect HOST:PORT"'.
    const { closestName } = await import('@unitls/tls-core');
    const near = closestName(command, COMMANDS);
    throw new UsageError(`unknown command '${command}'${near === null ? '' : `; did you mean '${near}'?`}`);
  }
  if (command !== 'connect' || extra.length > 0 || (target === undefined) === !values.demo) throw new UsageError('expected "connect HOST:PORT" or "connect --demo"');
  if (!(values.implementation in IMPLEMENTATION_PACKAGES)) {
    // Trial 9: `--implementation opensll` named neither the valid ones nor the one meant.
    const { closestName } = await import('@unitls/tls-core');
    const known = Object.keys(IMPLEMENTATION_PACKAGES);
    const near = closestName(values.implementation, known);
    throw new UsageError(`unknown implementation "${values.implementation}" (${near === null ? '' : `did you mean "${near}"? `}known: ${known.join(', ')})`);
  }
  if (values.starttls !== undefined && !(STARTTLS_PROTOCOLS as readonly string[]).includes(values.starttls)) {
    // Trial 10: `--starttls smpt` had no "did you mean", though option and command typos do.
    const { closestName } = await import('@unitls/tls-core');
    const near = closestName(values.starttls, STARTTLS_PROTOCOLS);
    throw new UsageError(`--starttls: unknown protocol "${values.starttls}" (${near === null ? '' : `did you mean "${near}"? `}use ${STARTTLS_PROTOCOLS.join(', ')})`);
  }
  for (const [flag, path] of [['--cafile', values.cafile], ['--cert', values.cert], ['--key', values.key]] as const) {
    if (path === undefined) continue;
    try {
      accessSync(path, constants.R_OK);
    } catch (error) {
      throw new UsageError(`${flag}: cannot read "${path}" (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
    }
  }
  // Trial 9: a key file given as --cafile failed as a handshake (exit 3) with each implementation's
  // own wording; it is the caller's mistake, found before any connection.
  if (values.cafile !== undefined && !holdsCertificate(readFileSync(values.cafile))) {
    throw new UsageError(`--cafile: "${values.cafile}" holds no certificate (expected PEM "-----BEGIN CERTIFICATE-----" blocks, or one DER certificate)`);
  }
  const request: ConnectRequest = {
    host: '',
    port: 0,
    servername: values.servername,
    alpn: values.alpn?.split(',').filter(Boolean),
    cafile: values.cafile,
    cert: values.cert,
    key: values.key,
    min: values.min,
    max: values.max,
    starttls: values.starttls as StartTlsProtocol | undefined,
    timeout: positiveNumber('--timeout', values.timeout),
    wait: positiveNumber('--wait', values.wait, true),
    reconnect: values.reconnect,
  };
  const { connectAndReport, parseTarget } = await import('./connect.js');
  if (!values.demo) {
    const parsed = parseTarget(target!);
    // Loaded only now, and only the one asked for: a runtime that cannot load another still works.
    const implementation = await loadImplementation(values.implementation);
    const report = await connectAndReport(implementation, { ...request, ...parsed });
    print(report, values.json, values.showcerts);
    return report.exitCode;
  }
  const implementation = await loadImplementation(values.implementation);
  const { startDemoServer } = await import('./demo.js');
  const demo = await startDemoServer(implementation);
  const dir = mkdtempSync(join(tmpdir(), 'unitls-demo-'));
  try {
    const cafile = join(dir, 'demo-ca.pem');
    writeFileSync(cafile, demo.caPem);
    const report = await connectAndReport(implementation, { ...request, host: 'localhost', port: demo.port, cafile, alpn: request.alpn ?? ['h2', 'http/1.1'] });
    print(report, values.json, values.showcerts, [`demo: embedded server on 127.0.0.1:${demo.port}, trusting its ephemeral CA`]);
    return report.exitCode;
  } finally {
    await demo.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => report(error).catch((failure: unknown) => {
    // Nothing in reporting may become an unhandled rejection (a stack and exit 1).
    process.stderr.write(`unitls: ${String((failure as Error | null)?.message ?? failure)}\n`);
    process.exitCode = EXIT.TLS_FAILED;
  }),
);

/** Says what went wrong on stderr and sets the exit code (the README's table). */
async function report(error: unknown): Promise<void> {
  const code = (error as { code?: unknown } | null)?.code;
  if (error instanceof UsageError || (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS'))) {
    // parseArgs' own text for an unknown option is about positionals: say what the user needs.
    const unknown = code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' ? /'([^']+)'/.exec((error as Error).message)?.[1] : undefined;
    const insecure = unknown !== undefined && INSECURE_SWITCHES.has(unknown.split('=')[0]!);
    const near = unknown === undefined || insecure ? null : await closestOption(unknown);
    const message =
      unknown === undefined ? (error as Error).message : insecure ? `${unknown.split('=')[0]} ${NO_INSECURE_SWITCH}` : `unknown option ${unknown}${near === null ? '' : ` (did you mean ${near}?)`}`;
    // The one useful line and where the rest is, not the whole help under it.
    process.stderr.write(`unitls: ${message}\n${USAGE_HINT}\n`);
    process.exitCode = EXIT.USAGE;
  } else if (error instanceof ImplementationUnavailableError) {
    process.stderr.write(`unitls: ${error.message}\n`);
    process.exitCode = EXIT.IMPLEMENTATION_UNAVAILABLE;
  } else {
    process.stderr.write(`unitls: ${String((error as Error | null)?.message ?? error)}\n`);
    process.exitCode = EXIT.TLS_FAILED;
  }
}
