import { once } from 'node:events';
import { createServer, type Socket } from 'node:net';

/** A TCP server that accepts connections and never says a word (for deadline and signal tests). */
export async function silentServer(): Promise<{ port: number; held: Socket[]; close(): Promise<void> }> {
  const held: Socket[] = [];
  const server = createServer((socket) => {
    held.push(socket);
    socket.on('error', () => {});
  }).listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as { port: number }).port,
    held,
    close: async () => {
      for (const socket of held) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
