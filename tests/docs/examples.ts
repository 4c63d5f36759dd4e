/**
 * README examples as the test suite runs them. Every ```ts and ```js block of the root README and
 * of every package README is an example; an HTML comment right before a block tells the runner
 * what the example needs (nothing, for an example that needs no server):
 *
 *     <!-- example
 *     route mail.example.org:587 postfix.submission
 *     listen 8443
 *     expect 250
 *     -->
 *
 * - `route HOST:PORT SERVER`: connections to HOST:PORT go to that local server (names in
 *   tests/support/local-servers.ts); the example still names HOST, which the servers' certificate
 *   covers (tests/support/pki.ts EXAMPLE_HOSTS) and the "system" trust store trusts.
 * - `listen PORT`: the example listens on PORT; it gets an ephemeral port instead.
 * - `expect TEXT`: TEXT must appear in what the example prints (one line each; several allowed).
 *
 * ```ts blocks run through tsx and are type-checked; ```js blocks run in plain Node, so they show
 * what works where `await using` does not (Node 20 and 22).
 */
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';

export interface Example {
  /** README path relative to the repository root. */
  readme: string;
  /** 1-based line of the opening fence. */
  line: number;
  lang: 'ts' | 'js';
  code: string;
  /** 'HOST:PORT' -> local server name. */
  routes: Record<string, string>;
  listen: number[];
  expect: string[];
}

/** The root README and every package's README, in a stable order. */
export function readmes(root: string): string[] {
  const packages = readdirSync(join(root, 'packages')).filter((name) => existsSync(join(root, 'packages', name, 'README.md')));
  return ['README.md', ...packages.sort().map((name) => `packages/${name}/README.md`)];
}

const BLOCK = /(?:<!--\s*example\b([\s\S]*?)-->\s*\n)?```(ts|js)\n([\s\S]*?)```/g;

export function parseDirectives(text: string, where: string): Pick<Example, 'routes' | 'listen' | 'expect'> {
  const directives: Pick<Example, 'routes' | 'listen' | 'expect'> = { routes: {}, listen: [], expect: [] };
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '') continue;
    const [keyword, ...rest] = line.split(/\s+/);
    if (keyword === 'route' && rest.length === 2 && /^[^:\s]+:\d+$/.test(rest[0]!)) directives.routes[rest[0]!] = rest[1]!;
    else if (keyword === 'listen' && rest.length === 1 && /^\d+$/.test(rest[0]!)) directives.listen.push(Number(rest[0]));
    else if (keyword === 'expect' && rest.length > 0) directives.expect.push(line.slice('expect'.length).trim());
    else throw new Error(`${where}: unknown example directive "${line}" (route HOST:PORT SERVER | listen PORT | expect TEXT)`);
  }
  return directives;
}

export function examplesOf(root: string, readme: string): Example[] {
  const text = readFileSync(join(root, readme), 'utf8');
  const examples: Example[] = [];
  for (const match of text.matchAll(BLOCK)) {
    const fence = match.index + match[0].indexOf('```');
    const line = text.slice(0, fence).split('\n').length;
    examples.push({ readme, line, lang: match[2] as 'ts' | 'js', code: match[3]!, ...parseDirectives(match[1] ?? '', `${readme}:${line}`) });
  }
  return examples;
}

export function allExamples(root: string): Example[] {
  return readmes(root).flatMap((readme) => examplesOf(root, readme));
}
