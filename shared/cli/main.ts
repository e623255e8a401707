import { EXIT, isClosedPipe, UsageError, type CliIo, type Command } from './io';
import { generate, generateHelp } from './generate';
import { ingestCommand, ingestHelp } from './ingest';
import { normalize, normalizeHelp } from './normalize';
import { query, queryHelp } from './query';
import { replay, replayHelp } from './replay';
import { upload, uploadHelp } from './upload';

interface CommandEntry {
  run: Command;
  help: string;
  summary: string;
}

/** Every command, with its help; `main` is only dispatch. */
export const commands: Record<string, CommandEntry> = {
  normalize: { run: normalize, help: normalizeHelp, summary: 'normalize log files into unified rows (stdout)' },
  generate: { run: generate, help: generateHelp, summary: 'write realistic synthetic logs (JSON Lines) for demos and benchmarks' },
  ingest: { run: ingestCommand, help: ingestHelp, summary: 'backfill local or gs:// log files into the warehouse (DuckDB or BigQuery)' },
  query: { run: query, help: queryHelp, summary: 'run SQL against the local DuckDB warehouse and its views' },
  upload: { run: upload, help: uploadHelp, summary: 'upload EdgeOne log files to the upload bucket (prints gs:// URIs)' },
  replay: { run: replay, help: replayHelp, summary: 're-publish dead-lettered payloads to their Pub/Sub topic' },
};

export function mainHelp(): string {
  const width = Math.max(...Object.keys(commands).map((name) => name.length));
  const lines = Object.entries(commands).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`);
  return `Usage: cdnlog <command> [options]\n\nCommands:\n${lines.join('\n')}\n\nRun 'cdnlog <command> --help' for a command's options.`;
}

/** Runs the CLI; resolves to the exit code. */
export async function main(argv: string[], io?: Partial<CliIo>): Promise<number> {
  const streams: CliIo = {
    stdin: io?.stdin ?? process.stdin,
    stdout: io?.stdout ?? process.stdout,
    stderr: io?.stderr ?? process.stderr,
    env: io?.env ?? process.env,
  };
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    (name === undefined ? streams.stderr : streams.stdout).write(`${mainHelp()}\n`);
    return name === undefined ? EXIT.usage : EXIT.ok;
  }
  const command = commands[name];
  if (!command) {
    streams.stderr.write(`cdnlog: unknown command "${name}"\n\n${mainHelp()}\n`);
    return EXIT.usage;
  }
  try {
    return await command.run(rest, streams);
  } catch (error) {
    if (isClosedPipe(error)) return EXIT.ok;
    if (error instanceof UsageError || (error as NodeJS.ErrnoException).code?.startsWith('ERR_PARSE_ARGS')) {
      const help = error instanceof UsageError && !error.showHelp ? `(cdnlog ${name} --help lists the options)` : command.help;
      streams.stderr.write(`cdnlog ${name}: ${(error as Error).message}\n\n${help}\n`);
      return EXIT.usage;
    }
    // A runtime failure: the message only (the usage text would bury it).
    streams.stderr.write(`cdnlog ${name}: ${(error as Error).message}\n`);
    return EXIT.rejected;
  }
}
