/**
 * Thrown for command-line mistakes (exit code 2). In a module of its own so that `unitls` can tell
 * a usage error without loading the connect code (`--version` and `--help` load nothing else).
 */
export class UsageError extends Error {
  readonly code = 'UNITLS_CLI_USAGE';
  override name = 'UsageError';
}
