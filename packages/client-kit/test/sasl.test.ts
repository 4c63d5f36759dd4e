import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { ClientProtocolError, ClientUsageError, credentialsAdvice, decodeSasl, encodeSasl, mechanismFor, preferredMechanisms, type SaslMechanism } from '../src/mod.js';

const text = (bytes: Uint8Array | null) => (bytes === null ? null : Buffer.from(bytes).toString('utf8'));
const ascii = (s: string) => Buffer.from(s, 'utf8');

// RFC 7677 §3: user "user", password "pencil".
const VECTOR = {
  nonce: 'rOprNGfwEbeRWgbNEkqO',
  clientFirst: 'n,,n=user,r=rOprNGfwEbeRWgbNEkqO',
  serverFirst: 'r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096',
  clientFinal: 'c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=',
  serverFinal: 'v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=',
};

const scram = (options: { password?: string; user?: string; maxScramIterations?: number } = {}): SaslMechanism =>
  mechanismFor('SCRAM-SHA-256', { user: options.user ?? 'user', password: options.password ?? 'pencil' }, { nonce: VECTOR.nonce, ...options })!;

describe('SCRAM-SHA-256', () => {
  it("matches RFC 7677's test vector and verifies the server signature", () => {
    const m = scram();
    expect(text(m.initialResponse())).toBe(VECTOR.clientFirst);
    expect(text(m.respond(ascii(VECTOR.serverFirst)))).toBe(VECTOR.clientFinal);
    expect(m.respond(ascii(VECTOR.serverFinal))).toHaveLength(0);
    expect(() => m.complete()).not.toThrow();
  });

  it('starts with the client-first message when the server opens with an empty challenge (no SASL-IR)', () => {
    expect(text(scram().respond(new Uint8Array(0)))).toBe(VECTOR.clientFirst);
  });

  it('refuses a server that cannot prove it knows the password', () => {
    const m = scram();
    m.initialResponse();
    m.respond(ascii(VECTOR.serverFirst));
    expect(() => m.respond(ascii('v=AAAATRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4='))).toThrow(/server signature mismatch/);
    expect(() => m.complete()).toThrow(ClientProtocolError);
  });

  it('refuses success without a server signature', () => {
    const m = scram();
    m.initialResponse();
    m.respond(ascii(VECTOR.serverFirst));
    expect(() => m.complete()).toThrow(/without proving/);
    const withData = scram();
    withData.initialResponse();
    withData.respond(ascii(VECTOR.serverFirst));
    expect(() => withData.complete(ascii(VECTOR.serverFinal))).not.toThrow(); // server-final carried with the success
  });

  it.each([
    ['an iteration count over the cap', VECTOR.serverFirst.replace('i=4096', 'i=100001'), /more than the limit of 100000/],
    ['a nonce that does not extend ours', VECTOR.serverFirst.replace('r=rOprNGfwEbeRWgbNEkqO%', 'r=other%'), /nonce/],
    ['the nonce alone', VECTOR.serverFirst.replace('%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0', ''), /nonce/],
    ['a mandatory extension', `m=ext,${VECTOR.serverFirst}`, /extension/],
    ['a zero iteration count', VECTOR.serverFirst.replace('i=4096', 'i=0'), /positive integer/],
    ['garbage', 'hello world', /malformed/],
  ])('refuses %s', (_, serverFirst, message) => {
    const m = scram();
    m.initialResponse();
    expect(() => m.respond(ascii(serverFirst))).toThrow(message);
  });

  it('honours a lower iteration cap from the limits', () => {
    const m = scram({ maxScramIterations: 1000 });
    m.initialResponse();
    expect(() => m.respond(ascii(VECTOR.serverFirst))).toThrow(/limits.maxScramIterations/);
  });

  it('escapes = and , in the user name and applies SASLprep', () => {
    expect(text(scram({ user: 'a=b,c' }).initialResponse())).toBe(`n,,n=a=3Db=2Cc,r=${VECTOR.nonce}`);
    expect(text(scram({ user: 'I\u00ADX' }).initialResponse())).toBe(`n,,n=IX,r=${VECTOR.nonce}`); // soft hyphen maps to nothing
    expect(() => scram({ password: 'pen\u0007cil' })).toThrow(ClientUsageError);
  });

  it("computes what Python's hashlib/hmac compute for the same exchange (an independent implementation)", () => {
    const serverFirst = `r=${VECTOR.nonce}srv,s=${Buffer.from('salty').toString('base64')},i=4096`;
    const m = mechanismFor('SCRAM-SHA-256', { user: 'alice', password: 'pässwörd' }, { nonce: VECTOR.nonce })!;
    m.initialResponse();
    const clientFinal = text(m.respond(ascii(serverFirst)))!;
    const python = `
import base64, hashlib, hmac, sys, unicodedata
nonce, server_first, password = sys.argv[1], sys.argv[2], sys.argv[3]
salt = base64.b64decode(server_first.split(',')[1][2:])
salted = hashlib.pbkdf2_hmac('sha256', unicodedata.normalize('NFKC', password).encode(), salt, 4096)
client_key = hmac.new(salted, b'Client Key', 'sha256').digest()
stored = hashlib.sha256(client_key).digest()
without_proof = 'c=biws,r=' + server_first.split(',')[0][2:]
auth = 'n=alice,r=' + nonce + ',' + server_first + ',' + without_proof
sig = hmac.new(stored, auth.encode(), 'sha256').digest()
proof = bytes(a ^ b for a, b in zip(client_key, sig))
server_sig = hmac.new(hmac.new(salted, b'Server Key', 'sha256').digest(), auth.encode(), 'sha256').digest()
print(without_proof + ',p=' + base64.b64encode(proof).decode())
print('v=' + base64.b64encode(server_sig).decode())
`;
    const [expectedFinal, serverFinal] = execFileSync('python3', ['-c', python, VECTOR.nonce, serverFirst, 'pässwörd'], { encoding: 'utf8' }).trim().split('\n');
    expect(clientFinal).toBe(expectedFinal);
    m.respond(ascii(serverFinal!));
    expect(() => m.complete()).not.toThrow();
  });
});

describe('PLAIN, LOGIN, CRAM-MD5, XOAUTH2', () => {
  it('build what the RFCs say', () => {
    expect(text(mechanismFor('PLAIN', { user: 'tim', password: 'tanstaaf' })!.initialResponse())).toBe('\0tim\0tanstaaf');
    expect(text(mechanismFor('plain', { user: 'tim', password: 'x', authzid: 'admin' })!.initialResponse())).toBe('admin\0tim\0x');
    const login = mechanismFor('LOGIN', { user: 'tim', password: 'secret' })!;
    expect(login.initialResponse()).toBeNull();
    expect([text(login.respond(ascii('Username:'))), text(login.respond(ascii('Password:')))]).toEqual(['tim', 'secret']);
    // RFC 2195 §2's example.
    const cram = mechanismFor('CRAM-MD5', { user: 'tim', password: 'tanstaaftanstaaf' })!;
    expect(text(cram.respond(ascii('<1896.697170952@postoffice.reston.mci.net>')))).toBe('tim b913a602c7eda7a495b4e6e7334d3890');
    expect(text(mechanismFor('XOAUTH2', { user: 'a@x', accessToken: 'tok' })!.initialResponse())).toBe('user=a@x\x01auth=Bearer tok\x01\x01');
  });

  it.each(['PLAIN', 'LOGIN', 'CRAM-MD5', 'SCRAM-SHA-256'])('%s refuses NUL in the user name and the password', (name) => {
    expect(() => mechanismFor(name, { user: 'a\0b', password: 'x' })).toThrow(ClientUsageError);
    expect(() => mechanismFor(name, { user: 'a', password: 'x\0admin' })).toThrow(/NUL/);
  });

  it('XOAUTH2 refuses NUL and \\x01 in the user and token', () => {
    expect(() => mechanismFor('XOAUTH2', { user: 'a\x01', accessToken: 't' })).toThrow(ClientUsageError);
    expect(() => mechanismFor('XOAUTH2', { user: 'a', accessToken: 't\x01auth=x' })).toThrow(ClientUsageError);
  });

  it('is null for unknown mechanisms or missing credentials, and prefers the strongest', () => {
    expect(mechanismFor('GSSAPI', { user: 'a', password: 'b' })).toBeNull();
    expect(mechanismFor('PLAIN', { user: 'a', accessToken: 't' })).toBeNull();
    expect(preferredMechanisms(['login', 'PLAIN', 'SCRAM-SHA-256', 'XOAUTH2'], { user: 'a', password: 'b' })).toEqual(['SCRAM-SHA-256', 'PLAIN', 'LOGIN']);
    expect(preferredMechanisms(['PLAIN', 'XOAUTH2'], { user: 'a', accessToken: 't' })).toEqual(['XOAUTH2']);
  });

  it('encodes and decodes base64 as the protocols want', () => {
    expect(encodeSasl(new Uint8Array(0), '=')).toBe('=');
    expect(encodeSasl(ascii('\0a\0b'))).toBe('AGEAYg==');
    expect(decodeSasl('AGEAYg==').toString('latin1')).toBe('\0a\0b');
    expect(decodeSasl('')).toHaveLength(0);
    expect(() => decodeSasl('not base64!')).toThrow(ClientProtocolError);
  });
});

// ux16: what the SMTP, IMAP4 and POP3 authentication errors end with.
describe('credentialsAdvice', () => {
  it('names the mechanism and what to check, the access token for XOAUTH2', () => {
    expect(credentialsAdvice('PLAIN')).toBe('the server refused the credentials given with PLAIN: check the user name and password');
    expect(credentialsAdvice('XOAUTH2')).toBe('the server refused the credentials given with XOAUTH2: check the user name and the access token (unexpired, granted for mail)');
  });
});
