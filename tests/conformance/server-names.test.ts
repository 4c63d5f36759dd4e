/**
 * Server names are validated once, in tls-core, before any byte is sent (issue #14 item 1): a NUL
 * byte or any other bad name is a ConfigurationError on every implementation and every entry point
 * (connect's serverHostname and address.host, createBuffer, startTls); U-labels go out as A-labels,
 * one trailing dot is stripped from SNI, IP literals are never sent as SNI.
 */
import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { connect as netConnect, createServer as netServer, type Server, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import * as tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuthority, issueCertificate, type IssuedCertificate } from '@unitls/demo-pki';
import { ConfigurationError, TLSClientConfiguration, TrustStore, startTls } from '@unitls/tls-core';
import { clientConfig, serverConfig } from '../support/fixtures.js';
import { recvExactly } from '../support/sockets.js';
import { conformanceImplementations as implementations } from './implementations.js';

const BAD_NAMES = [
  'localhost\0.attacker.example',
  'localhost\r\n',
  'exa mple.test',
  '*.example.test',
  'a..b.test',
  '.',
  '-a.test',
  `${'a'.repeat(64)}.test`,
  `${'a'.repeat(63)}.`.repeat(4) + 'test',
  '127.1',
  '[127.0.0.1]',
  'xn--zz.test',
  'fe80::1%eth0',
  '',
  'exa%2emple.test',
];

/** A TCP server that records every connection and the bytes each one sent. */
async function recordingServer(): Promise<{ server: Server; port: number; seen: Buffer[][]; close(): Promise<void> }> {
  const seen: Buffer[][] = [];
  const sockets: Socket[] = [];
  const server = netServer((socket) => {
    const chunks: Buffer[] = [];
    seen.push(chunks);
    sockets.push(socket);
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', () => {});
  }).listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    server,
    port: (server.address() as { port: number }).port,
    seen,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** Opens one marker connection that sends "MARK" and waits until the server has read it. */
async function mark(recording: Awaited<ReturnType<typeof recordingServer>>): Promise<void> {
  const marker = netConnect(recording.port, '127.0.0.1');
  await once(marker, 'connect');
  marker.end('MARK');
  while (!recording.seen.some((chunks) => Buffer.concat(chunks).toString() === 'MARK')) await new Promise((r) => setImmediate(r));
  marker.destroy();
}

describe.each(implementations.map((i) => [i.name, i] as const))('server names (%s)', (_, implementation) => {
  it.each(BAD_NAMES.map((name) => [JSON.stringify(name).slice(0, 40), name] as const))(
    'refuses %s on connect (serverHostname and address.host) before any connection',
    async (_label, name) => {
      const recording = await recordingServer();
      const context = new implementation.clientContext(clientConfig());
      try {
        await expect(context.connect({ host: '127.0.0.1', port: recording.port }, { serverHostname: name })).rejects.toBeInstanceOf(
          ConfigurationError,
        );
        if (name !== '') {
          await expect(context.connect({ host: name, port: recording.port })).rejects.toBeInstanceOf(ConfigurationError);
        }
        await mark(recording);
        // Only the marker connection ever reached the server.
        expect(recording.seen).toHaveLength(1);
      } finally {
        await recording.close();
      }
    },
  );

  it('refuses the same names in createBuffer (where there is one) and startTls, leaving the socket untouched', async () => {
    const recording = await recordingServer();
    const context = new implementation.clientContext(clientConfig());
    const plain = netConnect(recording.port, '127.0.0.1');
    try {
      await once(plain, 'connect');
      for (const name of BAD_NAMES) {
        if (implementation.features.buffer) expect(() => context.createBuffer(name)).toThrow(ConfigurationError);
        await expect(startTls(context, plain, { serverHostname: name })).rejects.toBeInstanceOf(ConfigurationError);
      }
      expect(plain.destroyed).toBe(false);
      plain.end('MARK');
      while (Buffer.concat(recording.seen[0] ?? []).toString() !== 'MARK') await new Promise((r) => setImmediate(r));
    } finally {
      plain.destroy();
      await recording.close();
    }
  });

  it('reports the NUL name of the issue as a ConfigurationError against a real server, and the process lives on', async () => {
    const listener = await new implementation.serverContext(serverConfig()).connect({ host: '127.0.0.1', port: 0 });
    const accepted = listener.accept().then(
      ([socket]) => socket.close(true),
      () => undefined,
    );
    try {
      const context = new implementation.clientContext(clientConfig());
      const error = await context
        .connect({ host: '127.0.0.1', port: listener.getsockname()!.port }, { serverHostname: 'localhost\0.attacker.example' })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ConfigurationError);
      expect((error as Error).message).toMatch(/control character U\+0000/);
      // A good connection afterwards works: nothing is left half-done.
      const socket = await context.connect({ host: '127.0.0.1', port: listener.getsockname()!.port }, { serverHostname: 'localhost' });
      await socket.close(true);
      await accepted;
    } finally {
      await listener.close();
    }
  });
});

describe('server names in a separate process (the crash of issue #14 item 1)', () => {
  it('survives the NUL name on every implementation', async () => {
    const script = fileURLToPath(new URL('./fixtures/nul-name.ts', import.meta.url));
    const { stdout } = await new Promise<{ stdout: string }>((resolve, reject) => {
      execFile(process.execPath, ['--import', 'tsx', script], { cwd: fileURLToPath(new URL('..', import.meta.url)) }, (error, stdout, stderr) =>
        error ? reject(new Error(`the child died: ${error.message}\n${stderr}`)) : resolve({ stdout }),
      );
    });
    const results = JSON.parse(stdout) as Array<{ implementation: string; error: string; code: string }>;
    expect(results.map((r) => r.implementation)).toEqual(implementations.map((i) => i.name));
    for (const result of results) expect(result).toMatchObject({ error: 'ConfigurationError', code: 'UNITLS_CONFIGURATION' });
  });
});

describe.each(implementations.map((i) => [i.name, i] as const))('server names on the wire (%s)', (_, implementation) => {
  let authority: IssuedCertificate;
  let leaf: IssuedCertificate;
  let server: tls.Server;
  let port: number;
  const sni: Array<string | false | null> = [];

  beforeAll(async () => {
    authority = await createAuthority({ name: 'unitls IDNA test root' });
    leaf = await issueCertificate(authority, { names: ['xn--bcher-kva.test', '127.0.0.1'] });
    server = tls.createServer({ cert: leaf.certPem, key: leaf.keyPem }, (socket) => {
      sni.push(socket.servername);
      socket.on('error', () => {});
      socket.end('ok');
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    port = (server.address() as { port: number }).port;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  it.each([
    ['bücher.test', 'xn--bcher-kva.test'],
    ['BÜCHER.TEST.', 'xn--bcher-kva.test'],
    ['xn--bcher-kva.test.', 'xn--bcher-kva.test'],
    ['127.0.0.1', false],
  ] as const)('connects to %s, sending SNI %s and verifying that name', async (name, expected) => {
    const context = new implementation.clientContext(new TLSClientConfiguration({ trustStore: TrustStore.fromBuffer(authority.certPem) }));
    const before = sni.length;
    const socket = await context.connect({ host: '127.0.0.1', port }, { serverHostname: name });
    try {
      expect(await recvExactly(socket, 2)).toBe('ok');
      expect(sni.slice(before)).toEqual([expected]);
    } finally {
      await socket.close(true);
    }
  });
});
