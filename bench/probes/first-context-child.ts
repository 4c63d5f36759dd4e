// One cold process of bench/probes/first-context.ts: times (wall and CPU) the import of one
// engine, its first clientContext(new TLSClientConfiguration()) (the system store), the first
// connect and handshake to the probe's server, and a second one, and prints them as JSON.
// argv: engine (node | openssl | pure | pure-noble | pure-b: tls-pure from the module PURE_B names,
// another build of it to compare with), port.
import { performance } from 'node:perf_hooks';
import { TLSClientConfiguration, type TLSImplementation } from '@unitls/tls-core';

const [engine, port] = [process.argv[2]!, Number(process.argv[3])];

async function timed<T>(work: () => T | Promise<T>): Promise<{ value: T; wallMs: number; cpuMs: number }> {
  const cpu = process.cpuUsage();
  const start = performance.now();
  const value = await work();
  const wallMs = performance.now() - start;
  const used = process.cpuUsage(cpu);
  return { value, wallMs, cpuMs: (used.user + used.system) / 1000 };
}

const load = await timed(async (): Promise<TLSImplementation> => {
  if (engine === 'node') return (await import('@unitls/tls-node')).implementation;
  if (engine === 'openssl') return (await import('@unitls/tls-openssl')).implementation;
  const pure = (await import(engine === 'pure-b' ? process.env.PURE_B! : '@unitls/tls-pure')) as typeof import('@unitls/tls-pure');
  return engine === 'pure-noble' ? pure.nobleImplementation : pure.implementation;
});
const context = await timed(() => new load.value.clientContext(new TLSClientConfiguration()));
const connect = async () => {
  const socket = await context.value.connect({ host: '127.0.0.1', port }, { serverHostname: 'localhost' });
  await socket.close();
};
const first = await timed(connect);
const second = await timed(connect);
const row = (t: { wallMs: number; cpuMs: number }) => ({ wallMs: +t.wallMs.toFixed(2), cpuMs: +t.cpuMs.toFixed(2) });
console.log(JSON.stringify({ engine, import: row(load), context: row(context), firstConnect: row(first), secondConnect: row(second) }));
