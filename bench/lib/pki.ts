// One throw-away CA and server certificate per benchmark run, as PEM files in a temporary folder
// readable by the daemons (which drop privileges) and by the Python and Node children.
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAuthority, issueCertificate } from '@unitls/demo-pki';

export interface BenchPki {
  dir: string;
  ca: string;
  cert: string;
  key: string;
  remove(): void;
}

export async function createBenchPki(): Promise<BenchPki> {
  const authority = await createAuthority({ name: 'unitls bench CA' });
  const leaf = await issueCertificate(authority, { names: ['localhost', '127.0.0.1'] });
  const dir = mkdtempSync(join(tmpdir(), 'unitls-bench-'));
  chmodSync(dir, 0o755);
  const files = { ca: join(dir, 'ca.pem'), cert: join(dir, 'server.crt'), key: join(dir, 'server.key') };
  writeFileSync(files.ca, authority.certPem);
  writeFileSync(files.cert, leaf.certPem);
  writeFileSync(files.key, leaf.keyPem);
  for (const file of Object.values(files)) chmodSync(file, 0o644); // throw-away test material
  return { dir, ...files, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
