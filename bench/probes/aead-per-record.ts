// CPU per 16 KiB record of each AEAD path tls-pure's record layer can take (issue #17): the default
// provider's sealInto / open (node:crypto: a Cipheriv and a fresh ArrayBuffer per record) against
// tls-openssl's AEAD (one OpenSSL context per key: sealInto, open, openInto in place), in one process,
// the variants alternating round by round (ROUNDS, default 7; RECORDS per round, default 4096), each
// and the ArrayBuffer bytes per record of 64 records (no garbage collection among so few). Prints medians.
//   node --import tsx bench/probes/aead-per-record.ts
import { randomBytes } from 'node:crypto';
import { openSslAead } from '@unitls/tls-openssl/aead';
import { nodeCryptoProvider } from '@unitls/tls-pure';

const rounds = Number(process.env.ROUNDS ?? 7);
const records = Number(process.env.RECORDS ?? 4096);
const key = randomBytes(16);
const nonce = randomBytes(12);
const header = Buffer.from([23, 3, 3, 0x40, 0x11]);
const inner = randomBytes(16_385); // a full record's TLSInnerPlaintext
const node = nodeCryptoProvider.aead('aes-128-gcm', key);
const openssl = openSslAead('aes-128-gcm', key);
const target = Buffer.alloc(inner.length + 16);
const sealed = Buffer.from(node.seal(nonce, header, inner));
const scratch = Buffer.alloc(sealed.length);

const variants: Record<string, () => void> = {
  'node:crypto sealInto': () => void node.sealInto!(nonce, header, inner, target, 0),
  'OpenSSL AEAD sealInto': () => void openssl.sealInto(nonce, header, inner, target, 0),
  'node:crypto open': () => void node.open(nonce, header, sealed),
  'OpenSSL AEAD open': () => void openssl.open(nonce, header, sealed),
  'OpenSSL AEAD openInto, in place': () => {
    scratch.set(sealed); // the record layer decrypts over the incoming bytes
    openssl.openInto(nonce, header, scratch, scratch, 0);
  },
};
const samples = new Map<string, { us: number[]; bytes: number[] }>(Object.keys(variants).map((name) => [name, { us: [], bytes: [] }]));
for (const run of Object.values(variants)) for (let i = 0; i < 500; i++) run(); // warm-up
for (let round = 0; round < rounds; round++) {
  for (const [name, run] of Object.entries(variants)) {
    const memory = process.memoryUsage().arrayBuffers;
    for (let i = 0; i < 64; i++) run();
    samples.get(name)!.bytes.push((process.memoryUsage().arrayBuffers - memory) / 64);
    const cpu = process.cpuUsage();
    for (let i = 0; i < records; i++) run();
    const used = process.cpuUsage(cpu);
    samples.get(name)!.us.push((used.user + used.system) / records);
  }
}
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
for (const [name, { us, bytes }] of samples) console.log(`${name.padEnd(34)} ${median(us).toFixed(2)} µs CPU/record (min ${Math.min(...us).toFixed(2)}), ${median(bytes).toFixed(0)} ArrayBuffer bytes/record`);
