// What the memory benchmark reads in each child after two full GCs. Beside the resident set size,
// the pages V8's young generation holds: after a full GC it holds no live object, but V8 keeps its
// semi-spaces at whatever size the allocation rate of the last moments asked for (1 to 2 x 16 MiB
// on 64-bit Node 20), so 1,000 handshakes that allocate much (tls-pure) grow it by ~16 MiB, which
// reads as ~16 KiB "per connection" at 1,000 connections, and a process whose young generation
// shrank in between (raw node:tls, some rounds) reads as less than it holds.
import { getHeapSpaceStatistics } from 'node:v8';

export interface Resident {
  /** Resident set size, bytes. */
  rss: number;
  /** Physical bytes of V8's young generation (new space and new large-object space). */
  young: number;
  /** Bytes of live JavaScript heap (process.memoryUsage().heapUsed). */
  heap: number;
  /** Bytes of memory outside V8's heap that JavaScript objects hold (process.memoryUsage().external; ArrayBuffers included). */
  external: number;
  /** Bytes V8 committed for its heap (process.memoryUsage().heapTotal). */
  heapTotal: number;
  /** Bytes of ArrayBuffer and SharedArrayBuffer backing stores (process.memoryUsage().arrayBuffers). */
  arrayBuffers: number;
}

export function resident(): Resident {
  const usage = process.memoryUsage();
  const young = getHeapSpaceStatistics()
    .filter((space) => space.space_name === 'new_space' || space.space_name === 'new_large_object_space')
    .reduce((sum, space) => sum + space.physical_space_size, 0);
  return { rss: usage.rss, young, heap: usage.heapUsed, heapTotal: usage.heapTotal, external: usage.external, arrayBuffers: usage.arrayBuffers };
}
