/**
 * The slow link the mail upload tests (tests/smtp/slow-reader, tests/imap/slow-reader) send through:
 * a 9 MiB message, a throttle proxy that stops reading for STALL ms at 1 MiB and 3 MiB (each stall
 * under TIMEOUT, both together over it), and the message itself.
 */
export const TIMEOUT = 8000;
export const SIZE = 9 << 20;
export const STALL = 5000;
/** throttleProxy's options for the two stalls. */
export const SLOW = { stalls: [1 << 20, 3 << 20], stallMs: STALL };

/** A message of about SIZE bytes in numbered lines (none starts with a dot), unique by `marker`. */
export function numberedMessage(marker: string): string {
  const lines = [`Subject: ${marker}`, ''];
  let size = 0;
  for (let i = 0; size < SIZE; i++) {
    const line = `${marker} line ${i} ${'x'.repeat(60)}`;
    lines.push(line);
    size += line.length + 2;
  }
  return `${lines.join('\r\n')}\r\n`;
}
