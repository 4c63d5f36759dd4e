/**
 * `npm run examples` (tests/docs/examples/try.ts): a user runs a README's examples, or a program
 * of their own, against the local servers with one command (trial15: the READMEs' examples name
 * mail.example.org & co., and nothing let a user run them locally).
 */
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const dir = join(root, 'tests/.try-examples');

afterAll(() => rmSync(dir, { recursive: true, force: true }));

// Lines of ssl-compat's README fences, read from it: fixed numbers went stale with every edit above them (trial16).
const sslCompatLines = readFileSync(join(root, 'packages/ssl-compat/README.md'), 'utf8').split('\n');
const fences = sslCompatLines.flatMap((line, i) => (/^```(ts|js)$/.test(line) ? [i + 1] : []));
const firstTwo = fences.slice(0, 2);
/** The opening fence of the "A private CA" example (ca.pem, internal.example:8443). */
const privateCa = fences.find((line) => line > sslCompatLines.indexOf('**2. A private CA**'))!;

/** Runs try.ts as `npm run examples` does (after its build), from `cwd`. */
function tryExamples(args: string[], cwd = root): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', join(root, 'tests/docs/examples/try.ts'), ...args], { cwd, env: { ...process.env, INIT_CWD: cwd }, timeout: 240_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? ((error as { code?: number }).code ?? -1) : 0, stdout, stderr }),
    );
  });
}

it('npm run examples runs this repository\'s try.ts after building, and the README says how to use it', () => {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  expect(pkg.scripts.examples).toBe('turbo run build --output-logs=errors-only && node --import tsx tests/docs/examples/try.ts');
  expect(readFileSync(join(root, 'README.md'), 'utf8')).toContain('npm run examples -- packages/smtp/README.md');
});

it('runs one README example by README:LINE against its local server, printing what it prints', { timeout: 240_000 }, async () => {
  // ssl-compat's "A private CA" example: internal.example:8443 -> openssl s_server, ca.pem from its folder.
  const result = await tryExamples([`packages/ssl-compat/README.md:${privateCa}`]);
  expect(result.stdout, result.stderr).toContain('authorized: true');
  expect(result.stdout).toContain('== ok ==');
  expect(result.stdout).toContain('1 passed, 0 failed');
  expect(result.code).toBe(0);
});

it('a target that names no example says which lines do, exit 2, nothing started', { timeout: 120_000 }, async () => {
  const result = await tryExamples([`packages/ssl-compat/README.md:${privateCa - 1}`]);
  expect(result.code).toBe(2);
  expect(result.stderr).toContain(`packages/ssl-compat/README.md:${privateCa - 1} is not the opening fence of an example; its examples start at lines ${firstTwo[0]}, ${firstTwo[1]}, `);
  expect(result.stderr).not.toContain('starting local servers');
  const other = await tryExamples(['nothing-here.txt']);
  expect(other.code).toBe(2);
  expect(other.stderr).toContain('nothing-here.txt is neither a README with examples');
});

it("runs the user's own programs with every README host routed, relative to where npm was run; a failing one fails the run", { timeout: 300_000 }, async () => {
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'mine.mjs'),
    `import { TLSClientConfiguration } from '@unitls/tls-core';
import { implementation } from '@unitls/tls-node';
import { SMTP } from '@unitls/smtp';
// internal.example:8443 (openssl s_server) and mail.example.org:587 (Postfix), trusted through ca.pem (SSL_CERT_FILE)
const socket = await new implementation.clientContext(new TLSClientConfiguration()).connect({ host: 'internal.example', port: 8443 });
console.log('tls', socket.negotiatedTlsVersion);
await socket.close();
const smtp = new SMTP({ host: 'mail.example.org', port: 587 });
try {
  await smtp.connect();
  await smtp.login('alice', 'secret');
  console.log('refused', (await smtp.sendmail('alice@example.org', ['bob@example.org'], 'Subject: mine\\r\\n\\r\\nhi\\r\\n')).size);
} finally {
  await smtp.quit();
}
`,
  );
  writeFileSync(join(dir, 'broken.mjs'), "throw new Error('broken on purpose');\n");
  // node:tls style, as a migration to ssl-compat reads: everything it prints comes after its top level
  // (trial16: the program was ended at its top level's end, printed nothing, and was called ok).
  writeFileSync(
    join(dir, 'events.mjs'),
    `import { connect } from '@unitls/ssl-compat';
const socket = connect(443, 'example.org', { ALPNProtocols: ['http/1.1'] }, () => {
  console.log('secureConnect', socket.getProtocol());
  socket.write('GET / HTTP/1.1\\r\\nHost: example.org\\r\\nConnection: close\\r\\n\\r\\n');
});
socket.setEncoding('utf8');
let data = '';
socket.on('data', (chunk) => { data += chunk; });
socket.on('end', () => console.log('first line:', data.split('\\r\\n')[0]));
socket.on('close', () => console.log('closed after the callback'));
`,
  );
  const result = await tryExamples(['mine.mjs', 'broken.mjs', 'events.mjs'], dir);
  expect(result.stdout, result.stderr).toContain('tls TLSv1.3');
  expect(result.stdout).toContain('refused 0');
  expect(result.stderr).toContain('broken on purpose');
  expect(result.stdout).toMatch(/broken\.mjs .*\n[\s\S]*== FAILED: exited with 1 before its end ==/);
  expect(result.stdout).toMatch(/events\.mjs .*\n[\s\S]*secureConnect TLSv1\.3[\s\S]*first line: HTTP\/1\.1 200 OK[\s\S]*closed after the callback[\s\S]*== ok ==/);
  expect(result.stdout).toContain('2 passed, 1 failed');
  expect(result.code).toBe(1);
});
