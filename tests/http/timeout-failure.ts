/** The HTTPTimeoutError a request on `connection` ends with (the timeout tests: connect, tunnel). */
import type { HTTPConnection, HTTPTimeoutError } from '@unitls/http';

export async function timeoutFailure(connection: HTTPConnection): Promise<HTTPTimeoutError> {
  connection.request('GET', '/');
  return connection.getresponse().then(
    () => {
      throw new Error('answered, though it should have timed out');
    },
    (e: unknown) => e as HTTPTimeoutError,
  );
}
