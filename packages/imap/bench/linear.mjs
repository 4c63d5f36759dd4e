#!/usr/bin/env node
// Issue #18 item 9: linear time in the input for the IMAP parsers and decoders, measured (not a
// test: nothing here asserts a time). For each shape, CPU ns per input byte at growing sizes: a
// linear parser keeps it flat, a quadratic one multiplies it by 4 each time the size does.
// A fast-check property then draws random inputs of the worst alphabet ("&", "-", base64) and
// reports the highest cost per byte seen against a budget.
// Usage: node packages/imap/bench/linear.mjs   (after npm run build)
import fc from 'fast-check';
import { IMAPConnection, NEED_DATA, decodeMailbox } from '../dist/mod.js';

const BUDGET_NS_PER_BYTE = 200;

/** CPU ns per byte of `work(input)`, best of `rounds`. */
function cost(work, input, bytes, rounds = 5) {
  let best = Infinity;
  for (let round = 0; round < rounds; round++) {
    const start = process.cpuUsage();
    work(input);
    const used = process.cpuUsage(start);
    best = Math.min(best, ((used.user + used.system) * 1000) / bytes);
  }
  return best;
}

/** The whole core: a PREAUTH session, then `wire` fed in 16 KiB chunks, every event taken. */
function core(wire) {
  const connection = new IMAPConnection({ limits: { maxLineLength: 64 << 20, maxLiteralSize: 64 << 20 } });
  connection.receiveData(Buffer.from('* PREAUTH [CAPABILITY IMAP4rev1] hi\r\n'));
  connection.nextEvent();
  connection.send({ name: 'LIST', args: ['', '*'] });
  for (let i = 0; i < wire.length; i += 16384) {
    connection.receiveData(wire.subarray(i, i + 16384));
    while (connection.nextEvent() !== NEED_DATA);
  }
}

const shapes = [
  ['modified UTF-7: a name of "&" only (was 5 s for 64 KiB)', (n) => '&'.repeat(n), (s) => decodeMailbox(s)],
  ['modified UTF-7: "&" then base64 without "-"', (n) => `&${'AAAA'.repeat(n / 4)}`, (s) => decodeMailbox(s)],
  ['modified UTF-7: "&-" pairs', (n) => '&-'.repeat(n / 2), (s) => decodeMailbox(s)],
  ['core: LIST of one name of "&" only', (n) => Buffer.from(`* LIST () "/" "${'&'.repeat(n)}"\r\nA0001 OK done\r\n`), core],
  ['core: a FETCH of n one-byte flags', (n) => Buffer.from(`* 1 FETCH (FLAGS (${'a '.repeat(n / 2)}))\r\nA0001 OK done\r\n`), core],
  ['core: a quoted string of backslash escapes', (n) => Buffer.from(`* LIST () "/" "${'\\\\'.repeat(n / 2)}"\r\nA0001 OK done\r\n`), core],
  ['core: a chain of {0} literals', (n) => Buffer.from(`* 1 FETCH (${'X {0}\r\n '.repeat(n / 8)})\r\nA0001 OK done\r\n`), core],
  ['core: {0} literals each followed by a blank line (was quadratic: 400 KB took minutes)', (n) => Buffer.from(`* 1 FETCH (${'X {0}\r\n\r\n '.repeat(n / 10)})\r\nA0001 OK done\r\n`), core],
  ['core: lists nested 60 deep, repeated', (n) => Buffer.from(`* 1 FETCH (${`X ${'('.repeat(60)}${')'.repeat(60)} `.repeat(n / 123)})\r\nA0001 OK done\r\n`), core],
];

console.log(`| input | ${[16, 64, 256, 1024].map((k) => `${k} KiB`).join(' | ')} |`);
console.log(`|---|${'---|'.repeat(4)}`);
for (const [name, make, work] of shapes) {
  const row = [16, 64, 256, 1024].map((k) => {
    const input = make(k * 1024);
    return cost(work, input, input.length).toFixed(1);
  });
  console.log(`| ${name} | ${row.join(' | ')} |`);
}
console.log('\n(CPU ns per input byte, best of 5; flat rows are linear.)\n');

// The property: random names from the worst alphabet, 1 to 256 KiB, each decoded within the budget per byte.
const alphabet = fc.constantFrom('&', '&', '&', '-', 'A', 'w', '+', ',');
const names = fc.sample(fc.integer({ min: 1024, max: 256 * 1024 }).chain((n) => fc.array(alphabet, { minLength: n, maxLength: n }).map((a) => a.join(''))), 40);
let worst = 0;
for (const name of names) worst = Math.max(worst, cost(decodeMailbox, name, name.length, 3));
console.log(`fast-check: ${names.length} random names of "&", "-" and base64, 1-256 KiB: worst ${worst.toFixed(1)} ns/byte, budget ${BUDGET_NS_PER_BYTE} (${worst <= BUDGET_NS_PER_BYTE ? 'within' : 'OVER'})`);
