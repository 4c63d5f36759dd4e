#!/usr/bin/env node
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { implementations } from './implementations.js';
import { UsageError, connectAndReport, parseTarget, type ConnectRequest } from './connect.js';
import { startDemoServer } from './demo.js';

const USAGE = `usage: unitls connect HOST:PORT [options]
       unitls connect --demo

Does a TLS handshake and prints the version, cipher, ALPN, the peer certificate and the
verification verdict. Exit code 0 when the handshake and verification succeed, 1 when they fail,
2 for usage errors.

options:
  --servername NAME       name to send as SNI and to verify (default: HOST)
  --alpn P1,P2            ALPN protocols to offer (h2, http/1.1, ...)
  --cafile FILE           trust these CA certificates instead of the system store
  --cert FILE --key FILE  client certificate chain and key
  --min V, --max V        TLS version bounds: 1.2 or 1.3
  --timeout MS            connect + handshake timeout (default 10000)
  --implementation NAME   TLS implementation: ${Object.keys(implementations).join(', ')} (default node)
  --demo                  start an embedded server with an ephemeral CA and connect to it
`;

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      servername: { type: 'string' },
      alpn: { type: 'string' },
      cafile: { type: 'string' },
      cert: { type: 'string' },
      key: { type: 'string' },
      min: { type: 'string' },
      max: { type: 'string' },
      timeout: { type: 'string' },
      implementation: { type: 'string', default: 'node' },
      demo: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const [command, target, ...extra] = positionals;
  if (command !== 'connect' || extra.length > 0 || (target === undefined) === !values.demo) throw new UsageError('expected "connect HOST:PORT" or "connect --demo"');
  const implementation = implementations[values.implementation];
  if (implementation === undefined) throw new UsageError(`unknown implementation "${values.implementation}"`);
  const timeout = values.timeout === undefined ? undefined : Number(values.timeout);
  if (timeout !== undefined && !(timeout > 0)) throw new UsageError('--timeout must be a positive number of milliseconds');
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
    timeout,
  };
  if (!values.demo) {
    const report = await connectAndReport(implementation, { ...request, ...parseTarget(target!) });
    process.stdout.write(report.lines.join('\n') + '\n');
    return report.ok ? 0 : 1;
  }
  const demo = await startDemoServer(implementation);
  const dir = mkdtempSync(join(tmpdir(), 'unitls-demo-'));
  try {
    const cafile = join(dir, 'demo-ca.pem');
    writeFileSync(cafile, demo.caPem);
    process.stdout.write(`demo: embedded server on 127.0.0.1:${demo.port}, trusting its ephemeral CA\n`);
    const report = await connectAndReport(implementation, {
      ...request,
      host: 'localhost',
      port: demo.port,
      cafile,
      alpn: request.alpn ?? ['h2', 'http/1.1'],
    });
    process.stdout.write(report.lines.join('\n') + '\n');
    return report.ok ? 0 : 1;
  } finally {
    await demo.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`unitls: ${(error as Error).message}\n\n${USAGE}`);
      process.exitCode = 2;
    } else {
      process.stderr.write(`unitls: ${(error as Error).message}\n`);
      process.exitCode = 1;
    }
  },
);
