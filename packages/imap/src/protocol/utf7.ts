/** IMAP's modified UTF-7 for mailbox names (RFC 3501 §5.1.3): "Entwürfe" <-> "Entw&APw-rfe". */

export function encodeMailbox(name: string): string {
  let out = '';
  let pending: number[] = [];
  const flush = () => {
    if (pending.length === 0) return;
    const bytes = Buffer.alloc(pending.length * 2);
    pending.forEach((unit, i) => bytes.writeUInt16BE(unit, i * 2));
    out += `&${bytes.toString('base64').replace(/=+$/, '').replace(/\//g, ',')}-`;
    pending = [];
  };
  for (let i = 0; i < name.length; i++) {
    const unit = name.charCodeAt(i);
    if (unit >= 0x20 && unit <= 0x7e) {
      flush();
      out += unit === 0x26 ? '&-' : name[i];
    } else pending.push(unit);
  }
  flush();
  return out;
}

const BASE64 = /^[A-Za-z0-9+,]*$/;

/**
 * Decodes a name; a shift sequence that is not valid modified base64 is kept as sent. Linear in
 * the length: each "&" looks for its "-" once, and once none is left the rest is plain text (a
 * regular expression that rescans from every "&" took quadratic time on names full of them).
 */
export function decodeMailbox(encoded: string): string {
  // Pieces joined once at the end: appending to one growing string costs more per byte as it grows.
  const out: string[] = [];
  let from = 0;
  for (;;) {
    const amp = encoded.indexOf('&', from);
    if (amp < 0) break;
    const dash = encoded.indexOf('-', amp + 1);
    if (dash < 0) break;
    const base64 = encoded.slice(amp + 1, dash);
    if (amp > from) out.push(encoded.slice(from, amp));
    if (base64 === '') out.push('&');
    else if (!BASE64.test(base64)) out.push(encoded.slice(amp, dash + 1));
    else {
      const bytes = Buffer.from(base64.replace(/,/g, '/'), 'base64');
      out.push(bytes.subarray(0, bytes.length & ~1).swap16().toString('utf16le'));
    }
    from = dash + 1;
  }
  if (from === 0) return encoded;
  out.push(encoded.slice(from));
  return out.join('');
}
