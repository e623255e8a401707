/**
 * `cdnlog generate`: writes synthetic CDN log records as JSON Lines to stdout.
 */
import { parseArgs } from 'node:util';
import { generateEdgeoneL4 } from '../generate/edgeone-l4';
import { generateEdgeoneL7 } from '../generate/edgeone-l7';
import { generateMediaCdn } from '../generate/media-cdn';
import { DEFAULT_START, type GenerateOptions } from '../generate/options';
import { type CliIo, type Command, EXIT, UsageError } from './io';

const GENERATE_SOURCES = {
  'media-cdn': generateMediaCdn,
  'edgeone-l4': generateEdgeoneL4,
  'edgeone-l7': generateEdgeoneL7,
} as const satisfies Record<string, (opts: GenerateOptions) => Iterable<object>>;

type GenerateSource = keyof typeof GENERATE_SOURCES;

const DEFAULT_SEED = 'cdnlog';
const MAX_COUNT = 1_000_000_000;
/** Lines are batched into writes of about this many characters: one write per line is far slower. */
const CHUNK_CHARS = 64 * 1024;

export const generateHelp = `Usage: cdnlog generate --source SOURCE --count N [--seed S] [--start ISO]

Write N synthetic log records as JSON Lines (one JSON object per line) to stdout.
The same source, count, seed and start always give byte-identical output, and a
larger count's output begins with a smaller count's output.

Options:
  --source SOURCE  Log format to generate (required):
                     media-cdn   Google Media CDN request logs (Cloud Logging LogEntry)
                     edgeone-l4  Tencent EdgeOne L4 proxy logs (periodic per-session records)
                     edgeone-l7  Tencent EdgeOne L7 site-acceleration access logs
  --count N        Number of records (not sessions) to write, 0 to ${MAX_COUNT} (required).
  --seed S         Any string; different seeds give different data (default "${DEFAULT_SEED}").
  --start ISO      Time of the first record, an ISO 8601 date-time such as
                   2026-11-01T00:00:00Z (default ${DEFAULT_START.toISOString()}).
  -h, --help       Show this help.
`;

interface GenerateArgs {
  source: GenerateSource;
  options: GenerateOptions;
}

/** Parses and validates the command line; throws UsageError with a message saying what is wrong. */
export function parseGenerateArgs(args: string[]): GenerateArgs | 'help' {
  let values: { source?: string; count?: string; seed?: string; start?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args,
      options: {
        source: { type: 'string' },
        count: { type: 'string' },
        seed: { type: 'string' },
        start: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  if (values.help) return 'help';

  const { source, count, seed, start } = values;
  if (source === undefined) throw new UsageError(`--source is required (one of: ${Object.keys(GENERATE_SOURCES).join(', ')})`);
  if (!Object.hasOwn(GENERATE_SOURCES, source)) {
    throw new UsageError(`unknown --source "${source}" (expected one of: ${Object.keys(GENERATE_SOURCES).join(', ')})`);
  }
  if (count === undefined) throw new UsageError('--count is required');
  if (!/^\d+$/.test(count) || Number(count) > MAX_COUNT) {
    throw new UsageError(`--count must be a whole number from 0 to ${MAX_COUNT}, got "${count}"`);
  }
  if (seed === '') throw new UsageError('--seed must not be empty');
  let startDate = DEFAULT_START;
  if (start !== undefined) {
    // Insist on a date-time with a zone so "--start 11/01" or a local time cannot slip through.
    const ms = Date.parse(start);
    if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(start) || Number.isNaN(ms)) {
      throw new UsageError(`--start must be an ISO 8601 date-time with a zone, e.g. 2026-11-01T00:00:00Z; got "${start}"`);
    }
    startDate = new Date(ms);
  }
  return {
    source: source as GenerateSource,
    options: { count: Number(count), seed: seed ?? DEFAULT_SEED, start: startDate },
  };
}

export const generate: Command = async (args: string[], io: CliIo): Promise<number> => {
  const parsed = parseGenerateArgs(args);
  if (parsed === 'help') {
    io.stdout.write(generateHelp);
    return EXIT.ok;
  }
  const records = GENERATE_SOURCES[parsed.source](parsed.options);
  try {
    await writeJsonLines(io.stdout, records);
  } catch (err) {
    // The reader went away (e.g. `| head`): not a failure of the generator.
    if ((err as NodeJS.ErrnoException).code === 'EPIPE') return EXIT.ok;
    throw err;
  }
  return EXIT.ok;
};

/** Writes records as JSON Lines in ~64 KB chunks, waiting for 'drain' whenever the stream is full. */
export async function writeJsonLines(out: NodeJS.WritableStream, records: Iterable<object>): Promise<void> {
  let failure: Error | undefined;
  const onError = (err: Error): void => {
    failure = err;
  };
  out.on('error', onError);
  try {
    let chunk = '';
    for (const record of records) {
      chunk += `${JSON.stringify(record)}\n`;
      if (chunk.length >= CHUNK_CHARS) {
        await write(out, chunk, () => failure);
        chunk = '';
      }
    }
    if (chunk.length > 0) await write(out, chunk, () => failure);
  } finally {
    out.removeListener('error', onError);
  }
}

/** One write honouring backpressure; rejects if the stream errors or closes while we wait. */
function write(out: NodeJS.WritableStream, chunk: string, failed: () => Error | undefined): Promise<void> {
  const already = failed();
  if (already) return Promise.reject(already);
  if (out.write(chunk)) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const cleanup = (): void => {
      out.removeListener('drain', onDrain);
      out.removeListener('error', onError);
      out.removeListener('close', onClose);
    };
    const onDrain = (): void => {
      cleanup();
      resolve();
    };
    const onError = (err: Error): void => {
      cleanup();
      reject(err);
    };
    const onClose = (): void => {
      cleanup();
      reject(Object.assign(new Error('output stream closed before all records were written'), { code: 'EPIPE' }));
    };
    out.on('drain', onDrain);
    out.on('error', onError);
    out.on('close', onClose);
  });
}
