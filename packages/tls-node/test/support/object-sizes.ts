// A process of its own for object-sizes.test.ts, run with `--expose-gc --import tsx`: tls-node on
// both ends, `argv[3]` idle connections (the server's "k" read by the client; both then wait in
// recv, as bench/run.ts memory holds them), then two full GCs and a heap snapshot written to
// `argv[2]`. Many connections, not one: V8 sizes a class's objects to the fields they use only
// after it has made several of them (in-object slack tracking). Answers {connections} over IPC.
import { writeHeapSnapshot } from 'node:v8';
import { createAuthority, issueCertificate } from '@unitls/demo-pki';
import { Certificate, PrivateKey, SigningChain, TLSClientConfiguration, TLSServerConfiguration, TrustStore, type TLSSocket } from '@unitls/tls-core';
import { implementation } from '../../src/mod.js';

const [file, count] = [process.argv[2]!, Number(process.argv[3])];
const authority = await createAuthority({ name: 'object sizes test CA' });
const leaf = await issueCertificate(authority, { names: ['localhost'] });
const chain = new SigningChain([Certificate.fromBuffer(Buffer.from(leaf.certPem)), PrivateKey.fromBuffer(Buffer.from(leaf.keyPem))]);
const listener = await new implementation.serverContext(new TLSServerConfiguration({ certificateChain: [chain] })).connect({ host: '127.0.0.1', port: 0 });
listener.listen(64);
const client = new implementation.clientContext(new TLSClientConfiguration({ trustStore: TrustStore.fromBuffer(Buffer.from(authority.certPem)) }));
const held: TLSSocket[] = [];
const waiting: Promise<unknown>[] = [];
for (let i = 0; i < count; i++) {
  const accepting = listener.accept();
  const socket = await client.connect({ host: '127.0.0.1', port: listener.getsockname()!.port }, { serverHostname: 'localhost' });
  const [accepted] = await accepting;
  await accepted.send(Buffer.from('k'));
  if ((await socket.recv(1)).length !== 1) throw new Error('no greeting');
  held.push(socket, accepted);
  // Both wait in recv, as an idle connection does (ended by close() below: recvEndedByClose).
  waiting.push(socket.recv(1).catch(() => {}), accepted.recv(1).catch(() => {}));
}
globalThis.gc!();
globalThis.gc!();
writeHeapSnapshot(file);
process.send!({ connections: count });
await Promise.all(held.map((socket) => socket.close(true)));
await Promise.all(waiting);
await listener.close();
process.disconnect();
