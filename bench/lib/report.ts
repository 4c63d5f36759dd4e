// Markdown for results: one table per benchmark, and a note on the machine and its load.
import { execFileSync } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { pool, summarize, type Outcome, type Row, type Stat } from './harness.js';

const ratio = (s: Stat | null) => (s === null ? '-' : s.median.toFixed(2));
/** The interquartile range: under a shared machine's load, min–max mostly shows the outliers. */
const spread = (s: Stat | null) => (s === null ? '-' : `${s.q1.toFixed(2)}–${s.q3.toFixed(2)}`);

function perUnit(seconds: number | null, unit: string): string {
  if (seconds === null) return '-';
  return seconds >= 1e-3 ? `${(seconds * 1e3).toFixed(2)} ms/${unit}` : `${(seconds * 1e6).toFixed(1)} µs/${unit}`;
}

function rate(s: Stat | null, unit: string): string {
  if (s === null) return '-';
  return `${s.median.toFixed(s.median < 100 ? 1 : 0)} ${unit}/s`;
}

/**
 * A table for one benchmark. With several runs of it, their rounds are pooled, and a last column
 * lists each run's own median ratio (the run-to-run spread).
 */
export function table(runs: Outcome[], rounds: number): string {
  const outcome = pool(runs);
  const perRun = runs.length > 1 ? runs.map(summarize) : null;
  const rows = summarize(outcome);
  const cpuWho = outcome.cpu === 'client+server' ? 'client + server CPU (both ends are the contender)' : 'client CPU (the server is the same program in every row)';
  const lines = [
    `### ${outcome.title}`,
    '',
    `${+outcome.units.toFixed(2)} ${outcome.unit} per run, ${rounds} rounds${runs.length > 1 ? ` × ${runs.length} runs` : ''}, order rotated; ratios are paired per round: median and interquartile range (spread). Rate ratio: higher is better. CPU ratio (${cpuWho} per ${outcome.unit}): lower is better.`,
    '',
    `| row | anchor | rate | ratio | ratio spread | client CPU | server CPU | CPU ratio | CPU spread |${perRun ? ' per run: ratio / CPU ratio |' : ''}`,
    `|---|---|---|---|---|---|---|---|---|${perRun ? '---|' : ''}`,
  ];
  rows.forEach((row) => {
    if (row.error !== undefined && row.rate === null) {
      lines.push(`| ${row.name} | ${row.anchor} | fails: ${row.error.replaceAll('|', '/')} | | | | | | |${perRun ? ' |' : ''}`);
      return;
    }
    const own = (rows: Row[]) => rows.find((r) => r.name === row.name && r.anchor === row.anchor);
    const runsColumn = perRun ? ` ${perRun.map((r) => `${ratio(own(r)?.ratio ?? null)} / ${ratio(own(r)?.cpuRatio ?? null)}`).join(', ')} |` : '';
    lines.push(
      `| ${row.name} | ${row.anchor} | ${rate(row.rate, outcome.unit)} | ${ratio(row.ratio)} | ${spread(row.ratio)} | ${perUnit(row.clientCpu, outcome.unit)} | ${perUnit(row.serverCpu, outcome.unit)} | ${ratio(row.cpuRatio)} | ${spread(row.cpuRatio)} |${runsColumn}`,
    );
  });
  return lines.join('\n');
}

export function load(): string {
  return loadavg()
    .map((n) => n.toFixed(2))
    .join(' ');
}

export function machine(): string {
  const git = (args: string[]) => execFileSync('git', args, { encoding: 'utf8' }).trim();
  const dirty = git(['status', '--porcelain', '--', 'packages']) === '' ? '' : ' (packages/ modified)';
  return `packages/ at commit ${git(['log', '-1', '--format=%h', '--', 'packages'])}${dirty}; ${cpus().length} × ${cpus()[0]?.model ?? 'CPU'}; Node ${process.version}, OpenSSL ${process.versions.openssl}`;
}

/** Each unitls row against its own first anchor (contenders that are themselves anchors left out), runs pooled. */
function headlineRows(byBench: Outcome[][]): Array<{ id: string; row: Row }> {
  return byBench.flatMap((runs) => {
    const outcome = pool(runs);
    const anchors = new Set(outcome.rows.flatMap((r) => r.anchors));
    const first = new Map(outcome.rows.map((r) => [r.name, r.anchors[0]]));
    return summarize(outcome)
      .filter((row) => !anchors.has(row.name) && first.get(row.name) === row.anchor)
      .map((row) => ({ id: outcome.id, row }));
  });
}

const failed = (row: Row) => row.error !== undefined && row.rate === null;

/** The compact view for issue notes: {@link headlineRows} with medians and spreads. */
export function headline(byBench: Outcome[][]): string {
  const lines = ['| benchmark | row | anchor | ratio | ratio spread | CPU ratio | CPU spread |', '|---|---|---|---|---|---|---|'];
  for (const { id, row } of headlineRows(byBench)) {
    const cells = failed(row) ? [`fails: ${row.error}`, '', '', ''] : [ratio(row.ratio), spread(row.ratio), ratio(row.cpuRatio), spread(row.cpuRatio)];
    lines.push(`| ${id} | ${row.name} | ${row.anchor} | ${cells.join(' | ')} |`);
  }
  return lines.join('\n');
}

/** Before/after of the headline rows (matched by benchmark, row and anchor), for the closing note of a performance issue. */
export function compare(before: Outcome[][], after: Outcome[][]): string {
  const cell = (row: Row | undefined, pick: (r: Row) => Stat | null) => (row === undefined ? 'absent' : failed(row) ? 'fails' : `${ratio(pick(row))} (${spread(pick(row))})`);
  const old = new Map(headlineRows(before).map(({ id, row }) => [`${id}|${row.name}|${row.anchor}`, row]));
  const lines = ['| benchmark | row | anchor | ratio before | ratio after | CPU ratio before | CPU ratio after |', '|---|---|---|---|---|---|---|'];
  for (const { id, row } of headlineRows(after)) {
    const was = old.get(`${id}|${row.name}|${row.anchor}`);
    lines.push(`| ${id} | ${row.name} | ${row.anchor} | ${cell(was, (r) => r.ratio)} | ${cell(row, (r) => r.ratio)} | ${cell(was, (r) => r.cpuRatio)} | ${cell(row, (r) => r.cpuRatio)} |`);
  }
  return lines.join('\n');
}
