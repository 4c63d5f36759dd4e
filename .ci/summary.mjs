// Prints "N passed, N failed" from vitest's JSON report. Test files that failed to load count as
// failures (they hold tests nobody ran); a missing report after a failed command counts as one.
import { existsSync, readFileSync } from 'node:fs';

const [reportPath, status] = process.argv.slice(2);
let passed = 0;
let failed = 0;
if (existsSync(reportPath)) {
  const report = JSON.parse(readFileSync(reportPath, 'utf8'));
  for (const file of report.testResults ?? []) {
    const tests = file.assertionResults ?? [];
    passed += tests.filter((t) => t.status === 'passed').length;
    failed += tests.filter((t) => t.status === 'failed').length;
    if (file.status === 'failed' && tests.every((t) => t.status !== 'failed')) failed += 1;
  }
  failed += report.numRuntimeErrors ?? 0;
} else if (status !== '0') {
  failed = 1;
}
if (status !== '0' && failed === 0) failed = 1;
console.log(`${passed} passed, ${failed} failed`);
process.exitCode = failed === 0 ? 0 : 1;
