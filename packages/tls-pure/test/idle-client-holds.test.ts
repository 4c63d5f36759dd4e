/**
 * What an established tls-pure client connection holds (issue #17, client live heap 3x raw's): the
 * handshake's configuration (~0.7 KB a connection: a spread object with a map of its own, and the
 * ticket callback's closure scope) is for the handshake only. The state a TLS 1.3 connection ends in
 * hands tickets to the buffer itself, so once the handshake is done nothing refers to the
 * configuration, and tickets still reach session().
 *
 * The buffer is built here as ClientContext.createBuffer builds it, so the test can hold a WeakRef to
 * the configuration it cannot otherwise see.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import type { TLSBuffer, TLSVersion } from '@unitls/tls-core';
import { PureBuffer } from '../src/buffer.js';
import { DEFAULT_LIMITS } from '../src/config/limits.js';
import { planSuites } from '../src/config/validate.js';
import { Engine } from '../src/engine.js';
import { startClient, type ClientConfig } from '../src/handshake/client.js';
import { PureClientContext, PureServerContext, nodeCryptoProvider } from '../src/mod.js';
import { CertificateValidator } from '../src/x509/peer-validator.js';
import { trustAnchorsFor } from '../src/x509/trust-store.js';
import { clientConfiguration, handshake, pump, serverConfiguration, testPki } from './support.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const pki = await testPki();

/** A client buffer made as PureClientContext makes one, and a WeakRef to its handshake configuration. */
function clientBuffer(version: TLSVersion): { buffer: PureBuffer; config: WeakRef<ClientConfig> } {
  const configuration = clientConfiguration(pki, { highestSupportedVersion: version, lowestSupportedVersion: version });
  const provider = nodeCryptoProvider;
  const engine = new Engine(provider, DEFAULT_LIMITS, { name: 'NotStarted', handle: () => { throw new Error('unreachable'); } });
  const buffer = new PureBuffer(new PureClientContext(configuration), engine, (e) => (e.state = startClient(e, config)), 'localhost');
  const config: ClientConfig = {
    provider,
    plan: planSuites(null, version, version),
    groups: provider.groups,
    alpn: null,
    serverName: 'localhost',
    sni: 'localhost',
    verifier: new CertificateValidator(trustAnchorsFor(configuration.trustStore!), provider),
    checkName: true,
    chain: null,
    verificationTime: () => new Date(),
    session: null,
    sessions: buffer,
    limits: DEFAULT_LIMITS,
  };
  // From here on only the buffer's starter (dropped once run) and the handshake's states hold it.
  return { buffer, config: new WeakRef(config) };
}

async function collect(): Promise<void> {
  await new Promise((resolve) => setImmediate(resolve)); // WeakRef targets stay alive until the job ends
  gc();
}

function deliver(from: TLSBuffer, to: TLSBuffer, text: string): void {
  from.write(Buffer.from(text));
  pump(from, to);
  expect(Buffer.from(to.read(1024) as Uint8Array).toString()).toBe(text);
}

describe('an established tls-pure client connection', () => {
  it.each(['TLSv1.3', 'TLSv1.2'] as const)('no longer holds its handshake configuration (%s), and still takes tickets', async (version) => {
    const { buffer, config } = clientBuffer(version);
    const server = new PureServerContext(serverConfiguration(pki)).createBuffer();
    handshake(buffer, server);
    deliver(server, buffer, 'after the ticket'); // TLS 1.3: the client has taken the server's NewSessionTicket
    deliver(buffer, server, 'hello');
    await collect();
    expect(config.deref()).toBeUndefined();
    expect(buffer.session()).not.toBeNull();
    deliver(server, buffer, 'still connected');
  });
});
