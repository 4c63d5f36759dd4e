/**
 * Runs one README example (argv[2]) as a module, then prints a line the test waits for: the
 * example's top level finished without throwing. Sockets it left open keep the process alive;
 * the test ends it once the expected output is there.
 */
import { pathToFileURL } from 'node:url';

await import(pathToFileURL(process.argv[2]).href);
process.stdout.write('\n[example finished]\n');
