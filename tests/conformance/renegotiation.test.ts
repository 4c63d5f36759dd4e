/**
 * TLS 1.2 renegotiation asked for by the peer: openssl s_server's `R` command (a HelloRequest) to our
 * client, openssl s_client's `R` (a new ClientHello) to our server. Every implementation refuses it
 * (no_renegotiation, RFC 5246 7.2.2; DESIGN.md: no renegotiation), s_server/s_client then end the
 * connection with handshake_failure, and recv says what happened, in one shape: TLSError
 * RENEGOTIATION_REFUSED (code UNITLS_TLS_ERROR), the peer's alert as `cause`.
 *
 * GnuTLS (gnutls-cli --rehandshake) answers the refusal with internal_error instead: the same refusal.
 *
 * Before: tls-node said "the peer aborted the handshake (handshake_failure): often no cipher suite
 * or certificate in common", tls-openssl "the peer aborted the handshake (handshake_failure)",
 * tls-pure's client "no cipher suite, group or signature scheme in common?" and its server sent a
 * fatal unexpected_message instead of the no_renegotiation warning.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { RENEGOTIATION_REFUSED, TLSError, type TLSImplementation } from '@unitls/tls-core';
import { clientConfig, pki, serverConfig } from '../support/fixtures.js';
import { conformanceImplementations as implementations } from './implementations.js';

const children: ChildProcessWithoutNullStreams[] = [];
afterEach(async () => {
  for (const child of children.splice(0)) {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await once(child, 'close');
    }
  }
});

/** Starts a peer's command; `until(pattern)` resolves once its output matched. */
function peer(command: string, args: string[]): { child: ChildProcessWithoutNullStreams; until: (pattern: RegExp) => Promise<RegExpExecArray> } {
  const child = spawn(command, args);
  children.push(child);
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const until = async (pattern: RegExp): Promise<RegExpExecArray> => {
    for (;;) {
      const match = pattern.exec(output);
      if (match !== null) return match;
      if (child.exitCode !== null) throw new Error(`${command} ${args[0]} exited before printing ${pattern}:\n${output}`);
      await Promise.race([once(child.stdout, 'data'), once(child.stderr, 'data'), once(child, 'close')]);
    }
  };
  return { child, until };
}

function openssl(args: string[]): ReturnType<typeof peer> {
  return peer('openssl', args);
}

function expectRefused(error: unknown): void {
  expect(error, String(error)).toBeInstanceOf(TLSError);
  expect(error).toMatchObject({ code: 'UNITLS_TLS_ERROR', message: RENEGOTIATION_REFUSED });
  expect((error as TLSError).cause).toBeDefined();
  // The cause is the peer's alert, not a guess about the first handshake (tls-pure said "no cipher
  // suite, group or signature scheme in common?").
  expect(String(((error as TLSError).cause as Error).message)).not.toMatch(/in common/);
}

describe.each(implementations.map((i) => [i.name, i] as const))('TLS 1.2 renegotiation asked for by the peer (%s)', (_, implementation: TLSImplementation) => {
  it('a server’s HelloRequest (s_server R): the client’s recv rejects with RENEGOTIATION_REFUSED', async () => {
    const server = openssl(['s_server', '-accept', '127.0.0.1:0', '-tls1_2', '-cert', pki.path('server-ec'), '-cert_chain', pki.path('intermediate'), '-key', pki.path('server-ec', 'key')]);
    const port = Number((await server.until(/ACCEPT 127\.0\.0\.1:(\d+)/))[1]);
    const socket = await new implementation.clientContext(clientConfig()).connect({ host: '127.0.0.1', port }, { serverHostname: 'localhost' });
    try {
      expect(socket.negotiatedTlsVersion).toBe('TLSv1.2');
      // s_server prints what it reads: once it printed this, its handshake is over too.
      await socket.send(new TextEncoder().encode('ready\n'));
      await server.until(/^ready$/m);
      server.child.stdin.write('R\n');
      expectRefused(await socket.recv(100).catch((e: unknown) => e));
      // The failure is for good (RFC 8446 6.2, PEP 748's sticky errors): the next recv does not
      // read as a clean end (tls-openssl resolved it with empty bytes).
      expectRefused(await socket.recv(100).catch((e: unknown) => e));
    } finally {
      await socket.close(true);
    }
  });

  it('a client’s new ClientHello (s_client R): the server’s recv rejects with RENEGOTIATION_REFUSED', async () => {
    const listener = await new implementation.serverContext(serverConfig()).connect({ host: '127.0.0.1', port: 0 });
    try {
      const client = openssl(['s_client', '-connect', `127.0.0.1:${listener.getsockname()!.port}`, '-tls1_2', '-CAfile', pki.path('root'), '-servername', 'localhost']);
      const [socket] = await listener.accept();
      try {
        expect(socket.negotiatedTlsVersion).toBe('TLSv1.2');
        await client.until(/Verify return code/);
        client.child.stdin.write('R\n');
        expectRefused(await socket.recv(100).catch((e: unknown) => e));
        expectRefused(await socket.recv(100).catch((e: unknown) => e));
        // s_client saw the refusal.
        await client.until(/no renegotiation|alert/i);
      } finally {
        await socket.close(true);
      }
    } finally {
      await listener.close();
    }
  });

  // GnuTLS answers the refusal with internal_error (tls-openssl and tls-pure said "the peer aborted
  // the connection with a fatal internal_error alert"), and retries, so that a tls-node server ends
  // the connection itself after tls.CLIENT_RENEG_LIMIT tries ("TLS session renegotiation attack
  // detected", ERR_TLS_SESSION_ATTACK). Both are the same refused renegotiation.
  it('a GnuTLS client’s rehandshake (gnutls-cli --rehandshake): the server’s recv rejects with RENEGOTIATION_REFUSED', async () => {
    const listener = await new implementation.serverContext(serverConfig()).connect({ host: '127.0.0.1', port: 0 });
    try {
      const client = peer('gnutls-cli', ['--port', String(listener.getsockname()!.port), '--x509cafile', pki.path('root'), '--sni-hostname', 'localhost', '--verify-hostname', 'localhost', '--priority', 'NORMAL:-VERS-ALL:+VERS-TLS1.2', '--rehandshake', '127.0.0.1']);
      const [socket] = await listener.accept();
      try {
        expect(socket.negotiatedTlsVersion).toBe('TLSv1.2');
        expectRefused(await socket.recv(100).catch((e: unknown) => e));
        expectRefused(await socket.recv(100).catch((e: unknown) => e));
        await client.until(/ReHandshake has failed/);
      } finally {
        await socket.close(true);
      }
    } finally {
      await listener.close();
    }
  });
});
