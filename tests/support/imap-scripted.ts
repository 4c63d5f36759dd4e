/**
 * A scripted PREAUTH IMAP server for the fetchEach tests: SELECT is answered with three messages,
 * then each command gets the next answer, `TAG` replaced by the command's tag (bytes kept as
 * latin1, so literals of any octets pass).
 */
import type { ScriptConnection, ScriptedServer } from './scripted-server.js';

type Scripted = (script: (connection: ScriptConnection) => Promise<void>) => Promise<ScriptedServer>;

export const SELECTED = '* 3 EXISTS\r\nTAG OK [READ-WRITE] selected\r\n';
export const tagOf = (line: string | null) => (line ?? '').split(' ')[0]!;

export function preauthSession(scripted: Scripted, answers: Array<string | Buffer>): Promise<ScriptedServer> {
  return scripted(async (c) => {
    c.write('* PREAUTH [CAPABILITY IMAP4rev1] ready\r\n');
    for (const answer of [SELECTED, ...answers]) {
      const line = await c.line();
      if (line === null) return;
      c.write(Buffer.from(Buffer.from(answer).toString('latin1').replaceAll('TAG', tagOf(line)), 'latin1'));
    }
    await c.line();
  });
}
