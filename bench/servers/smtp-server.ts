// smtp-server (npm) in its own process for the SMTP benchmark: `smtp-server.ts <cert> <key>`.
// STARTTLS offered, no AUTH, bodies discarded. Sends {port} when listening; any IPC request is
// answered with {delivered}, the messages accepted so far.
import { readFileSync } from 'node:fs';
import { SMTPServer } from 'smtp-server';

const [certFile, keyFile] = process.argv.slice(2) as [string, string];
let delivered = 0;
const server = new SMTPServer({
  cert: readFileSync(certFile),
  key: readFileSync(keyFile),
  logger: false,
  authOptional: true,
  onData(stream, _session, callback) {
    stream.on('data', () => {});
    stream.on('end', () => {
      delivered++;
      callback();
    });
  },
});
server.on('error', () => {});
server.listen(0, '127.0.0.1', () => process.send!({ port: (server.server.address() as { port: number }).port }));
process.on('message', () => process.send!({ delivered }));
