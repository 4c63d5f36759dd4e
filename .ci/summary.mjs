// Prints "N passed, N failed" from vitest's JSON report. Every test that did not pass counts as
// failed: a test reported "skipped", "pending" or "todo" did not run (this project skips nothing,
// so such a test sits in a file whose setup failed, e.g. a missing server). A test file that failed
// to load counts as one failure (it holds tests nobody ran), as do runtime errors, and a missing
// report after a failed command. Extra reports (the runtime matrix) are counted the same way.
import { existsSync, readFileSync } from 'node:fs';

const [reportPath, status, ...extraReports] = process.argv.slice(2);
let passed = 0;
let failed = 0;
const notRun = [];
for (const path of [reportPath, ...extraReports]) {
  if (!existsSync(path)) {
    if (path !== reportPath) {
      failed += 1;
      notRun.push(`${path}: no report`);
    }
    continue;
  }
  const report = JSON.parse(readFileSync(path, 'utf8'));
  for (const file of report.testResults ?? []) {
    const tests = file.assertionResults ?? [];
    passed += tests.filter((t) => t.status === 'passed').length;
    const didNotPass = tests.filter((t) => t.status !== 'passed');
    failed += didNotPass.length;
    const unrun = didNotPass.filter((t) => t.status !== 'failed').length;
    if (unrun > 0) notRun.push(`${file.name}: ${unrun} test(s) did not run${file.message ? ` (${String(file.message).split('\n')[0]})` : ''}`);
    if (file.status === 'failed' && didNotPass.length === 0) {
      // A file that failed to load, or whose cleanup failed after every test passed.
      failed += 1;
      notRun.push(`${file.name}: ${tests.length === 0 ? 'failed to load' : 'failed outside its tests'}${file.message ? ` (${String(file.message).split('\n')[0]})` : ''}`);
    }
  }
  failed += report.numRuntimeErrors ?? 0;
}
if (!existsSync(reportPath) && status !== '0') failed += 1;
if (status !== '0' && failed === 0) failed = 1;
for (const line of notRun) console.log(`not run: ${line}`);
console.log(`${passed} passed, ${failed} failed`);
process.exitCode = failed === 0 ? 0 : 1;
