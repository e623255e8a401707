import { EXIT, isClosedPipe, UsageError, type CliIo, type Command } from './io';

interface CommandEntry {
  summary: string;
  /**
   * The command's module, loaded only when it runs: `cdnlog --help` and the pipeline commands then
   * never load the Google clients or DuckDB (about half a second of start-up).
   */
  load: () => Promise<{ run: Command; help: string }>;
}

/** Every command; `main` is only dispatch. */
export const commands: Record<string, CommandEntry> = {
  normalize: {
    summary: 'normalize log files into unified rows (stdout)',
    load: async () => ((m) => ({ run: m.normalize, help: m.normalizeHelp }))(await import('./normalize')),
  },
  generate: {
    summary: 'write realistic synthetic logs (JSON Lines) for demos and benchmarks',
    load: async () => ((m) => ({ run: m.generate, help: m.generateHelp }))(await import('./generate')),
  },
  ingest: {
    summary: 'backfill local or gs:// log files into the warehouse (DuckDB or BigQuery)',
    load: async () => ((m) => ({ run: m.ingestCommand, help: m.ingestHelp }))(await import('./ingest')),
  },
  query: {
    summary: 'run SQL against the local DuckDB warehouse and its views',
    load: async () => ((m) => ({ run: m.query, help: m.queryHelp }))(await import('./query')),
  },
  upload: {
    summary: 'upload EdgeOne log files to the upload bucket (prints gs:// URIs)',
    load: async () => ((m) => ({ run: m.upload, help: m.uploadHelp }))(await import('./upload')),
  },
  replay: {
    summary: 're-publish dead-lettered payloads to their Pub/Sub topic',
    load: async () => ((m) => ({ run: m.replay, help: m.replayHelp }))(await import('./replay')),
  },
  cost: {
    summary: 'print the monthly bill of each Media CDN delivery mode for a log volume',
    load: async () => ((m) => ({ run: m.cost, help: m.costHelp }))(await import('./cost')),
  },
};

function mainHelp(): string {
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
  const entry = commands[name];
  if (!entry) {
    streams.stderr.write(`cdnlog: unknown command "${name}"\n\n${mainHelp()}\n`);
    return EXIT.usage;
  }
  const command = await entry.load();
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
