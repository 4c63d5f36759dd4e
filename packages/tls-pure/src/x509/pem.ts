/**
 * PEM armor (RFC 7468) around DER certificates, as trust-store bundles hold them.
 *
 * @module
 */

const BLOCK = /-----BEGIN (CERTIFICATE|X509 CERTIFICATE)-----([\s\S]*?)-----END \1-----/g;

function base64(text: string): Uint8Array | null {
  const compact = text.replace(/[\s]+/g, '');
  if (compact.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(compact)) return null;
  const binary = atob(compact);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/**
 * The DER certificates in `data`: one DER certificate (it starts with a SEQUENCE tag), or the
 * CERTIFICATE blocks of PEM text, in order. Text outside the blocks (bundle comments) is ignored.
 * OpenSSL's TRUSTED CERTIFICATE blocks are not read: their trust settings cannot be honoured here.
 *
 * @returns the certificates and the number of blocks whose base64 was malformed.
 */
export function certificatesIn(data: Uint8Array): { certificates: Uint8Array[]; malformed: number } {
  if (data[0] === 0x30) return { certificates: [data], malformed: 0 };
  const text = new TextDecoder('latin1').decode(data);
  const certificates: Uint8Array[] = [];
  let malformed = 0;
  for (const match of text.matchAll(BLOCK)) {
    const der = base64(match[2]!);
    if (der === null) malformed++;
    else certificates.push(der);
  }
  return { certificates, malformed };
}
