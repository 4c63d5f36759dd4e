/**
 * `unitls connect` against openssl s_server and the real servers, on every implementation.
 */
import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { NOT_TLS } from '@unitls/tls-core';
import { pki } from '../support/fixtures.js';
import { startServer, type OpenSSLServer } from '../support/openssl.js';
import { startLocalServers, type LocalServers } from '../support/local-servers.js';
import { silentServer } from '../support/silent-server.js';
import { implementations } from '../conformance/implementations.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const bin = `${root}packages/cli/dist/bin.js`;
const run = (...args: string[]) => runCommand(process.execPath, [bin, ...args]);
function runCommand(command: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(command, args, { timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : -1, stdout, stderr });
    });
  });
}

const servers: OpenSSLServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function server(leaf: 'server-ec' | 'expired' | 'wronghost', ...args: string[]): Promise<number> {
  const s = await startServer(['-cert', pki.path(leaf), '-cert_chain', pki.path('intermediate'), '-key', pki.path(leaf, 'key'), ...args]);
  servers.push(s);
  return s.port;
}

const names = implementations.map((i) => i.name);
const ca = ['--cafile', pki.path('root')];

describe('the unitls command', () => {
  it('is executable as installed in the monorepo (npx unitls)', async () => {
    const result = await runCommand(`${root}node_modules/.bin/unitls`, ['--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('usage: unitls connect HOST:PORT');
    expect(result.stdout).toContain('exit codes: 0 verified');
  });

  it('--version and -V print the version of @unitls/cli', async () => {
    const { version } = JSON.parse(readFileSync(`${root}packages/cli/package.json`, 'utf8')) as { version: string };
    for (const flag of ['--version', '-V']) {
      const result = await run(flag);
      expect(result.code, flag).toBe(0);
      expect(result.stdout, flag).toBe(`unitls ${version}\n`);
    }
  });

  it('--help lists the options the command accepts, and the README lists the same ones', async () => {
    const help = (await run('--help')).stdout;
    // "  --servername NAME", "  -V, --version", "  --cert FILE --key FILE": each option and whether it takes a value.
    const listed = new Map<string, boolean>();
    for (const line of help.split('\n').filter((l) => /^ {2}-/.test(l))) {
      for (const [, name, value] of line.matchAll(/--([a-z]+)( [A-Z][A-Z0-9,]*)?/g)) listed.set(name!, value !== undefined);
    }
    expect([...listed.keys()]).toEqual(expect.arrayContaining(['version', 'help', 'alpn', 'wait', 'reconnect', 'demo']));
    // The parser accepts every listed option (an unknown one would be exit 2 before --help is read).
    const every = [...listed].flatMap(([name, takesValue]) => (takesValue ? [`--${name}`, 'x'] : [`--${name}`]));
    const accepted = await run('connect', 'h:1', ...every, '--help');
    expect(accepted.code, accepted.stderr).toBe(0);
    expect(accepted.stdout).toBe(help);
    const readme = readFileSync(`${root}packages/cli/README.md`, 'utf8');
    const options = /^Options \(`unitls --help`[\s\S]*?\n\n/m.exec(readme)?.[0] ?? '';
    expect(new Set([...options.matchAll(/`--([a-z]+)/g)].map((m) => m[1]))).toEqual(new Set(listed.keys()));
  });

  // ux16: `-k` (curl's --insecure) was answered "unknown option -k (did you mean --key?)", as if it
  // were a spelling of the client-key option. unitls has no switch that turns verification off.
  it('-k and --insecure: exit 2, saying verification stays on and pointing to --cafile, not --key', async () => {
    const given = ['-k', '--insecure', '-kv', '--insecure=yes', '--no-check-certificate'];
    const results = await Promise.all(given.map((flag) => run('connect', 'h:1', flag)));
    results.forEach((result, i) => {
      const flag = given[i]!.startsWith('-k') ? '-k' : given[i]!.split('=')[0];
      expect(result.code, given[i]).toBe(2);
      expect(result.stderr, given[i]).toMatch(new RegExp(`^unitls: ${flag} is not an option: unitls connect never turns certificate verification off\\. .*pass --cafile FILE\n`));
      expect(result.stderr, given[i]).not.toContain('--key');
    });
    expect((await run('--help')).stdout).toContain('Verification is always on: there is no -k/--insecure.');
  });

  // 20 commands, each its own Node process: they run at once (none depends on another), and the
  // bound is the process start-ups' on a loaded machine (one by one they took 30 s at load ~25).
  it('exits 2 for usage errors, 4 when nothing listens', { timeout: 120_000 }, async () => {
    const usageErrors = [[], ['connect'], ['connect', 'nohostport'], ['connect', 'h:1', '--min', '1.1'], ['connect', 'h:1', '--cert', 'x'], ['connect', 'h:1', '--bogus'], ['connect', 'h:1', '--starttls', 'gopher'], ['connect', 'h:1', '--implementation', 'nope'], ['connect', 'h:1', '--starttls', 'smtp', '--reconnect']];
    const missingFiles = ['--cafile', '--cert', '--key'];
    const nearMisses = [['--ca', '--cafile'], ['--timout', '--timeout'], ['--servrname=x', '--servername'], ['--implementaton', '--implementation']];
    const [refused, refused6, usage, missing, typo, near, bogus] = await Promise.all([
      run('connect', '127.0.0.1:1', '--timeout', '2000'),
      run('connect', '[::1]:1', '--timeout', '2000'),
      Promise.all(usageErrors.map((args) => run(...args))),
      Promise.all(missingFiles.map((flag) => run('connect', 'h:1', flag, '/nonexistent/unitls.pem', ...(flag === '--cafile' ? [] : [flag === '--cert' ? '--key' : '--cert', '/nonexistent/other.pem'])))),
      run('connect', 'h:1', '--ca-file', 'x.pem'),
      Promise.all(nearMisses.map(([given]) => run('connect', 'h:1', given!, ...(given!.includes('=') ? [] : ['x'])))),
      run('connect', 'h:1', '--bogus'),
    ]);
    expect(refused.code).toBe(4);
    expect(refused.stdout).toContain('connection: FAILED (connect)');
    // An IPv6 address is shown as it was written, in brackets (it printed "::1:1").
    expect(refused6.code).toBe(4);
    expect(refused6.stdout).toContain('connecting to [::1]:1 (name: ::1)');
    usageErrors.forEach((args, i) => {
      expect(usage[i]!.code, args.join(' ')).toBe(2);
      // The error and a one-line hint, not the 30-line help (trial 6).
      expect(usage[i]!.stderr, args.join(' ')).toMatch(/^unitls: [^\n]+\nusage: unitls connect HOST:PORT \[options\] \| unitls connect --demo \(see unitls --help\)\n$/);
    });
    // A file that is not there is the caller's mistake, not a failed handshake (it was exit 3).
    missingFiles.forEach((flag, i) => {
      expect(missing[i]!.code, flag).toBe(2);
      expect(missing[i]!.stderr).toMatch(/cannot read "\/nonexistent\/(unitls|other)\.pem" \(ENOENT\)/);
    });
    expect(typo.code).toBe(2);
    expect(typo.stderr).toMatch(/^unitls: unknown option --ca-file \(did you mean --cafile\?\)\n/);
    // Trial 7: --ca said only "unknown option"; a beginning of one option, or a typo, names it.
    nearMisses.forEach(([given, meant], i) => {
      expect(near[i]!.code, given).toBe(2);
      expect(near[i]!.stderr, given).toMatch(new RegExp(`^unitls: unknown option ${given!.split('=')[0]} \\(did you mean ${meant}\\?\\)\n`));
    });
    // Nothing close: no guess.
    expect(bogus.stderr).toMatch(/^unitls: unknown option --bogus\n/);
  });

  it('trial 10: a wrong target gives the port range or the HOST:PORT of a URL; a --starttls typo says did you mean', async () => {
    const range = await run('connect', 'localhost:99999');
    expect(range.code).toBe(2);
    expect(range.stderr).toMatch(/^unitls: expected HOST:PORT with a port from 1 to 65535, got "localhost:99999"\n/);
    const url = await run('connect', 'https://localhost:44301/');
    expect(url.code).toBe(2);
    expect(url.stderr).toMatch(/^unitls: expected HOST:PORT, got a URL "https:\/\/localhost:44301\/": give its host and port, localhost:44301\n/);
    expect((await run('connect', 'https://example.org/')).stderr).toMatch(/give its host and port, example\.org:443\n/);
    expect((await run('connect', 'nohostport')).stderr).toMatch(/^unitls: expected HOST:PORT \(as example\.org:443 or \[::1\]:443\), got "nohostport"\n/);
    const typo = await run('connect', 'h:1', '--starttls', 'smpt');
    expect(typo.code).toBe(2);
    expect(typo.stderr).toMatch(/^unitls: --starttls: unknown protocol "smpt" \(did you mean "smtp"\? use smtp, imap, pop3, ftp\)\n/);
  });

  it('trial 9: a --cafile holding no certificate is a usage error before any connection; an implementation typo says did you mean', async () => {
    const notCa = await run('connect', '127.0.0.1:1', '--cafile', pki.path('server-ec', 'key'));
    expect(notCa.code, notCa.stdout + notCa.stderr).toBe(2);
    expect(notCa.stderr).toMatch(/^unitls: --cafile: "[^"]+" holds no certificate \(expected PEM "-----BEGIN CERTIFICATE-----" blocks, or one DER certificate\)\n/);
    const typo = await run('connect', 'h:1', '--implementation', 'opensll');
    expect(typo.code).toBe(2);
    expect(typo.stderr).toMatch(/^unitls: unknown implementation "opensll" \(did you mean "openssl"\? known: node, openssl, pure\)\n/);
    expect((await run('connect', 'h:1', '--implementation', 'bogus')).stderr).toMatch(/^unitls: unknown implementation "bogus" \(known: node, openssl, pure\)\n/);
  });

  it('trial 9: an h2 server\'s first bytes are named as its SETTINGS frame; --json keeps the detail as text', async () => {
    const { createSecureServer } = await import('node:http2');
    const h2 = createSecureServer({ key: readFileSync(pki.path('server-ec', 'key')), cert: readFileSync(pki.path('server-ec', 'chain.crt')), allowHTTP1: true });
    h2.on('error', () => {});
    h2.listen(0, '127.0.0.1');
    await once(h2, 'listening');
    try {
      const port = (h2.address() as { port: number }).port;
      const text = await run('connect', `127.0.0.1:${port}`, '--servername', 'localhost', ...ca, '--alpn', 'h2');
      expect(text.code, text.stdout + text.stderr).toBe(0);
      expect(text.stdout).toContain('after the handshake: the server spoke first: an HTTP/2 SETTINGS frame (the server speaks HTTP/2: its connection preface, RFC 9113 §3.4)\n');
      const json = await run('connect', `127.0.0.1:${port}`, '--servername', 'localhost', ...ca, '--alpn', 'h2', '--json');
      expect(JSON.parse(json.stdout)).toMatchObject({ afterHandshake: { outcome: 'data', recognised: 'http2-settings', detail: expect.stringMatching(/^an HTTP\/2 SETTINGS frame/) } });
      const demo = JSON.parse((await run('connect', '--demo', '--json')).stdout) as { afterHandshake: { detail: string } };
      expect(demo.afterHandshake.detail).toBe('hello from the unitls demo server');
    } finally {
      h2.close();
      await once(h2, 'close');
    }
  });

  it('trial 9: a failed verification prints one CLI line about the unverified second connection, not the SecurityWarnings', async () => {
    const port = await server('wronghost');
    for (const json of [[], ['--json']]) {
      const result = await run('connect', `localhost:${port}`, ...ca, ...json);
      expect(result.code, result.stdout + result.stderr).toBe(1);
      expect(result.stderr).not.toContain('SecurityWarning');
      expect(result.stderr).toBe('unitls: the certificate shown was fetched by a second connection without verification (@unitls/insecure), only to display it\n');
    }
  });
});

describe.each(names)('unitls connect --implementation %s', (name) => {
  const impl = ['--implementation', name];

  it('--demo works offline', async () => {
    const result = await run('connect', '--demo', ...impl);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toContain(`implementation: ${name}`);
    expect(result.stdout).toMatch(/version:\s+TLSv1\.3/);
    expect(result.stdout).toMatch(/ALPN:\s+h2/);
    expect(result.stdout).toMatch(/issuer:\s+CN=unitls demo CA/);
    expect(result.stdout).toContain('verification: OK');
    expect(result.stdout).toContain('the server spoke first: "hello from the unitls demo server"');
    // Every implementation names the group (IANA names); tls-pure's client and server agree on the hybrid.
    expect(result.stdout).toMatch(name === 'pure' ? /group:\s+X25519MLKEM768\n/ : /group:\s+x25519\n/);
  });

  it('reports version, cipher, ALPN, the chain and the verdict against openssl s_server', async () => {
    const port = await server('server-ec', '-alpn', 'http/1.1');
    const result = await run('connect', `127.0.0.1:${port}`, '--servername', 'localhost', ...ca, '--alpn', 'h2,http/1.1', '--max', '1.2', ...impl);
    expect(result.code, result.stdout).toBe(0);
    expect(result.stdout).toMatch(/version:\s+TLSv1\.2/);
    expect(result.stdout).toMatch(/ALPN:\s+http\/1\.1/);
    expect(result.stdout).toMatch(/cipher:\s+TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384/);
    expect(result.stdout).toMatch(/0 subject:\s+CN=localhost/);
    expect(result.stdout).toMatch(/issuer:\s+CN=unitls test intermediate/);
    expect(result.stdout).toContain('SANs:     DNS:localhost, IP:127.0.0.1, IP:::1\n');
    expect(result.stdout).toContain('after the handshake: the server sent nothing (no refusal)');
    expect(result.stdout).toMatch(/group:\s+x25519\n/);
    // tls-node tells the whole chain; other implementations show the leaf.
    if (name === 'node') expect(result.stdout).toMatch(/1 subject:\s+CN=unitls test intermediate/);
  });

  it('names the group the server chose as IANA does (secp256r1, not OpenSSL\'s prime256v1)', async () => {
    const port = await server('server-ec', '-groups', 'P-256');
    const result = await run('connect', `127.0.0.1:${port}`, '--servername', 'localhost', ...ca, '--wait', '0', ...impl);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toMatch(/group:\s+secp256r1\n/);
  });

  it('--showcerts prints the PEMs; --json gives the same report as data', async () => {
    const port = await server('server-ec');
    const pems = await run('connect', `localhost:${port}`, ...ca, '--showcerts', '--wait', '0', ...impl);
    expect(pems.code).toBe(0);
    const blocks = pems.stdout.match(/-----BEGIN CERTIFICATE-----/g) ?? [];
    expect(blocks.length).toBeGreaterThanOrEqual(1);
    expect(pems.stdout).toContain(pki.pem('server-ec').trim());
    const json = await run('connect', `localhost:${port}`, ...ca, '--json', '--wait', '0', ...impl);
    expect(json.code).toBe(0);
    const report = JSON.parse(json.stdout) as { ok: boolean; exitCode: number; implementation: string; negotiated: { version: string }; chain: Array<{ subjectAltNames: string[]; pem?: string }>; verification: { ok: boolean } };
    expect(report).toMatchObject({ ok: true, exitCode: 0, implementation: name, negotiated: { version: 'TLSv1.3' }, verification: { ok: true } });
    expect(report.chain[0]!.subjectAltNames).toContain('DNS:localhost');
    expect(report.chain[0]!.pem).toBeUndefined();
  });

  it('an expired certificate: exit 1, the reason and its dates', async () => {
    const result = await run('connect', `localhost:${await server('expired')}`, ...ca, ...impl);
    expect(result.code, result.stdout).toBe(1);
    expect(result.stdout).toMatch(/verification: FAILED \(expired/);
    expect(result.stdout).toMatch(/the certificate is valid from \d{4}-\d\d-\d\dT.* to \d{4}-\d\d-\d\dT/);
    expect(result.stdout).toMatch(/valid:.*\(EXPIRED\)/);
  });

  it("a hostname mismatch: exit 1 and the certificate's names", async () => {
    const result = await run('connect', `localhost:${await server('wronghost')}`, ...ca, ...impl);
    expect(result.code, result.stdout).toBe(1);
    expect(result.stdout).toMatch(/verification: FAILED \(hostname-mismatch/);
    expect(result.stdout).toContain("the certificate's names: DNS:wrong.example; asked for: localhost");
    // What to do, with the option that does it (the hint did not mention --servername).
    expect(result.stdout).toContain('if this is the right server under another name, connect by that name or verify it with --servername wrong.example\n');
  });

  // The names line used node:crypto's long form ("IP Address:0:0:0:0:0:0:0:1") beside the
  // message's ("IP:::1"): one form now, the message's (tls-core certificateNameEntries).
  it("a hostname mismatch on a certificate with IP names: the names line in the message's form", async () => {
    const result = await run('connect', `127.0.0.1:${await server('server-ec')}`, '--servername', 'other.test', ...ca, ...impl);
    expect(result.code, result.stdout).toBe(1);
    expect(result.stdout).toMatch(/verification: FAILED \(hostname-mismatch/);
    expect(result.stdout).toContain('(its subjectAltName: DNS:localhost, IP:127.0.0.1, IP:::1)');
    expect(result.stdout).toContain("the certificate's names: DNS:localhost, IP:127.0.0.1, IP:::1; asked for: other.test\n");
    expect(result.stdout).toContain('verify it with --servername localhost\n');
    expect(result.stdout).not.toContain('IP Address');
  });

  it('an untrusted issuer (system store): exit 1', async () => {
    const result = await run('connect', `localhost:${await server('server-ec')}`, ...impl);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('verification: FAILED (untrusted-issuer');
    // Trial 7: what to do, in the command's own terms.
    expect(result.stdout).toContain("; if you trust its issuer (a private or test CA), pass that CA's certificate with --cafile FILE\n");
  });

  // Trial 7: --starttls at an implicit-TLS port waited out the timeout with no hint.
  it('--starttls at an implicit-TLS port: exit 4, and the advice to connect without --starttls', async () => {
    const port = await server('server-ec');
    const result = await run('connect', `127.0.0.1:${port}`, '--servername', 'localhost', ...ca, '--starttls', 'smtp', '--timeout', '400', ...impl);
    expect(result.code, result.stdout).toBe(4);
    expect(result.stdout).toContain('no answer within 400 ms (--timeout bounds each reply or operation as a whole)');
    expect(result.stdout).toContain('it may expect TLS at once (an implicit-TLS port); connect without --starttls\n');
  });

  it('a TLS 1.3 server that requires a client certificate: refused after the handshake is detected (exit 3); with --cert it passes', async () => {
    const port = await server('server-ec', '-Verify', '1', '-CAfile', pki.path('root', 'chain.crt'), '-verify_return_error');
    const refused = await run('connect', `localhost:${port}`, ...ca, ...impl);
    expect(refused.code, refused.stdout).toBe(3);
    expect(refused.stdout).toContain('after the handshake: REFUSED');
    expect(refused.stdout).toContain('result: FAILED (exit 3)');
    const client = await run('connect', `localhost:${port}`, ...ca, '--cert', pki.path('client'), '--key', pki.path('client', 'key'), ...impl);
    expect(client.code, client.stdout).toBe(0);
    expect(client.stdout).toContain('after the handshake: the server sent nothing (no refusal)');
  });

  it('a server that accepts none of the offered ALPN protocols: exit 3 and the same plain words on every implementation', async () => {
    const port = await server('server-ec', '-alpn', 'imap');
    const result = await run('connect', `localhost:${port}`, ...ca, '--alpn', 'h2,http/1.1', ...impl);
    expect(result.code, result.stdout).toBe(3);
    expect(result.stdout).toContain('connection: FAILED (handshake)\n  the server accepted none of the offered ALPN protocols (h2, http/1.1): offer one it supports with --alpn, or leave --alpn out\n');
    // Not OpenSSL's (tls-node, tls-openssl) or tls-pure's own text for alert 120.
    expect(result.stdout).not.toMatch(/SSL routines|alert number|no_application_protocol|in common/);
    const json = JSON.parse((await run('connect', `localhost:${port}`, ...ca, '--alpn', 'h2', '--json', ...impl)).stdout) as { exitCode: number; error: { message: string } };
    expect(json).toMatchObject({ exitCode: 3, error: { message: expect.stringMatching(/^the server accepted none of the offered ALPN protocols \(h2\)/) } });
  });

  it('--reconnect --wait 0 on TLS 1.3 says that the skipped wait, not the server, left no session, and what to do', async () => {
    const result = await run('connect', `localhost:${await server('server-ec')}`, ...ca, '--reconnect', '--wait', '0', ...impl);
    expect(result.code, result.stdout).toBe(0);
    expect(result.stdout).not.toContain('a server without tickets');
    // The tickets come a round trip after the handshake: in practice never before the first connection is done with.
    expect(result.stdout).toMatch(/resumption: (YES|unknown \(no session to offer: --wait 0 skipped the wait after the handshake, when a TLS 1\.3 server sends its session tickets; drop --wait 0, or give the server time with --wait 1000\))\n/);
  });

  it('--reconnect checks session resumption', async () => {
    for (const max of ['1.2', '1.3']) {
      const result = await run('connect', `localhost:${await server('server-ec')}`, ...ca, '--reconnect', '--max', max, ...impl);
      expect(result.code, result.stdout).toBe(0);
      expect(result.stdout, max).toContain('resumption: YES');
    }
  });

  it('--timeout bounds TCP + handshake against a server that accepts and never answers (exit 4)', async () => {
    const silent = await silentServer();
    try {
      const result = await run('connect', `localhost:${silent.port}`, ...ca, '--timeout', '1500', ...impl);
      expect(result.code, result.stdout).toBe(4);
      expect(result.stdout).toContain('connection: FAILED (connect)');
      // Trial 10: the message said neither the limit nor the option.
      expect(result.stdout).toContain('(--timeout 1500 ms passed; raise it with --timeout MS)');
      // Trial 11: the cause's text was said twice ("(its signal's TimeoutError: The operation was
      // aborted due to timeout): The operation was aborted due to timeout").
      expect(result.stdout.split('The operation was aborted due to timeout').length - 1, result.stdout).toBeLessThanOrEqual(1);
      expect(silent.held.length).toBe(1);
    } finally {
      await silent.close();
    }
  });
});

describe.each(names)('unitls connect --implementation %s against a server that breaks the handshake (the breaker)', (name) => {
  // Each server reads the ClientHello, then answers with these bytes (or none) and ends the
  // connection as said. Before, the same bytes gave exit 4 ("no connection") on one implementation
  // and 3 on another: tls-node reports a FIN mid-handshake as ECONNRESET, tls-openssl and tls-pure
  // a reset as a bare ECONNRESET. TCP was up in every case: the handshake failed, exit 3.
  it.each([
    ['a FIN', Buffer.alloc(0), 'end'],
    ['a TCP reset', Buffer.alloc(0), 'reset'],
    ['HTTP text, then a FIN', Buffer.from('HTTP/1.1 400 Bad Request\r\n\r\n'), 'end'],
    ['half a ServerHello, then a FIN', Buffer.from([0x16, 0x03, 0x03, 0x00, 0x40, 0x02, 0x00]), 'end'],
    ['a record header announcing 65535 bytes, then a reset', Buffer.from([0x16, 0x03, 0x03, 0xff, 0xff]), 'reset'],
  ] as const)('%s after the ClientHello: exit 3, "FAILED (handshake)"', async (_what, bytes, ending) => {
    const sockets: Socket[] = [];
    const hostile: Server = createServer((socket) => {
      sockets.push(socket);
      socket.on('error', () => {});
      socket.once('data', () => {
        if (ending === 'end') socket.end(bytes);
        else socket.write(bytes, () => socket.resetAndDestroy());
      });
    }).listen(0, '127.0.0.1');
    await once(hostile, 'listening');
    try {
      const result = await run('connect', `127.0.0.1:${(hostile.address() as { port: number }).port}`, '--implementation', name, '--timeout', '10000', '--wait', '0');
      expect(result.code, result.stdout + result.stderr).toBe(3);
      expect(result.stdout).toContain('connection: FAILED (handshake)');
      expect(result.stderr).not.toMatch(/\bat \S+:\d+:\d+/); // no stack trace
      // The library's message only: not OpenSSL's raw error string after it (tls-node appended
      // "...:error:0A00010B:SSL routines:...", tls-openssl "TLS handshake failed: wrong version number").
      expect(result.stdout).not.toMatch(/SSL routines|:error:[0-9A-F]{8}:/);
      expect(result.stdout.match(/TLS handshake failed/g)?.length ?? 0).toBeLessThanOrEqual(1);
      if (bytes.length > 0 && bytes[0] === 0x48) {
        // Trial 10, finding 12: the advice names --starttls (an ephemeral port: the list of protocols).
        expect(result.stdout).toContain(`TLS handshake failed: ${NOT_TLS.fromServer}`);
        expect(result.stdout).toContain('; for a STARTTLS service add --starttls PROTOCOL (smtp, imap, pop3, ftp)\n');
      }
      expect(sockets.length).toBe(1);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => hostile.close(resolve));
    }
  });
});

describe('unitls connect --starttls, with the protocol clients against real servers', () => {
  let local: LocalServers;
  beforeAll(async () => {
    local = await startLocalServers(['mail', 'vsftpd'], { pki, leaf: 'server-ec' });
  }, 120_000);
  afterAll(async () => {
    await local?.stop();
  });

  it.each([
    ['smtp', 'postfix.smtp', /greeting:\s+.*unitls-postfix/],
    ['imap', 'dovecot.imap', /greeting:\s+.*Dovecot/],
    ['pop3', 'dovecot.pop3', /greeting:\s+.*Dovecot/],
    ['ftp', 'vsftpd.explicit', /greeting:\s+.*220/],
  ] as const)('--starttls %s (%s)', async (protocol, endpoint, greeting) => {
    for (const name of names) {
      const result = await run('connect', `127.0.0.1:${local.port(endpoint)}`, '--servername', 'localhost', ...ca, '--starttls', protocol, '--implementation', name);
      expect(result.code, `${name}: ${result.stdout}${result.stderr}`).toBe(0);
      expect(result.stdout).toContain(`with STARTTLS (${protocol})`);
      expect(result.stdout).toMatch(greeting);
      expect(result.stdout).toMatch(/version:\s+TLSv1\.[23]/);
      expect(result.stdout).toMatch(/0 subject:\s+CN=localhost/);
      expect(result.stdout).toContain('verification: OK');
    }
  });

  it('--starttls refuses a certificate for another name (exit 1, names listed)', async () => {
    const result = await run('connect', `127.0.0.1:${local.port('postfix.smtp')}`, '--servername', 'mail.wrong.test', ...ca, '--starttls', 'smtp');
    expect(result.code, result.stdout).toBe(1);
    expect(result.stdout).toMatch(/verification: FAILED \(hostname-mismatch/);
    expect(result.stdout).toContain("the certificate's names: DNS:localhost");
  });
});
