import { PassThrough } from 'node:stream';
import { main } from '../../shared/cli/main';

/** Runs the CLI in-process with captured streams; `rows` are stdout's JSON lines, parsed. */
export async function runCli(args: string[], stdin = '') {
  const io = { stdin: new PassThrough(), stdout: new PassThrough(), stderr: new PassThrough(), env: {} };
  let stdout = '';
  let stderr = '';
  io.stdout.on('data', (c) => {
    stdout += c;
  });
  io.stderr.on('data', (c) => {
    stderr += c;
  });
  io.stdin.end(stdin);
  const code = await main(args, io);
  const rows = stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  return { code, stdout, stderr, rows };
}
