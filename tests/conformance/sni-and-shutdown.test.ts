import { X509Certificate } from 'node:crypto';
import { once } from 'node:events';
import { connect as netConnect, createServer as netServer, type Socket } from 'node:net';
import * as tls from 'node:tls';
import { describe, expect, it } from 'vitest';
import { TLSError, startTls } from '@unitls/tls-core';
import { clientConfig, pki, serverConfig } from '../support/fixtures.js';
import type { PkiName } from '../support/pki.js';
import { connectPair, failingPair, recvExactly, sendText } from '../support/sockets.js';
import { conformanceImplementations as implementations } from './implementations.js';

const der = (name: PkiName) => new X509Certificate(pki.pem(name)).raw;

describe.each(implementations.map((i) => [i.name, i] as const))('SNI with several chains (%s)', (_, implementation) => {
  // RSA first: with node:tls's default-context bug (nodejs/node#54235) the ECDSA chain would
  // lose to the RSA default.
  for (const order of [['alpha-rsa', 'beta-ec'], ['beta-ec', 'alpha-rsa']] as const) {
    it(`serves the chain matching the name (${order.join(', ')})`, async () => {
      const config = serverConfig([...order]);
      for (const [name, leaf] of [['alpha.test', 'alpha-rsa'], ['beta.test', 'beta-ec']] as const) {
        const pair = await connectPair(implementation, config, clientConfig(), { host: '127.0.0.1', serverHostname: name });
        try {
          expect(Buffer.from(pair.client.getpeercert()!).equals(der(leaf))).toBe(true);
          await sendText(pair.client, 'ok');
          expect(await recvExactly(pair.server, 2)).toBe('ok');
        } finally {
          await pair.close();
        }
      }
    });
  }

  it('fails clearly for a client that sends no SNI', async () => {
    const result = await failingPair(implementation, serverConfig(['alpha-rsa', 'beta-ec']), clientConfig(), { host: '127.0.0.1' });
    expect(result.client).toBeInstanceOf(TLSError);
    expect((result.server as Error).message).toMatch(/no SNI name.*several certificate chains/);
  });

  it('fails clearly for a name no chain matches', async () => {
    const result = await failingPair(implementation, serverConfig(['alpha-rsa', 'beta-ec']), clientConfig(), {
      host: '127.0.0.1',
      serverHostname: 'gamma.test',
    });
    expect(result.client).toBeInstanceOf(TLSError);
    expect((result.server as Error).message).toMatch(/no certificate chain matches the SNI name "gamma.test"/);
  });
});

describe.each(implementations.map((i) => [i.name, i] as const))('send and recv arguments (%s)', (_, implementation) => {
  it('send of something that is not bytes is a TypeError saying so, and the connection goes on', async () => {
    const pair = await connectPair(implementation, serverConfig(), clientConfig());
    for (const bad of ['str', null, undefined, 42, [1, 2]] as unknown[]) {
      await expect(pair.client.send(bad as Uint8Array)).rejects.toThrow(TypeError);
      await expect(pair.client.send(bad as Uint8Array)).rejects.toThrow(/must be a Uint8Array/);
    }
    await sendText(pair.client, 'still fine');
    expect(await recvExactly(pair.server, 10)).toBe('still fine');
    await pair.client.close(true);
    await pair.server.close(true);
    await pair.listener.close();
  });
});

describe.each(implementations.map((i) => [i.name, i] as const))('shutdown (%s)', (_, implementation) => {
  it('closes cleanly with close_notify both ways', async () => {
    const pair = await connectPair(implementation, serverConfig(), clientConfig());
    await sendText(pair.client, 'last words');
    const closing = pair.client.close();
    // The server reads the data, then the client's close_notify as a clean end of stream.
    expect(await recvExactly(pair.server, 10)).toBe('last words');
    expect((await pair.server.recv(10)).length).toBe(0);
    await pair.server.close();
    await closing;
    await expect(pair.client.recv(1)).rejects.toThrow(/closed/);
    await pair.listener.close();
  });

  it('reports a TCP close without close_notify as RaggedEOF where detectable', async () => {
    // A raw node:tls server whose TCP socket is destroyed under the TLS layer.
    const raw: Socket[] = [];
    const server = netServer((socket) => {
      raw.push(socket);
      const secure = new tls.TLSSocket(socket, {
        isServer: true,
        secureContext: tls.createSecureContext({ cert: pki.pem('server-ec', 'chain.crt'), key: pki.pem('server-ec', 'key') }),
      });
      secure.on('error', () => {});
      secure.once('secure', () => secure.write('data', () => socket.destroy()));
    }).listen(0, '127.0.0.1');
    await once(server, 'listening');
    const socket = await new implementation.clientContext(clientConfig()).connect({ host: 'localhost', port: (server.address() as { port: number }).port });
    try {
      expect(await recvExactly(socket, 4)).toBe('data');
      if (implementation.features.raggedEOF) await expect(socket.recv(1)).rejects.toMatchObject({ code: 'UNITLS_RAGGED_EOF' });
      else expect((await socket.recv(1)).length).toBe(0);
    } finally {
      await socket.close(true);
      server.close();
    }
  });
});

describe.each(implementations.map((i) => [i.name, i] as const))('startTls (%s)', (_, implementation) => {
  it('upgrades a plain connection after a plaintext exchange (STARTTLS)', async () => {
    const server = netServer((socket) => {
      socket.write('220 ready\r\n');
      socket.once('data', () => {
        socket.write('220 go ahead\r\n');
        const secure = new tls.TLSSocket(socket, {
          isServer: true,
          secureContext: tls.createSecureContext({ cert: pki.pem('server-ec', 'chain.crt'), key: pki.pem('server-ec', 'key') }),
        });
        secure.on('error', () => {});
        secure.once('secure', () => secure.end('secret'));
      });
    }).listen(0, '127.0.0.1');
    await once(server, 'listening');
    const plain = netConnect((server.address() as { port: number }).port, '127.0.0.1');
    try {
      const lines: string[] = [];
      plain.on('data', (chunk: Buffer) => lines.push(chunk.toString()));
      await once(plain, 'data');
      plain.write('STARTTLS\r\n');
      await once(plain, 'data');
      plain.removeAllListeners('data');
      plain.pause();
      expect(lines).toEqual(['220 ready\r\n', '220 go ahead\r\n']);
      const context = new implementation.clientContext(clientConfig());
      const secure = await startTls(context, plain, { serverHostname: 'localhost' });
      expect(secure.negotiatedTlsVersion).toBe('TLSv1.3');
      expect(await recvExactly(secure, 6)).toBe('secret');
      await secure.close(true);
    } finally {
      plain.destroy();
      server.close();
    }
  });
});
