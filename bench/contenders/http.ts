// The Node contenders of the HTTPS benchmark (bench/http.ts), each built in its own process
// (lib/remote.ts): connect with an untimed GET /hello, then `requests` GETs of `path` timed, one
// keep-alive connection, each body read to its end.
import { readFileSync } from 'node:fs';
import { clock } from '../lib/clock.js';
import type { Factory } from '../lib/remote.js';
import { implementation, type ClientEngine } from './implementation.js';

export interface HttpTarget {
  port: number;
  caFile: string;
  path: string;
  /** Body bytes of one GET of `path`. */
  bytes: number;
  /** GETs per run: one per unit (requests), or one per run (a download measured in MiB). */
  perUnit: boolean;
  /** nginx's processes, for the server CPU. */
  serverPids: number[];
}

/** A keep-alive client: GET `path`, read the body to the end, resolve with its length. */
interface Client {
  get(path: string): Promise<number>;
  close(): Promise<void>;
}

const drain = async (body: ReadableStream<Uint8Array> | null) => {
  let bytes = 0;
  if (body !== null) for await (const chunk of body) bytes += chunk.length;
  return bytes;
};

/** Each run makes a client with `make`, connects it with GET /hello, and times the GETs. */
function runs(name: string, { path, bytes, perUnit, serverPids }: HttpTarget, make: () => Client) {
  return async (units: number) => {
    const count = perUnit ? units : 1;
    const client = make();
    await client.get('/hello');
    let got = 0;
    const sample = await clock(async () => {
      for (let i = 0; i < count; i++) got += await client.get(path);
    }, serverPids);
    await client.close();
    if (got !== bytes * count) throw new Error(`${name} read ${got} bytes, expected ${bytes * count}`);
    return sample;
  };
}

const origin = (target: HttpTarget) => `https://localhost:${target.port}`;

/** node:https with a keep-alive agent, one socket. */
export const nodeHttps: Factory<HttpTarget> = async (target) => {
  const https = await import('node:https');
  const ca = readFileSync(target.caFile);
  return runs('node:https', target, () => {
    const agent = new https.Agent({ keepAlive: true, maxSockets: 1, ca });
    const get = (path: string) =>
      new Promise<number>((resolve, reject) => {
        https
          .get(`${origin(target)}${path}`, { agent }, (response) => {
            let bytes = 0;
            response.on('data', (chunk: Buffer) => (bytes += chunk.length));
            response.on('end', () => resolve(bytes));
            response.on('error', reject);
          })
          .on('error', reject);
      });
    return { get, close: async () => agent.destroy() };
  });
};

/** undici's fetch on raw node:tls (its own Agent, one connection). */
export const undici: Factory<HttpTarget> = async (target) => {
  const { Agent, fetch } = await import('undici');
  const ca = readFileSync(target.caFile);
  return runs('undici', target, () => {
    const dispatcher = new Agent({ connections: 1, connect: { ca } });
    return { get: async (path) => drain((await fetch(`${origin(target)}${path}`, { dispatcher })).body), close: () => dispatcher.close() };
  });
};

/** The floor: a bare node:tls connection writing GETs and counting bodies (lib/raw-https.ts). */
export const raw: Factory<HttpTarget> = async (target) => {
  const { RawHttpsClient } = await import('../lib/raw-https.js');
  const ca = readFileSync(target.caFile);
  return runs('raw node:tls', target, () => {
    const connected = RawHttpsClient.connect(target.port, ca);
    return { get: async (path) => (await connected).get(path), close: async () => (await connected).close() };
  });
};

async function configuration(caFile: string) {
  const { TLSClientConfiguration, TrustStore } = await import('@unitls/tls-core');
  return new TLSClientConfiguration({ trustStore: TrustStore.fromBuffer(readFileSync(caFile)), innerProtocols: ['http/1.1'] });
}

export const connection: Factory<HttpTarget & { engine: ClientEngine }> = async (target) => {
  const { HTTPSConnection } = await import('@unitls/http');
  const [tls, config] = await Promise.all([implementation(target.engine), configuration(target.caFile)]);
  return runs('HTTPSConnection', target, () => {
    const connection = new HTTPSConnection('localhost', { port: target.port, implementation: tls, configuration: config });
    const get = async (path: string) => {
      connection.request('GET', path);
      let bytes = 0;
      for await (const chunk of await connection.getresponse()) bytes += chunk.length;
      return bytes;
    };
    return { get, close: () => connection.close() };
  });
};

/** @unitls/http's fetch: undici's fetch over a unitls dispatcher, one connection. */
export const fetch: Factory<HttpTarget & { engine: ClientEngine }> = async (target) => {
  const { createDispatcher } = await import('@unitls/http');
  const { fetch: undiciFetch } = await import('undici');
  const [tls, config] = await Promise.all([implementation(target.engine), configuration(target.caFile)]);
  return runs('@unitls/http fetch', target, () => {
    const dispatcher = createDispatcher({ implementation: tls, configuration: config, agent: { connections: 1 } });
    return { get: async (path) => drain((await undiciFetch(`${origin(target)}${path}`, { dispatcher })).body), close: () => dispatcher.close() };
  });
};
