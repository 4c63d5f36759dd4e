/**
 * `npm run examples -- TARGET...`: runs README examples, or your own program, against local
 * servers standing in for the hosts the READMEs name (mail.example.org, ftp.example.org,
 * example.org, ...), as tests/docs/readme-examples.test.ts does. Each TARGET is
 *
 * - a README (`packages/smtp/README.md`): each of its examples;
 * - a README and the line of an example's opening fence (`packages/smtp/README.md:11`): that one;
 * - a program of yours (`.mts`, `.ts`, `.mjs`, `.js`): run with every README host routed, in a
 *   folder holding the files the examples read (ca.pem, client.pem, big.iso, ...).
 *
 * The servers are Postfix, Dovecot, vsftpd, nginx, openssl s_server and a CONNECT proxy (Debian
 * packages; the mail and FTP servers need root), on ephemeral ports, with the accounts alice and
 * bob, password `secret`. Exits 0 when every target ran to its end and printed what its README
 * says it prints, 1 otherwise, 2 for a target that is not one.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { generatePki, Pki } from '../../support/pki.js';
import type { LocalServers } from '../../support/local-servers.js';
import { allExamples, readmes, type Example } from '../examples.js';
import { fixtureFolder, root, routesOf, runExample, runReadmeExample, startExampleServers, type ExampleRun } from './harness.js';

const USAGE = `usage: npm run examples -- TARGET...
  TARGET: a README (packages/smtp/README.md), a README:LINE of an example's opening \`\`\`ts/\`\`\`js fence,
          or your own program (.mts/.ts/.mjs/.js), run with every README host routed to a local server`;

type Target = { kind: 'example'; example: Example } | { kind: 'program'; file: string };

/** The targets an argument names; throws a message for one that names nothing runnable. */
function targetsOf(argument: string, examples: readonly Example[]): Target[] {
  const [, path, line] = /^(.*?)(?::(\d+))?$/.exec(argument)!;
  const absolute = resolve(process.env.INIT_CWD ?? process.cwd(), path!);
  const readme = relative(root, absolute);
  if (readmes(root).includes(readme)) {
    const own = examples.filter((e) => e.readme === readme);
    if (line === undefined) {
      if (own.length === 0) throw new Error(`${readme} has no example (a \`\`\`ts or \`\`\`js block)`);
      return own.map((example) => ({ kind: 'example', example }));
    }
    const example = own.find((e) => e.line === Number(line));
    if (example === undefined) throw new Error(`${readme}:${line} is not the opening fence of an example; its examples start at lines ${own.map((e) => e.line).join(', ') || '(none)'}`);
    return [{ kind: 'example', example }];
  }
  if (line === undefined && /\.[mc]?[tj]s$/.test(absolute) && !absolute.endsWith('.cjs') && !absolute.endsWith('.cts')) {
    if (!existsSync(absolute)) throw new Error(`${argument}: no such file`);
    return [{ kind: 'program', file: absolute }];
  }
  throw new Error(`${argument} is neither a README with examples (${readmes(root).join(', ')}) nor a program (.mts, .ts, .mjs, .js)`);
}

async function main(args: string[]): Promise<number> {
  if (args.length === 0 || args.includes('--help') || args.includes('-h')) {
    console.error(USAGE);
    return args.length === 0 ? 2 : 0;
  }
  const examples = allExamples(root);
  let targets: Target[];
  try {
    targets = args.flatMap((argument) => targetsOf(argument, examples));
  } catch (error) {
    console.error(`${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  // A program of yours gets every route the READMEs use; README examples only theirs.
  const needed = targets.some((t) => t.kind === 'program') ? examples : targets.flatMap((t) => (t.kind === 'example' ? [t.example] : []));
  // Under the repository, so that a README example's imports find the workspace's packages.
  mkdirSync(join(root, 'tests/.readme-examples'), { recursive: true });
  const work = mkdtempSync(join(root, 'tests/.readme-examples/try-'));
  let servers: LocalServers | undefined;
  let failed = 0;
  const pki = new Pki(await generatePki());
  try {
    console.error(`starting local servers for ${[...new Set(Object.values(routesOf(needed)))].join(', ') || 'nothing'} ...`);
    servers = await startExampleServers(needed, pki);
    const print = (stream: 'stdout' | 'stderr', text: string) => process[stream].write(text);
    for (const [i, target] of targets.entries()) {
      const dir = fixtureFolder(join(work, `run-${i}`), pki);
      let result: ExampleRun;
      let expected: string[] = [];
      if (target.kind === 'example') {
        const { example } = target;
        console.log(`\n== ${example.readme}:${example.line} (${example.lang}) ==`);
        expected = example.expect;
        result = await runReadmeExample(example, dir, servers, print);
      } else {
        const routes = Object.fromEntries(Object.entries(routesOf(examples)).map(([host, server]) => [host, servers!.port(server)]));
        console.log(`\n== ${target.file} (in ${dir}; routed: ${Object.keys(routes).join(', ')}) ==`);
        result = await runExample({ file: target.file, cwd: dir, routes, onOutput: print, untilExit: true });
      }
      const missing = expected.filter((text) => !result.stdout.includes(text));
      const verdict = result.finished && result.code === 0 && missing.length === 0;
      if (!verdict) failed++;
      const stillOpen = target.kind === 'program' ? ': still running after 90 s (close its sockets, or end it with process.exit())' : '';
      const why = result.code === null ? `timed out${stillOpen}` : !result.finished ? `exited with ${result.code} before its end` : missing.length > 0 ? `did not print ${missing.map((t) => JSON.stringify(t)).join(', ')}` : '';
      console.log(verdict ? '== ok ==' : `== FAILED: ${why} ==`);
    }
  } finally {
    await servers?.stop();
    rmSync(work, { recursive: true, force: true });
    rmSync(pki.dir, { recursive: true, force: true });
  }
  console.log(`\n${targets.length - failed} passed, ${failed} failed`);
  return failed === 0 ? 0 : 1;
}

process.exitCode = await main(process.argv.slice(2));
