// Keep-alive GETs and a large download from nginx over HTTPS (HTTP/1.1 port, TLS 1.3, started as
// in tests/; its processes are the server CPU). HTTPSConnection on tls-node and tls-openssl vs
// Python's http.client and node:https; @unitls/http's fetch (undici's fetch over a unitls
// dispatcher) vs undici's fetch on raw node:tls. Every client connects with an untimed GET /hello.
import { randomBytes } from 'node:crypto';
import * as https from 'node:https';
import { readFileSync } from 'node:fs';
import { Agent, fetch as undiciFetch, type Dispatcher } from 'undici';
import { HTTPSConnection, createDispatcher } from '@unitls/http';
import { TLSClientConfiguration, TrustStore, type TLSImplementation } from '@unitls/tls-core';
import { nginxUnavailable, startNginx } from '../tests/support/nginx.js';
import { childPids, clock } from './lib/clock.js';
import { runPython } from './lib/children.js';
import { UNITLS } from './lib/engines.js';
import { runBench, type Contender } from './lib/harness.js';
import { RawHttpsClient } from './lib/raw-https.js';
import { scaled, type Context, type Suite } from './lib/suite.js';

/** A keep-alive client: GET `path`, read the body to the end, resolve with its length. */
interface Client {
  get(path: string): Promise<number>;
  close(): Promise<void>;
}

const PYTHON = 'Python http.client';
const NODE_HTTPS = 'node:https (keep-alive agent)';
const UNDICI = 'undici fetch on raw node:tls';
/** The floor: a bare node:tls connection writing GETs and counting bodies (bench/lib/raw-https.ts). */
const RAW = 'raw node:tls (bare GET)';

export const http: Suite = {
  name: 'http',
  unavailable: nginxUnavailable,
  async run(context: Context) {
    const { pki } = context;
    const size = scaled(context, 32) * 2 ** 20;
    const nginx = await startNginx({ cert: pki.cert, key: pki.key, clientCAs: [pki.ca], files: { 'big.bin': randomBytes(size) } });
    try {
      const pids = childPids('nginx');
      const port = nginx.ports.h1;
      const origin = `https://localhost:${port}`;
      const ca = readFileSync(pki.ca);
      const configuration = new TLSClientConfiguration({ trustStore: TrustStore.fromBuffer(ca), innerProtocols: ['http/1.1'] });

      const drain = async (body: ReadableStream<Uint8Array> | null) => {
        let bytes = 0;
        if (body !== null) for await (const chunk of body) bytes += chunk.length;
        return bytes;
      };
      const viaFetch = (dispatcher: Dispatcher): Client => ({ get: async (path) => drain((await undiciFetch(`${origin}${path}`, { dispatcher })).body), close: () => dispatcher.close() });
      const clients: Array<[string, string[], () => Client]> = [
        [
          NODE_HTTPS,
          [PYTHON, NODE_HTTPS],
          () => {
            const agent = new https.Agent({ keepAlive: true, maxSockets: 1, ca });
            const get = (path: string) =>
              new Promise<number>((resolve, reject) => {
                https
                  .get(`${origin}${path}`, { agent }, (response) => {
                    let bytes = 0;
                    response.on('data', (chunk: Buffer) => (bytes += chunk.length));
                    response.on('end', () => resolve(bytes));
                    response.on('error', reject);
                  })
                  .on('error', reject);
              });
            return { get, close: async () => agent.destroy() };
          },
        ],
        [UNDICI, [PYTHON, UNDICI], () => viaFetch(new Agent({ connections: 1, connect: { ca } }))],
        [
          RAW,
          [PYTHON],
          () => {
            const connected = RawHttpsClient.connect(port, ca);
            return { get: async (path) => (await connected).get(path), close: async () => (await connected).close() };
          },
        ],
        ...(['node', 'openssl'] as const).flatMap((engine): Array<[string, string[], () => Client]> => {
          const implementation = UNITLS[engine] as TLSImplementation;
          return [
            [
              `HTTPSConnection on tls-${engine}`,
              [PYTHON, NODE_HTTPS, RAW],
              () => {
                const connection = new HTTPSConnection('localhost', { port, implementation, configuration });
                const get = async (path: string) => {
                  connection.request('GET', path);
                  let bytes = 0;
                  for await (const chunk of await connection.getresponse()) bytes += chunk.length;
                  return bytes;
                };
                return { get, close: () => connection.close() };
              },
            ],
            [`@unitls/http fetch on tls-${engine}`, [UNDICI, PYTHON], () => viaFetch(createDispatcher({ implementation, configuration, agent: { connections: 1 } }))],
          ];
        }),
      ];

      const contenders = (path: string, count: (units: number) => number, bytes: number): Contender[] => [
        { name: PYTHON, run: (units) => runPython('http_client.py', [String(port), pki.ca, path, String(count(units))], pids, bytes * count(units)) },
        ...clients.map(([name, anchors, make]): Contender => ({
          name,
          anchors,
          async run(units) {
            const client = make();
            await client.get('/hello');
            let got = 0;
            const sample = await clock(async () => {
              for (let i = 0; i < count(units); i++) got += await client.get(path);
            }, pids);
            await client.close();
            if (got !== bytes * count(units)) throw new Error(`${name} read ${got} bytes, expected ${bytes * count(units)}`);
            return sample;
          },
        })),
      ];
      const hello = 'hello HTTP/1.1 TLSv1.3\n'.length; // what tests/support/nginx.ts answers on /hello
      const anchors = [PYTHON, NODE_HTTPS];
      return [
        await runBench(
          { id: 'http-requests', title: 'HTTPS keep-alive GET /hello, sequential, one connection, nginx (HTTP/1.1, TLS 1.3)', unit: 'request', units: scaled(context, 1000, 20), warmupUnits: scaled(context, 300, 10), anchors, cpu: 'client', contenders: contenders('/hello', (n) => n, hello) },
          context.rounds,
          context.log,
        ),
        await runBench({ id: 'http-download', title: `HTTPS download of ${size / 2 ** 20} MiB, one connection, nginx (HTTP/1.1, TLS 1.3)`, unit: 'MiB', units: size / 2 ** 20, anchors, cpu: 'client', contenders: contenders('/big.bin', () => 1, size) }, context.rounds, context.log),
      ];
    } finally {
      await nginx.stop();
    }
  },
};
