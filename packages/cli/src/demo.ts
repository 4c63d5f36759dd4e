import { Certificate, PrivateKey, SigningChain, TLSServerConfiguration, type TLSImplementation } from '@unitls/tls-core';

/**
 * An embedded TLS server for `unitls connect --demo`: an ephemeral CA and a localhost
 * certificate made on the fly, answering one line per connection. Returns the CA (to trust) and
 * the port.
 */
export async function startDemoServer(implementation: TLSImplementation): Promise<{ port: number; caPem: string; stop: () => Promise<void> }> {
  // Imported here, not at the top: @unitls/demo-pki (@peculiar/x509, its ASN.1 schemas, tsyringe and
  // reflect-metadata) takes longer to load than the rest of the CLI together, and only --demo needs it.
  const { createAuthority, issueCertificate } = await import('@unitls/demo-pki');
  const ca = await createAuthority({ name: 'unitls demo CA (ephemeral)' });
  const leaf = await issueCertificate(ca, { names: ['localhost', '127.0.0.1', '::1'] });
  const context = new implementation.serverContext(
    new TLSServerConfiguration({
      certificateChain: [new SigningChain([Certificate.fromBuffer(leaf.certPem), PrivateKey.fromBuffer(leaf.keyPem)])],
      innerProtocols: ['h2', 'http/1.1'],
    }),
  );
  const listener = await context.connect({ host: '127.0.0.1', port: 0 });
  let running = true;
  void (async () => {
    while (running) {
      const connection = await listener.accept().catch(() => null);
      if (connection === null) continue;
      const [socket] = connection;
      void socket.send(new TextEncoder().encode('hello from the unitls demo server\n')).finally(() => socket.close());
    }
  })();
  return {
    port: listener.getsockname()!.port,
    caPem: ca.certPem,
    stop: async () => {
      running = false;
      await listener.close();
    },
  };
}
