/**
 * Every regular expression in packages/<name>/src is free of super-linear backtracking.
 *
 * Why: a peer (server, proxy, file) controls most strings these packages match, and one
 * polynomial regex is a denial of service: response-head.ts's field pattern (three overlapping
 * SP/HTAB runs) blocked the event loop 130 s on a header of 4,000 spaces then a control character
 * (fixed in 1eb467e). This test finds the whole kind, not that example.
 *
 * How: the TypeScript compiler API lists every RegularExpressionLiteral and every
 * `new RegExp(<string literal>[, <string literal>])` in packages/<name>/src (tests excluded);
 * recheck (https://makenowjust-labs.github.io/recheck/, automaton checker: exact for regexes
 * without back-references and look-arounds, fuzzing otherwise) classifies each one. A regex
 * flagged polynomial or exponential fails the test with file:line, the complexity and recheck's
 * attack string; a regex recheck cannot decide also fails, so nothing passes unexamined.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

// The pure (Scala.js) backend runs in this process: no JVM, no native agent left running.
process.env['RECHECK_BACKEND'] = 'pure';
const { check } = await import('recheck');

const root = fileURLToPath(new URL('../..', import.meta.url));

const LOCAL_PEM =
  "input is the application's own configuration (key and certificate files, CA bundles), never a peer's; " +
  'quadratic only on repeated BEGIN lines without an END (216 KB of them: 1 s of CPU in V8, measured 2026-11-30)';

/**
 * Regexes recheck flags or cannot decide that are not a risk where they are used, keyed
 * `<path>:<source>`, with the reason. They are not checked again (they cost most of recheck's time).
 */
const ALLOWED: ReadonlyMap<string, string> = new Map([
  ['packages/imap/src/protocol/utf7.ts:=+$', "its input is Buffer#toString('base64') output, which ends in at most two '='"],
  ['packages/ssl-compat/src/pem.ts:-----BEGIN CERTIFICATE-----[\\s\\S]+?-----END CERTIFICATE-----', LOCAL_PEM],
  ['packages/tls-node/src/material.ts:-----BEGIN CERTIFICATE-----[\\s\\S]+?-----END CERTIFICATE-----', LOCAL_PEM],
  ['packages/tls-node/src/material.ts:-----BEGIN (?:RSA |EC |ENCRYPTED )?PRIVATE KEY-----[\\s\\S]+?-----END (?:RSA |EC |ENCRYPTED )?PRIVATE KEY-----', LOCAL_PEM],
  ['packages/tls-pure/src/crypto/noble.ts:-----BEGIN (EC |RSA |)PRIVATE KEY-----([\\s\\S]+?)-----END \\1PRIVATE KEY-----', LOCAL_PEM],
  ['packages/tls-pure/src/crypto/node.ts:-----BEGIN (?:RSA |EC )?PRIVATE KEY-----[\\s\\S]+?-----END (?:RSA |EC )?PRIVATE KEY-----', LOCAL_PEM],
  ['packages/tls-pure/src/x509/pem.ts:-----BEGIN (CERTIFICATE|X509 CERTIFICATE)-----([\\s\\S]*?)-----END \\1-----', LOCAL_PEM],
]);

interface Found {
  readonly where: string;
  readonly source: string;
  readonly flags: string;
}

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'node_modules' && entry.name !== 'test' && entry.name !== '__tests__') out.push(...sourceFiles(path));
    } else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') && !/\.(test|spec|bench)\.ts$/.test(entry.name)) {
      out.push(path);
    }
  }
  return out;
}

function regexesIn(path: string): Found[] {
  const text = readFileSync(path, 'utf8');
  const file = ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true);
  const found: Found[] = [];
  const at = (node: ts.Node): string => {
    const { line } = file.getLineAndCharacterOfPosition(node.getStart(file));
    return `${relative(root, path)}:${line + 1}`;
  };
  const visit = (node: ts.Node): void => {
    if (node.kind === ts.SyntaxKind.RegularExpressionLiteral) {
      const literal = node.getText(file);
      const end = literal.lastIndexOf('/');
      found.push({ where: at(node), source: literal.slice(1, end), flags: literal.slice(end + 1) });
    } else if (
      (ts.isNewExpression(node) || ts.isCallExpression(node)) &&
      ts.isIdentifier(node.expression) &&
      node.expression.text === 'RegExp'
    ) {
      const [pattern, flags] = node.arguments ?? [];
      if (pattern !== undefined && ts.isStringLiteralLike(pattern)) {
        const flagText = flags !== undefined && ts.isStringLiteralLike(flags) ? flags.text : '';
        found.push({ where: at(node), source: pattern.text, flags: flagText });
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return found;
}

const packages = join(root, 'packages');
const regexes = readdirSync(packages, { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .flatMap((entry) => {
    try {
      return sourceFiles(join(packages, entry.name, 'src'));
    } catch {
      return [];
    }
  })
  .flatMap(regexesIn);

describe('regular expressions in packages/*/src', () => {
  it('are found by the TypeScript parser (the scan is not vacuous)', () => {
    expect(regexes.length).toBeGreaterThan(20);
    expect(regexes.some((r) => r.where.startsWith('packages/http/src/'))).toBe(true);
  });

  it('none backtracks in polynomial or exponential time', { timeout: 600_000 }, async () => {
    const failures: string[] = [];
    for (const { where, source, flags } of regexes) {
      if (ALLOWED.has(`${where.replace(/:\d+$/, '')}:${source}`)) continue;
      const result = await check(source, flags, { timeout: 30_000 });
      if (result.status === 'safe') continue;
      if (result.status === 'vulnerable') {
        const c = result.complexity;
        const kind = c.type === 'polynomial' ? `polynomial (degree ${c.degree})` : c.type;
        failures.push(`${where} /${source}/${flags}: ${kind}; attack ${JSON.stringify(result.attack.pattern)}`);
      } else {
        failures.push(`${where} /${source}/${flags}: recheck could not decide (${JSON.stringify(result.error)})`);
      }
    }
    expect(failures).toEqual([]);
  });

  it('every allow-list entry still names a regex in the sources', () => {
    const present = new Set(regexes.map(({ where, source }) => `${where.replace(/:\d+$/, '')}:${source}`));
    expect([...ALLOWED.keys()].filter((key) => !present.has(key))).toEqual([]);
  });
});
