/**
 * Importing tls-pure does not load the ASN.1 libraries (asn1js, @peculiar/asn1-*: ~0.2 s of CPU, half
 * of the import, issue #17); the first certificate parsed does (x509/asn1-stack.ts). Run in a fresh
 * process: this one has loaded them already.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { testPki } from './support.js';

const pki = await testPki();
const src = (file: string) => JSON.stringify(pathToFileURL(join(import.meta.dirname, '..', 'src', file)).href);

/** Runs `body` (an ES module; tsx loads the .ts files it imports) in a new process; returns what it printed as JSON. */
function inFreshProcess(body: string): unknown {
  const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '--eval', body], {
    encoding: 'utf8',
    cwd: join(import.meta.dirname, '..'),
    env: { ...process.env, ROOT_PEM: pki.root.certPem },
  });
  expect(run.stderr).toBe('');
  expect(run.status).toBe(0);
  return JSON.parse(run.stdout);
}

const LOADED = `
import { createRequire } from 'node:module';
const cache = createRequire(import.meta.url).cache;
// CommonJS modules loaded so far, from a require() or an import (Node's ESM loader fills this cache too).
const loaded = () => [...new Set(Object.keys(cache).map((p) => /node_modules[\\\\/](asn1js|@peculiar[\\\\/][^\\\\/]+)[\\\\/]/.exec(p)?.[1]).filter((m) => m !== undefined))].sort();
`;

describe('the ASN.1 libraries load with the first certificate, not with the import', () => {
  it('import of tls-pure and a client context over the system store load none; a handshake-time parse loads them', () => {
    const result = inFreshProcess(`${LOADED}
      const pure = await import(${src('mod.ts')});
      const { TLSClientConfiguration, TrustStore } = await import('@unitls/tls-core');
      const afterImport = loaded();
      new pure.PureClientContext(new TLSClientConfiguration({ trustStore: TrustStore.system() }));
      const afterContext = loaded();
      const { parseCertificate } = await import(${src('x509/certificate.ts')});
      const { certificatesIn } = await import(${src('x509/pem.ts')});
      const parsed = parseCertificate(certificatesIn(new TextEncoder().encode(process.env.ROOT_PEM)).certificates[0], 1 << 16);
      console.log(JSON.stringify({ afterImport, afterContext, afterParse: loaded(), subject: parsed.subject.length > 0 }));
    `);
    expect(result).toEqual({
      afterImport: [],
      afterContext: [],
      afterParse: expect.arrayContaining(['@peculiar/asn1-schema', '@peculiar/asn1-x509', 'asn1js']),
      subject: true,
    });
  });

  it('a context whose trust store is a file decodes it at once, and works', () => {
    const result = inFreshProcess(`${LOADED}
      const pure = await import(${src('mod.ts')});
      const { TLSClientConfiguration, TrustStore } = await import('@unitls/tls-core');
      new pure.PureClientContext(new TLSClientConfiguration({ trustStore: TrustStore.fromBuffer(new TextEncoder().encode(process.env.ROOT_PEM)) }));
      console.log(JSON.stringify(loaded().includes('@peculiar/asn1-x509')));
    `);
    expect(result).toBe(true);
  });
});
