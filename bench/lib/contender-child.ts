// The process of one Node client contender (lib/remote.ts): `contender-child.ts <module> <factory>
// <params JSON>` builds the contender's run with that factory, says {ready}, then answers each
// {units} request with one run's {sample} or its {error}, one run at a time.
import type { Factory, Reply } from './remote.js';

const [module, factory, params] = process.argv.slice(2) as [string, string, string];
const make = ((await import(module)) as Record<string, Factory<unknown>>)[factory];
if (make === undefined) throw new Error(`${module} exports no contender factory ${factory}`);
const run = await make(JSON.parse(params));

process.on('message', async ({ units }: { units: number }) => {
  let reply: Reply;
  try {
    reply = { sample: await run(units) };
  } catch (error) {
    reply = { error: String((error as Error).message ?? error) };
  }
  process.send!(reply);
});
process.send!({ ready: true });
