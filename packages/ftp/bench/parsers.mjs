#!/usr/bin/env node
// Issue #18 item 9 for FTP: every parser of @unitls/ftp is linear in its input. Inputs are drawn by
// fast-check from each parser's own alphabet (digits, commas, quotes, semicolons, line ends, the
// reply code and its hyphen...), at growing sizes and in chunks of 1 byte or 64 KiB; the table gives
// CPU ns per input byte (best of 3) and the per-byte cost of the largest size over the smallest's,
// which stays near 1 for a linear parser and grows with the size for a quadratic one. Not a test:
// a time budget is reported, never asserted. Usage: node packages/ftp/bench/parsers.mjs (after build)
import fc from 'fast-check';
import { ReplyReader, TextLines, parse227, parse229, parse257, parseFeat, parseMlsxLine } from '../dist/mod.js';

const SIZES = [64 << 10, 256 << 10, 1 << 20, 4 << 20];
/** The per-byte cost ratio (largest size / smallest) above which a row is flagged. */
const BUDGET = 3;

/** `size` characters drawn by fast-check from `alphabet` (a fixed seed: the same input every run). */
function draw(alphabet, size, seed) {
  const [pieces] = fc.sample(fc.array(fc.constantFrom(...alphabet), { minLength: 4096, maxLength: 4096 }), { seed, numRuns: 1 });
  const unit = pieces.join('');
  return unit.repeat(Math.ceil(size / unit.length)).slice(0, size);
}

function split(bytes, size) {
  const chunks = [];
  for (let i = 0; i < bytes.length; i += size) chunks.push(bytes.subarray(i, i + size));
  return chunks;
}

function cpu(work) {
  let best = Infinity;
  for (let round = 0; round < 3; round++) {
    const start = process.cpuUsage();
    work();
    const used = process.cpuUsage(start);
    best = Math.min(best, (used.user + used.system) * 1000);
  }
  return best;
}

/** A row: ns/byte at each size, and the growth of the per-byte cost. */
function row(name, run) {
  const costs = SIZES.map((size) => cpu(() => run(size)) / size);
  const growth = costs.at(-1) / costs[0];
  console.log(`| ${name} | ${costs.map((c) => c.toFixed(1)).join(' | ')} | ${growth.toFixed(2)} | ${growth <= BUDGET ? 'linear' : 'GROWS'} |`);
}

const replies = (text, chunk) => (size) => {
  const bytes = Buffer.from(draw(text, size, 1), 'latin1');
  const reader = new ReplyReader({ maxLineLength: 64 << 20, maxReplySize: Number.MAX_SAFE_INTEGER });
  // A multi-line reply that never ends: every byte goes through the reader and nothing completes.
  reader.lines.push(Buffer.from('211-start\r\n'));
  reader.next();
  for (const piece of split(bytes, chunk)) {
    reader.lines.push(piece);
    reader.next();
  }
};

const text = (alphabet, chunk) => (size) => {
  const lines = new TextLines(64 << 20);
  for (const piece of split(Buffer.from(draw(alphabet, size, 2), 'latin1'), chunk)) {
    lines.push(piece);
    while (lines.next() !== null);
  }
};

const reply = (code, body) => ({ code, lines: [body], text: body });

console.log(`| parser (input alphabet, chunk) | ${SIZES.map((s) => `${s >> 10} KiB`).join(' | ')} | growth | verdict |`);
console.log(`|---|${SIZES.map(() => '---').join('|')}|---|---|`);
row('ReplyReader (211- reply lines, 64 KiB)', replies(['211-', ' x', '\r\n', '\n', '21', '2-'], 65536));
row('ReplyReader (211- reply lines, 1 B)', replies(['211-', ' x', '\r\n', '\n', '21', '2-'], 1));
row('ReplyReader (one endless line, 1 B)', replies(['x', '2', '1', ' ', '\r'], 1));
row('TextLines (1-byte lines, bare LF, 64 KiB)', text(['a', '\n'], 65536));
row('TextLines (one endless line, 1 B)', text(['a', ' ', '\r'], 1));
row('parse227 (digits, commas, spaces)', (size) => parse227Safe(reply(227, `227 ${draw(['1', '12', '123', ',', ' ', '(', '999'], size, 3)}`)));
row('parse229 (delimiters and digits)', (size) => parse229Safe(reply(229, `229 ${draw(['(', '|', '||', '|||', '1', ')'], size, 4)}`)));
row('parse257 (quotes)', (size) => parse257(reply(257, `257 "${draw(['"', '""', 'a', '/'], size, 5)}`)));
row('parseMlsxLine (facts)', (size) => parseMlsxSafe(draw(['a=b;', ';', '=', 'x', 'type=file;'], size, 6) + '; name'));
row('parseFeat (feature lines)', (size) => {
  const lines = ['211-Features:', ...draw([' MDTM\n', '211-SIZE\n', ' REST STREAM\n', '\n'], size, 7).split('\n'), '211 End'];
  parseFeat({ code: 211, lines, text: lines.join('\n') });
});

function parse227Safe(r) {
  try {
    parse227(r);
  } catch {}
}
function parse229Safe(r) {
  try {
    parse229(r);
  } catch {}
}
function parseMlsxSafe(line) {
  try {
    parseMlsxLine(line);
  } catch {}
}
