// The Node contenders of the FTPS benchmark (bench/ftp.ts), each built in its own process
// (lib/remote.ts): log in untimed, then one download or upload of `size` bytes timed.
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { clock } from '../lib/clock.js';
import type { Factory } from '../lib/remote.js';
import { implementation, type ClientEngine } from './implementation.js';

export interface FtpTarget {
  port: number;
  caFile: string;
  user: string;
  password: string;
  direction: 'down' | 'up';
  /** Bytes of big.bin (down) or of up.bin (up). */
  size: number;
  /** vsftpd's home, where an upload lands (checked after each run). */
  home: string;
  /** vsftpd's processes, for the server CPU. */
  serverPids: number[];
}

const MiB = 2 ** 20;
/** The bare floors' read size: ftplib's blocksize in the Python row, the client's read size. */
const READ = 64 * 1024;

/** A sink that counts what it is given. */
function counter(): { sink: Writable; bytes(): number } {
  let bytes = 0;
  const sink = new Writable({ write: (chunk: Buffer, _encoding, done) => ((bytes += chunk.length), done()) });
  return { sink, bytes: () => bytes };
}
/**
 * The upload's source: fresh zeroed 64 KiB chunks, as ftplib's storbinary reads its source
 * (`blocksize=65536`, a fresh `bytes` per block in python/ftp_client.py) and as a file stream
 * gives them (fs.createReadStream's 64 KiB). 1 MiB chunks (before session 15) made every chunk
 * fresh pages for the Node clients, a page-fault cost of the source, not of the client.
 */
const UPLOAD_CHUNK = 64 * 1024;
const zeros = function* (size: number) {
  for (let left = size; left > 0; left -= UPLOAD_CHUNK) yield Buffer.alloc(Math.min(UPLOAD_CHUNK, left));
};
/** The transfer moved `size` bytes: counted (down) or on the server's disk (up). */
function moved(who: string, { direction, size, home }: FtpTarget, downloaded: number): void {
  const got = direction === 'down' ? downloaded : statSync(join(home, 'up.bin')).size;
  if (got !== size) throw new Error(`${who} ${direction === 'down' ? 'downloaded' : 'uploaded'} ${got} bytes, not ${size}`);
}

/** The floor of the download: a bare node:tls client on the same data connection (lib/raw-ftp.ts). */
export const raw: Factory<FtpTarget> = async (target) => {
  const { RawFtpClient } = await import('../lib/raw-ftp.js');
  return async () => {
    const client = await RawFtpClient.login({ port: target.port, ca: readFileSync(target.caFile), user: target.user, password: target.password });
    let bytes = 0;
    const sample = await clock(() => client.retr('big.bin', (chunk) => void (bytes += chunk.length)), target.serverPids);
    await client.quit();
    moved('raw node:tls', target, bytes);
    return sample;
  };
};

export const basicFtp: Factory<FtpTarget> = async (target) => {
  const { Client } = await import('basic-ftp');
  return async () => {
    const client = new Client(60_000);
    await client.access({ host: '127.0.0.1', port: target.port, user: target.user, password: target.password, secure: true, secureOptions: { ca: readFileSync(target.caFile), servername: 'localhost' } });
    const { sink, bytes } = counter();
    const sample = await clock(async () => {
      if (target.direction === 'down') await client.downloadTo(sink, 'big.bin');
      else await client.uploadFrom(Readable.from(zeros(target.size)), 'up.bin');
    }, target.serverPids);
    client.close();
    moved('basic-ftp', target, bytes());
    return sample;
  };
};

type UnitlsTarget = FtpTarget & { engine: ClientEngine; ftpModule?: string };

/**
 * Loads @unitls/ftp (from `ftpModule`, a probe's A/B with another build; default the workspace's)
 * and the engine in this process; returns what connects and logs in one FTP_TLS client (untimed).
 */
async function loggingIn(target: UnitlsTarget) {
  const { FTP_TLS } = (await import(target.ftpModule ?? '@unitls/ftp')) as typeof import('@unitls/ftp');
  const { TLSClientConfiguration, TrustStore } = await import('@unitls/tls-core');
  const configuration = new TLSClientConfiguration({ trustStore: TrustStore.fromBuffer(readFileSync(target.caFile)) });
  const tls = await implementation(target.engine);
  return async () => {
    const client = new FTP_TLS({ host: '127.0.0.1', port: target.port, serverHostname: 'localhost', implementation: tls, configuration });
    await client.connect();
    await client.login(target.user, target.password);
    return client;
  };
}

export const unitls: Factory<UnitlsTarget> = async (target) => {
  const logIn = await loggingIn(target);
  return async () => {
    const client = await logIn();
    // A callback that counts, as ftplib's and the raw client's sinks, each chunk fresh memory as
    // ftplib's (retrbinary's opt-in { into } would receive into one reused memory).
    let bytes = 0;
    const sample = await clock(async () => {
      if (target.direction === 'down') await client.retrbinary('RETR big.bin', (chunk) => void (bytes += chunk.length));
      else await client.storbinary('STOR up.bin', zeros(target.size));
    }, target.serverPids);
    await client.quit();
    moved('@unitls/ftp', target, bytes);
    return sample;
  };
};

/**
 * The floor of the download on a unitls engine: FTP_TLS logs in and sets TYPE I untimed (as the
 * raw node:tls client does), then the timed part opens the data connection with ntransfercmd
 * (PASV, RETR, the handshake resuming the control session, the 150) and reads its TLSSocket bare,
 * recv(64 KiB) until the end, closes it and reads the 226: what any client on that engine pays.
 */
export const unitlsSocket: Factory<UnitlsTarget> = async (target) => {
  const logIn = await loggingIn(target);
  return async () => {
    const client = await logIn();
    await client.setType('I');
    let bytes = 0;
    const sample = await clock(async () => {
      const [channel] = await client.ntransfercmd('RETR big.bin');
      const socket = channel.tlsSocket!;
      for (let chunk = await socket.recv(READ); chunk.length > 0; chunk = await socket.recv(READ)) bytes += chunk.length;
      await channel.close();
      await client.voidresp();
    }, target.serverPids);
    await client.quit();
    moved(`TLSSocket of tls-${target.engine}`, target, bytes);
    return sample;
  };
};
