/**
 * The operating system's trust store, read from the files where OpenSSL-based software finds it
 * (the same places and environment variables as OpenSSL and Go's crypto/x509), read and indexed
 * once and kept for the life of the process; each root is decoded only when a chain names it as
 * its issuer (trust-anchors.ts, `lazy`).
 *
 * @module
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigurationError } from '@unitls/tls-core';
import { certificatesIn } from './pem.js';
import { TrustAnchors } from './trust-anchors.js';

/** Bundle files, most common first (Go's crypto/x509 root_linux.go and root_bsd.go list the same). */
export const SYSTEM_BUNDLE_FILES: readonly string[] = Object.freeze([
  '/etc/ssl/certs/ca-certificates.crt', // Debian, Ubuntu, Gentoo, Arch
  '/etc/pki/tls/certs/ca-bundle.crt', // Fedora, RHEL 6
  '/etc/ssl/ca-bundle.pem', // openSUSE
  '/etc/pki/tls/cacert.pem', // OpenELEC
  '/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem', // CentOS, RHEL 7
  '/etc/ssl/cert.pem', // Alpine, macOS, FreeBSD, OpenBSD
]);

/** Directories of one-certificate files, used when no bundle file exists. */
export const SYSTEM_DIRECTORIES: readonly string[] = Object.freeze(['/etc/ssl/certs', '/etc/pki/tls/certs', '/system/etc/security/cacerts']);

// Bounds on what a directory may make the process read.
const MAX_FILE_SIZE = 16 * 1024 * 1024;
const MAX_DIRECTORY_ENTRIES = 10_000;

/** Where the store is read from, given the environment. */
export function systemStoreSources(env: Record<string, string | undefined> = process.env): { files: string[]; directories: string[] } {
  const file = env['SSL_CERT_FILE'];
  const dirs = env['SSL_CERT_DIR'];
  if (file || dirs) {
    return { files: file ? [file] : [], directories: dirs ? dirs.split(':').filter((dir) => dir.length > 0) : [] };
  }
  const bundle = SYSTEM_BUNDLE_FILES.find(isFile);
  if (bundle !== undefined) return { files: [bundle], directories: [] };
  const directory = SYSTEM_DIRECTORIES.find(isDirectory);
  return { files: [], directories: directory === undefined ? [] : [directory] };
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function readBounded(path: string): Uint8Array | null {
  try {
    const stat = statSync(path);
    if (!stat.isFile() || stat.size > MAX_FILE_SIZE) return null;
    return readFileSync(path);
  } catch {
    return null;
  }
}

function certificatesFrom(sources: { files: string[]; directories: string[] }): Uint8Array[] {
  const found: Uint8Array[] = [];
  for (const file of sources.files) {
    const data = readBounded(file);
    if (data !== null) found.push(...certificatesIn(data).certificates);
  }
  for (const directory of sources.directories) {
    let entries: string[];
    try {
      entries = readdirSync(directory).slice(0, MAX_DIRECTORY_ENTRIES).sort();
    } catch {
      continue;
    }
    for (const entry of entries) {
      const data = readBounded(join(directory, entry));
      if (data !== null) found.push(...certificatesIn(data).certificates);
    }
  }
  return found;
}

let cached: { key: string; anchors: TrustAnchors } | undefined;

/**
 * The operating system's trust anchors: `SSL_CERT_FILE` and/or `SSL_CERT_DIR` (colon-separated)
 * when set, else the first of {@link SYSTEM_BUNDLE_FILES} that exists, else the first of
 * {@link SYSTEM_DIRECTORIES}. Read and indexed by subject on first use (a few milliseconds for
 * Debian's ~140 roots) and cached until the sources change; a root is decoded when a chain first
 * names it as its issuer, and kept decoded. Certificates that do not decode are skipped (then,
 * or when first needed); the anchors are not held to the CA profile (see
 * {@link TrustAnchors.checkProfile}).
 *
 * @throws ConfigurationError when no store is found or it holds no usable certificate (set
 *   SSL_CERT_FILE, or use TrustStore.fromFile).
 */
export function systemTrustAnchors(env: Record<string, string | undefined> = process.env): TrustAnchors {
  const sources = systemStoreSources(env);
  const key = JSON.stringify(sources);
  if (cached?.key === key) return cached.anchors;
  const anchors = TrustAnchors.fromDer(certificatesFrom(sources), { lazy: true, checkProfile: false });
  if (anchors.size === 0) {
    const where = [...sources.files, ...sources.directories];
    throw new ConfigurationError(
      `TrustStore.system(): no trusted certificate found ${where.length > 0 ? `in ${where.join(', ')}` : `(looked for ${SYSTEM_BUNDLE_FILES.join(', ')})`}; set SSL_CERT_FILE or use TrustStore.fromFile()`,
    );
  }
  cached = { key, anchors };
  return anchors;
}
