import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  CertificateVerificationError,
  ConfigurationError,
  TLSClientConfiguration,
  TrustStore,
  connectTcp,
  startTls,
  type ClientContext,
  type TLSImplementation,
} from '@unitls/tls-core';
import { implementation as node } from '@unitls/tls-node';
import {
  InsecureClientContext,
  InsecureConfiguration,
  InsecureServerContext,
  InsecureTLSImplementation,
  SecurityWarning,
  SecurityWarningCode,
} from '@unitls/insecure';
import { chainOf, clientConfig, pki, rootStore, serverConfig } from '../support/fixtures.js';
import type { PkiName } from '../support/pki.js';
import { recvExactly, sendText } from '../support/sockets.js';

let warnings: Array<{ name: string; code: string; message: string }> = [];
const onWarning = (warning: Error & { code?: string }) => warnings.push({ name: warning.name, code: warning.code ?? '', message: warning.message });
beforeEach(() => {
  warnings = [];
  process.on('warning', onWarning);
});
afterEach(() => {
  process.off('warning', onWarning);
});

// process.emitWarning delivers on the next tick.
const flushWarnings = () => new Promise((resolve) => setImmediate(resolve));
const codes = async () => {
  await flushWarnings();
  return warnings.map((w) => w.code);
};

const BOTH = { disableHostnameCheck: true, disableVerification: true };
const HOSTNAME_ONLY = { disableHostnameCheck: true, disableVerification: false };

async function tryConnect(context: ClientContext, leaf: PkiName, serverHostname = 'localhost') {
  const listener = await new node.serverContext(serverConfig(leaf)).connect({ host: '127.0.0.1', port: 0 });
  try {
    const [client, server] = await Promise.all([
      context.connect({ host: '127.0.0.1', port: listener.getsockname()!.port }, { serverHostname }).then((s) => s, (e: unknown) => e),
      listener.accept().then(([s]) => s, () => null),
    ]);
    if (client instanceof Error) return client;
    await sendText(server!, 'ok');
    const text = await recvExactly(client as never, 2);
    await Promise.all([(client as { close(f: boolean): Promise<void> }).close(true), server!.close(true)]);
    return text;
  } finally {
    await listener.close();
  }
}

describe('an upgrade of an open connection (startTls, as HTTPSConnection and STARTTLS use it)', () => {
  it('warns of insecure TLS over an open connection, not of STARTTLS (trial 9: HTTPSConnection said "insecure STARTTLS")', async () => {
    const insecure = new InsecureTLSImplementation(node, new InsecureConfiguration(BOTH));
    const context = new insecure.clientContext(clientConfig());
    const listener = await new node.serverContext(serverConfig('selfsigned')).connect({ host: '127.0.0.1', port: 0 });
    const tcp = await connectTcp('127.0.0.1', listener.getsockname()!.port, undefined);
    try {
      const [client, [server]] = await Promise.all([startTls(context, tcp, { serverHostname: 'localhost' }), listener.accept()]);
      await Promise.all([client.close(true), server.close(true)]);
    } finally {
      tcp.destroy();
      await listener.close();
    }
    await flushWarnings();
    const connect = warnings.filter((w) => w.code === SecurityWarningCode.CONNECT).map((w) => w.message);
    expect(connect).toEqual([expect.stringMatching(/^insecure TLS over an open connection to localhost \(startTls: STARTTLS, HTTPS, a tunnel\): /)]);
  });
});

describe('InsecureConfiguration', () => {
  it('warns when created, with type SecurityWarning and a stable code', async () => {
    const insecure = new InsecureConfiguration(BOTH);
    expect(insecure.disableVerification).toBe(true);
    await flushWarnings();
    expect(warnings).toEqual([
      { name: 'SecurityWarning', code: SecurityWarningCode.CONFIGURATION, message: expect.stringMatching(/certificate verification and hostname checks disabled/) },
    ]);
  });

  it('refuses to disable verification while keeping the hostname check', () => {
    expect(() => new InsecureConfiguration({ disableHostnameCheck: false, disableVerification: true })).toThrow(ConfigurationError);
    expect(() => new InsecureConfiguration({ disableHostnameCheck: false, disableVerification: true })).toThrow(/requires disableHostnameCheck/);
    expect(() => new InsecureConfiguration({} as never)).toThrow(/booleans/);
    // Trial 10: the refusal of a half-given pair says why and what to write.
    expect(() => new InsecureConfiguration({ disableVerification: true } as never)).toThrow(
      /must both be given as booleans \(each weakening is spelt out, none implied\); with disableVerification: true, also give disableHostnameCheck: true \(checking the name of an unverified certificate proves nothing\): new InsecureConfiguration\(\{ disableHostnameCheck: true, disableVerification: true \}\)$/,
    );
    expect(() => new InsecureConfiguration({ disableHostnameCheck: true } as never)).toThrow(/to skip only the name check, also give disableVerification: false/);
    expect(() => new InsecureConfiguration({ disableHostnameCheck: 'yes', disableVerification: false } as never)).toThrow(/; got disableHostnameCheck: a string \('yes'\)$/);
    // Trial 8: a misspelt name said only "must both be given as booleans".
    expect(() => new InsecureConfiguration({ disableHostnameChek: true, disableVerification: true } as never)).toThrow(/^InsecureConfiguration: unknown option "disableHostnameChek"; did you mean "disableHostnameCheck"\?$/);
    expect(() => new InsecureConfiguration({ disableHostnameCheck: true, disableVerification: true, verbose: true } as never)).toThrow(/unknown option "verbose"; the options are disableHostnameCheck, disableVerification$/);
  });

  it('is frozen and compares by value', () => {
    const a = new InsecureConfiguration(HOSTNAME_ONLY);
    expect(Object.isFrozen(a)).toBe(true);
    expect(a.equals(new InsecureConfiguration(HOSTNAME_ONLY))).toBe(true);
    expect(a.equals(new InsecureConfiguration(BOTH))).toBe(false);
  });

  it('SecurityWarning is an Error subclass with the code', () => {
    const warning = new SecurityWarning(SecurityWarningCode.CONNECT, 'x');
    expect(warning).toBeInstanceOf(Error);
    expect(warning.name).toBe('SecurityWarning');
  });
});

describe('insecure contexts over tls-node', () => {
  it('a self-signed server is refused by the secure implementation', async () => {
    const result = await tryConnect(new node.clientContext(new TLSClientConfiguration()), 'selfsigned');
    expect(result).toBeInstanceOf(CertificateVerificationError);
    expect(result).toMatchObject({ reason: 'self-signed' });
  });

  it('a self-signed server is accepted with both checks disabled, warning at every step', async () => {
    const insecure = new InsecureConfiguration(BOTH);
    const context = new InsecureClientContext(node, new TLSClientConfiguration(), insecure);
    expect(context.insecureConfiguration).toBe(insecure);
    expect(await tryConnect(context, 'selfsigned')).toBe('ok');
    expect(await tryConnect(context, 'wronghost')).toBe('ok');
    expect(await codes()).toEqual([
      SecurityWarningCode.CONFIGURATION,
      SecurityWarningCode.CONTEXT,
      SecurityWarningCode.CONNECT,
      SecurityWarningCode.CONNECT,
    ]);
  });

  it('hostname-only disabling accepts a wrong name on a trusted chain but still rejects an untrusted chain', async () => {
    const context = new InsecureClientContext(node, clientConfig(), new InsecureConfiguration(HOSTNAME_ONLY));
    expect(await tryConnect(context, 'wronghost')).toBe('ok');
    expect(await tryConnect(context, 'server-ec', 'other.test')).toBe('ok');
    expect(await tryConnect(context, 'selfsigned')).toMatchObject({ reason: 'self-signed' });
    expect(await tryConnect(context, 'untrusted')).toMatchObject({ reason: 'untrusted-issuer' });
    expect(await tryConnect(context, 'expired')).toMatchObject({ reason: 'expired' });
  });

  it('warns on createBuffer too (and passes on the implementation error)', async () => {
    const context = new InsecureClientContext(node, new TLSClientConfiguration(), new InsecureConfiguration(BOTH));
    expect(() => context.createBuffer('localhost')).toThrow(/tls-openssl/);
    expect(await codes()).toContain(SecurityWarningCode.BUFFER);
  });

  it('an insecure server accepts any client certificate; the secure one refuses it', async () => {
    const config = serverConfig('server-ec', { trustStore: rootStore() });
    const client = new node.clientContext(clientConfig({ certificateChain: chainOf('foreign-client') }));
    for (const [context, expected] of [
      [new node.serverContext(config), 'refused'],
      [new InsecureServerContext(node, config, new InsecureConfiguration(BOTH)), 'accepted'],
    ] as const) {
      const listener = await context.connect({ host: '127.0.0.1', port: 0 });
      const [, accepted] = await Promise.all([
        client.connect({ host: 'localhost', port: listener.getsockname()!.port }).then((s) => s.recv(1).catch(() => null).finally(() => s.close(true))),
        listener.accept().then(async ([s]) => (await s.close(true), 'accepted'), () => 'refused'),
      ]);
      expect(accepted).toBe(expected);
      await listener.close();
    }
  });

  it('InsecureTLSImplementation plugs in where any implementation goes', async () => {
    const insecure = new InsecureTLSImplementation(node, new InsecureConfiguration(BOTH));
    expect(insecure.name).toBe('insecure(node)');
    const context = new insecure.clientContext(new TLSClientConfiguration({ trustStore: TrustStore.system() }));
    expect(context.insecureConfiguration.disableVerification).toBe(true);
    expect(await tryConnect(context, 'selfsigned')).toBe('ok');
    expect(await codes()).toEqual([
      SecurityWarningCode.CONFIGURATION,
      SecurityWarningCode.CONTEXT,
      SecurityWarningCode.CONTEXT,
      SecurityWarningCode.CONNECT,
    ]);
  });

  it('works over tls-openssl too: hostname-only still verifies the chain, both-off accepts anything', async () => {
    const { implementation: openssl } = await import('@unitls/tls-openssl');
    const hostnameOnly = new InsecureClientContext(openssl, clientConfig(), new InsecureConfiguration(HOSTNAME_ONLY));
    expect(await tryConnect(hostnameOnly, 'wronghost')).toBe('ok');
    expect(await tryConnect(hostnameOnly, 'selfsigned')).toMatchObject({ reason: 'self-signed' });
    const anything = new InsecureTLSImplementation(openssl, new InsecureConfiguration(BOTH));
    expect(await tryConnect(new anything.clientContext(new TLSClientConfiguration()), 'selfsigned')).toBe('ok');
    expect(() => new anything.clientContext(new TLSClientConfiguration()).createBuffer('localhost')).not.toThrow();
    expect(await codes()).toContain(SecurityWarningCode.BUFFER);
  });

  it('refuses implementations without the hooks', () => {
    const { clientContext, serverContext, validateConfig, features } = node;
    const bare: TLSImplementation = { name: 'bare', clientContext, serverContext, validateConfig, features };
    expect(() => new InsecureTLSImplementation(bare, new InsecureConfiguration(BOTH))).toThrow(/does not support insecure contexts/);
  });

  it('the trusted-certificate alternative works without any of this', async () => {
    const context = new node.clientContext(new TLSClientConfiguration({ trustStore: TrustStore.fromBuffer(pki.pem('selfsigned')) }));
    expect(await tryConnect(context, 'selfsigned')).toBe('ok');
  });
});

describe('nothing insecure leaks into the secure packages', () => {
  it('tls-core and tls-node export no insecure names', async () => {
    const core = await import('@unitls/tls-core');
    const tlsNode = await import('@unitls/tls-node');
    for (const name of [...Object.keys(core), ...Object.keys(tlsNode)]) expect(name).not.toMatch(/insecure|danger|relax/i);
  });
});
