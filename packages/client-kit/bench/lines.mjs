#!/usr/bin/env node
// LineReader cost per byte for the splits and line shapes of issue #18 item 9 (linear time
// whatever the split): CPU ns per input byte, so the rows compare across loads. Not a test.
// Usage: node packages/client-kit/bench/lines.mjs   (after npm run build)
import { LineReader } from '../dist/mod.js';

function split(bytes, size) {
  const chunks = [];
  for (let i = 0; i < bytes.length; i += size) chunks.push(bytes.subarray(i, i + size));
  return chunks;
}

function measure(name, chunks, maxLineLength) {
  const total = chunks.reduce((n, c) => n + c.length, 0);
  let best = Infinity;
  let lines = 0;
  for (let round = 0; round < 5; round++) {
    const reader = new LineReader({ maxLineLength });
    lines = 0;
    const start = process.cpuUsage();
    for (const chunk of chunks) {
      reader.push(chunk);
      while (reader.readLine() !== null) lines++;
    }
    const used = process.cpuUsage(start);
    best = Math.min(best, ((used.user + used.system) * 1000) / total);
  }
  console.log(`| ${name} | ${(total / 1024 / 1024).toFixed(1)} MiB | ${lines} | ${best.toFixed(2)} |`);
}

const MiB = 1024 * 1024;
const text = Buffer.from('x'.repeat(98) + '\r\n').toString('latin1').repeat((8 * MiB) / 100);
const normal = Buffer.from(text, 'latin1');
const tiny = Buffer.alloc(8 * MiB, 'a\n');
const long = Buffer.concat([Buffer.alloc(MiB, 'y'), Buffer.from('\r\n')]);
console.log('| input | size | lines | CPU ns/byte (best of 5) |');
console.log('|---|---|---|---|');
measure('100-byte CRLF lines, 64 KiB chunks', split(normal, 65536), 8192);
measure('100-byte CRLF lines, 1-byte chunks', split(normal.subarray(0, MiB), 1), 8192);
measure('1-byte lines ended by bare LF, 64 KiB chunks', split(tiny, 65536), 8192);
measure('1-byte lines ended by bare LF, 1-byte chunks', split(tiny.subarray(0, MiB), 1), 8192);
measure('one 1 MiB line, 64 KiB chunks', split(long, 65536), 2 * MiB);
measure('one 1 MiB line, 1-byte chunks', split(long, 1), 2 * MiB);
// Linear, not quadratic: the cost per byte of one long line in 1-byte chunks does not grow with its length.
for (const size of [256 * 1024, 1024 * 1024, 4 * 1024 * 1024]) {
  measure(`one ${size / 1024} KiB line, 1-byte chunks`, split(Buffer.concat([Buffer.alloc(size, 'z'), Buffer.from('\r\n')]), 1), 8 * MiB);
}
