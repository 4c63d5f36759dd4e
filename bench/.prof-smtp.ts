// scratch: profile @unitls/smtp sending N messages (not committed)
import { readFileSync } from 'node:fs';
import { SMTP } from '@unitls/smtp';
import { TLSClientConfiguration, TrustStore } from '@unitls/tls-core';
import { forkChild } from './lib/children.js';
import { UNITLS } from './lib/engines.js';
import { createAuthority, issueCertificate } from '@unitls/demo-pki';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
const ca = await createAuthority({ name: 'p' });
const leaf = await issueCertificate(ca, { names: ['localhost', '127.0.0.1'] });
const dir = mkdtempSync(join(tmpdir(), 'prof-'));
writeFileSync(join(dir, 'c.pem'), leaf.certPem); writeFileSync(join(dir, 'k.pem'), leaf.keyPem);
const server = await forkChild<{ port: number }>('smtp-server', [join(dir, 'c.pem'), join(dir, 'k.pem')]);
const MESSAGE = `From: a@example.test\r\nTo: b@example.test\r\nSubject: bench\r\n\r\n${'The quick brown fox jumps over the lazy dog.\r\n'.repeat(40)}`;
const impl = process.argv[2] === 'openssl' ? UNITLS.openssl : UNITLS.node;
const N = Number(process.argv[3] ?? 2000);
const smtp = new SMTP({ host: '127.0.0.1', port: server.ready.port, implementation: impl, configuration: new TLSClientConfiguration({ trustStore: TrustStore.fromBuffer(ca.certPem) }) });
await smtp.connect();
for (let i = 0; i < 200; i++) await smtp.sendmail('a@example.test', ['b@example.test'], MESSAGE);
import { Session as InspectorSession } from 'node:inspector/promises';
const insp = new InspectorSession(); insp.connect(); await insp.post('Profiler.enable'); if (process.env.PROF) await insp.post('Profiler.start');
const c0 = process.cpuUsage(); const t0 = performance.now();
for (let i = 0; i < N; i++) await smtp.sendmail('a@example.test', ['b@example.test'], MESSAGE);
const cpu = process.cpuUsage(c0); const t = performance.now() - t0;
console.log(`${process.argv[2]}: ${(N / t * 1000).toFixed(0)} msg/s, client CPU ${((cpu.user + cpu.system) / N).toFixed(1)} µs/msg`);
if (process.env.PROF) { const { profile } = await insp.post('Profiler.stop'); writeFileSync('/tmp/ck/prof/steady.cpuprofile', JSON.stringify(profile)); }
await smtp.quit(); await server.stop();
