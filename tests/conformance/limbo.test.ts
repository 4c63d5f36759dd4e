import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { chainOf, pki } from '../support/fixtures.js';
import { conformanceImplementations as implementations } from './implementations.js';
import { loadLimbo, runCase, type Outcome } from './limbo.js';

const cases = loadLimbo();
const documented = readFileSync(fileURLToPath(new URL('./LIMBO.md', import.meta.url)), 'utf8');

/** Implementations whose validator is another's (LIMBO.md lists its disagreements once, under that one). */
const SAME_VALIDATOR: Readonly<Record<string, string>> = { 'pure-noble': 'pure' };

/** `| implementation | case id | ...` rows of LIMBO.md's disagreement table. */
function documentedDisagreements(implementation: string): string[] {
  const listed = SAME_VALIDATOR[implementation] ?? implementation;
  return [...documented.matchAll(/^\| (\S+) \| `([^`]+)` \|/gm)].filter((m) => m[1] === listed).map((m) => m[2]!);
}

/**
 * pure-opensslaead is 'pure' with its record AEAD from tls-openssl: the same validator over the same
 * node:crypto signature checks, so its run would repeat 'pure''s case for case.
 */
const LIMBO_IMPLEMENTATIONS = implementations.filter((i) => i.name !== 'pure-opensslaead');

describe.each(LIMBO_IMPLEMENTATIONS.map((i) => [i.name, i] as const))('x509-limbo (%s)', (name, implementation) => {
  it('agrees with every case it can express, except the ones documented in LIMBO.md', { timeout: 300_000 }, async () => {
    const context = {
      ec: { cert: pki.pem('server-ec', 'chain.crt'), key: pki.pem('server-ec', 'key') },
      rsa: { cert: pki.pem('server-rsa', 'chain.crt'), key: pki.pem('server-rsa', 'key') },
      serverChain: chainOf('server-ec'),
      client: { cert: pki.pem('client', 'chain.crt'), key: pki.pem('client', 'key') },
    };
    const results: Array<{ id: string; expected: string; outcome: Outcome }> = [];
    for (const test of cases) results.push({ id: test.id, expected: test.expected_result, outcome: await runCase(test, implementation, context) });

    const ran = results.filter((r) => r.outcome.kind === 'ran');
    const disagree = ran.filter((r) => r.outcome.kind === 'ran' && r.outcome.result !== r.expected);
    const skipped = results.filter((r) => r.outcome.kind === 'skipped');
    const skipReasons = new Map<string, number>();
    for (const r of skipped) if (r.outcome.kind === 'skipped') skipReasons.set(r.outcome.reason, (skipReasons.get(r.outcome.reason) ?? 0) + 1);

    console.log(
      [
        '',
        '| implementation | cases | agree | disagree | skipped |',
        '|---|---|---|---|---|',
        `| ${name} | ${results.length} | ${ran.length - disagree.length} | ${disagree.length} | ${skipped.length} |`,
        '',
        ...[...skipReasons].map(([reason, count]) => `skipped ${count}: ${reason}`),
        ...disagree.map((r) => `disagree: ${r.id} expected ${r.expected}, got ${r.outcome.kind === 'ran' ? `${r.outcome.result} (${r.outcome.detail})` : ''}`),
      ].join('\n'),
    );
    expect(disagree.map((r) => r.id).sort()).toEqual(documentedDisagreements(name).sort());
    expect(ran.length + skipped.length).toBe(cases.length);
  });
});
