/** EHLO reply parsing: the extensions a server offers, keyword -> parameters (RFC 5321 §4.1.1.1). */
export class Extensions {
  readonly #map = new Map<string, string>();

  constructor(lines: readonly string[] = []) {
    // The first line is the greeting name; each other line is "KEYWORD params".
    for (const line of lines.slice(1)) {
      const match = /^([A-Za-z0-9][A-Za-z0-9-]*)(?:[ =](.*))?$/.exec(line.trim());
      if (match === null) continue;
      const keyword = match[1]!.toLowerCase();
      // AUTH= is an old form of AUTH; keep the union of what both list.
      const value = (match[2] ?? '').trim();
      this.#map.set(keyword, this.#map.has(keyword) ? `${this.#map.get(keyword)} ${value}`.trim() : value);
    }
  }

  /** smtplib's has_extn: is `name` offered (case-insensitive)? */
  has(name: string): boolean {
    return this.#map.has(name.toLowerCase());
  }

  /** The parameters of an extension ('' when it has none), or undefined when not offered. */
  get(name: string): string | undefined {
    return this.#map.get(name.toLowerCase());
  }

  /** SASL mechanisms offered by AUTH, upper-cased. */
  get authMechanisms(): string[] {
    return (this.get('auth') ?? '').split(/\s+/).filter(Boolean).map((m) => m.toUpperCase());
  }

  /** The SIZE limit in bytes, or null when not offered or unlimited (0). */
  get sizeLimit(): number | null {
    const size = this.get('size');
    if (size === undefined) return null;
    const n = Number(size);
    return Number.isInteger(n) && n > 0 ? n : null;
  }

  entries(): IterableIterator<[string, string]> {
    return this.#map.entries();
  }
}
