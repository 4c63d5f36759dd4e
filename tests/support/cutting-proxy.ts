/**
 * A TCP relay in front of a real server that can cut every connection it carries at once, as a
 * server that drops its sessions (or a NAT that forgets them) does: 'fin' ends the client's side
 * with a FIN (for TLS: an end without close_notify), 'reset' with a RST. The server's side is
 * dropped either way. Listens on an ephemeral port.
 */
import { once } from 'node:events';
import { createServer, connect, type Socket } from 'node:net';

export interface CuttingProxy {
  port: number;
  /** Cuts every connection relayed so far; resolves once the client sides are closed. */
  cut(how: 'fin' | 'reset'): Promise<void>;
  close(): Promise<void>;
}

export async function cuttingProxy(target: number, host = '127.0.0.1'): Promise<CuttingProxy> {
  const pairs = new Set<[Socket, Socket]>();
  const server = createServer((client) => {
    const upstream = connect({ host, port: target });
    const pair: [Socket, Socket] = [client, upstream];
    pairs.add(pair);
    for (const socket of pair) socket.on('error', () => {});
    client.pipe(upstream);
    upstream.pipe(client);
    const forget = (): void => {
      client.destroy();
      upstream.destroy();
      pairs.delete(pair);
    };
    client.once('close', forget);
    upstream.once('close', forget);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as { port: number }).port;
  const cut = async (how: 'fin' | 'reset'): Promise<void> => {
    const closing: Promise<unknown>[] = [];
    for (const pair of [...pairs]) {
      const [client, upstream] = pair;
      closing.push(client.closed ? Promise.resolve() : once(client, 'close'));
      client.unpipe(upstream);
      upstream.unpipe(client);
      upstream.destroy();
      if (how === 'reset') client.resetAndDestroy();
      else client.destroy();
      pairs.delete(pair);
    }
    await Promise.all(closing);
  };
  return {
    port,
    cut,
    async close() {
      await cut('fin');
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
