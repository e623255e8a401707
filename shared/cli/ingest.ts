import { parseArgs } from 'node:util';
import { loadSettings } from '../config/settings';
import { createStorage } from '../gcp/clients';
import { createLogs } from '../logging';
import { ingest, type IngestCounts } from '../ingest/ingest';
import { SOURCE_SAMPLE, WrongSourceError } from '../ingest/source-check';
import { openInput, type InputFile } from '../ingest/inputs';
import { createSink, DEFAULT_DUCKDB_PATH, SINK_KINDS } from '../sink/create';
import { isObjectSink } from '../sink/types';
import { EXIT, EXIT_INTERRUPTED, UsageError, type Command } from './io';
import { parseSource } from './normalize';
import { ProgressReporter, type ProgressSnapshot } from './progress';

export const ingestHelp = `Usage: cdnlog ingest --source media-cdn|edgeone FILE... [--sink duckdb|bigquery] [--db PATH]

Backfills log files straight into the warehouse: reads, normalizes and writes edge_logs rows;
records that cannot be read or normalized become ingest_errors rows. Safe to re-run: rows are
keyed by event_id and dead letters by file and line, so nothing is landed twice, and a run
stopped half way (Ctrl-C) resumes where it stopped.

  --source S     media-cdn (Cloud Logging LogEntries) or edgeone (L4 and L7 records)
  FILE           local file, '-' for stdin, or gs://bucket/object (read with the Storage client;
                 STORAGE_EMULATOR_HOST is honoured). JSON Lines or a JSON array; gzip by magic bytes.
  --sink K       ${SINK_KINDS.join(' or ')} (default: SINK, else bigquery when BQ_DATASET is set
                 (then GOOGLE_CLOUD_PROJECT is needed too), else duckdb). BigQuery is written
                 through the Storage Write API, each file in one commit (a file already committed
                 is not read again), unless BQ_WRITE_METHOD=insertall
  --db PATH      DuckDB file (default DUCKDB_PATH, else ${DEFAULT_DUCKDB_PATH})
  --keep-going   ingest a file even when its first ${SOURCE_SAMPLE} records all look like another
                 source's (by default the ingest stops there, before writing anything for it)
  -h, --help     Show this help.

A file that cannot be read to the end (a truncated gzip) lands what could be read, becomes one
dead letter naming it, and the ingest goes on with the next file.

stderr: a progress bar (records, MB/s, rejects) on a terminal, otherwise a line every 5 seconds.
stdout: a summary when done.
Exit status: 0 all landed; 1 some records dead-lettered (the rest landed) or a file cut short;
2 usage error (a wrong --source included); 130 interrupted (what was written stays; re-run to resume).`;

const n = (v: number) => v.toLocaleString('en-US');

interface SummaryExtra {
  sink: string;
  /** Rows and dead letters new to the warehouse in this run, when the sink can tell (DuckDB). */
  newRows?: number;
  newErrors?: number;
  interrupted?: boolean;
  /** The sink commits each file (Storage Write API): a committed file is skipped by a re-run. */
  commitsFiles?: boolean;
}

export function formatIngestSummary(counts: IngestCounts, seconds: number, extra: SummaryExtra): string {
  const rate = seconds > 0 ? counts.records / seconds : 0;
  const uncommitted = counts.uncommitted;
  // Rows the warehouse refused were handed to it, and are dead letters too.
  const written = counts.rows - (counts.deadLettered - counts.rejected) - (uncommitted?.rows ?? 0);
  const letters = counts.deadLettered;
  const lines = [
    `${extra.interrupted ? 'interrupted after' : 'ingested'} ${n(counts.records)} records in ${seconds.toFixed(1)} s (${n(Math.round(rate))} records/s, ${(counts.bytes / 1e6 / Math.max(seconds, 1e-9)).toFixed(1)} MB/s) into ${extra.sink}`,
    `  rows written     ${n(written)}`,
  ];
  if (extra.newRows !== undefined) lines.push(`    new            ${n(extra.newRows)}`, `    already there  ${n(written - extra.newRows)}`);
  lines.push(`  dead letters     ${n(letters)} (ingest_errors)`);
  if (extra.newErrors !== undefined) lines.push(`    new            ${n(extra.newErrors)}`, `    already there  ${n(letters - extra.newErrors)}`);
  for (const cut of counts.cut) lines.push(`  cut short        ${cut.input}: ${cut.reason} (what was read landed; the rest is one dead letter)`);
  if (uncommitted) lines.push(`  not committed    ${n(uncommitted.rows)} rows of ${uncommitted.input} (none of them is visible)`);
  if (extra.interrupted) lines.push(interruptedLine(uncommitted?.input, extra.commitsFiles === true));
  return lines.join('\n');
}

/** What Ctrl-C left, and what running the same command again does about it. */
function interruptedLine(uncommitted: string | undefined, commitsFiles: boolean): string {
  if (uncommitted !== undefined) {
    return `  stopped by Ctrl-C: ${uncommitted} was not committed, so nothing of it is visible; run the same command again: committed files are skipped and ${uncommitted} lands whole`;
  }
  if (commitsFiles) {
    // stdin has no identity to commit under: its rows went through the _default stream.
    return '  stopped by Ctrl-C: everything above is in the warehouse; run the same command again: committed files are skipped (rows from stdin land again; edge_logs_dedup folds them)';
  }
  return '  stopped by Ctrl-C: everything above is in the warehouse; run the same command again to resume (what landed is skipped)';
}

/** Stored bytes read so far over all inputs: the ones before `current` are read whole. */
function storedBytesRead(inputs: readonly InputFile[], current: InputFile): number {
  let bytes = 0;
  for (const input of inputs) {
    if (input === current) return bytes + input.storedBytesRead();
    bytes += input.size ?? 0;
  }
  return bytes;
}

/** Opens a command-line input; one that is not there is a usage error naming it. */
async function open(path: string, deps: Parameters<typeof openInput>[1]): Promise<InputFile> {
  try {
    return await openInput(path, deps);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'EACCES' || code === 'EISDIR' || code === 'ENOTDIR') {
      throw new UsageError(`cannot read ${path}: ${(error as Error).message}`, { showHelp: false, cause: error });
    }
    throw new Error(`${path}: ${(error as Error).message}`, { cause: error });
  }
}

export const ingestCommand: Command = async (args, io) => {
  const { values, positionals } = parseArgs({
    args,
    options: {
      source: { type: 'string' },
      sink: { type: 'string' },
      db: { type: 'string' },
      'batch-rows': { type: 'string' },
      'keep-going': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    allowPositionals: true,
  });
  if (values.help) {
    io.stdout.write(`${ingestHelp}\n`);
    return EXIT.ok;
  }
  const source = parseSource(values.source);
  if (positionals.length === 0) throw new UsageError('give at least one FILE (or - for stdin)');
  if (values.sink !== undefined && !(SINK_KINDS as readonly string[]).includes(values.sink)) {
    throw new UsageError(`--sink must be one of ${SINK_KINDS.join(', ')}, got "${values.sink}"`);
  }
  const batchRows = values['batch-rows'] === undefined ? undefined : Number(values['batch-rows']);
  if (batchRows !== undefined && !(Number.isInteger(batchRows) && batchRows > 0)) throw new UsageError('--batch-rows must be a positive whole number');
  const env: NodeJS.ProcessEnv = { ...io.env };
  if (values.sink) env.SINK = values.sink;
  if (values.db) env.DUCKDB_PATH = values.db;
  const settings = loadSettings(env);

  // Open every input first, so a typo in the last file fails before anything is written.
  const inputs: InputFile[] = [];
  for (const path of positionals) inputs.push(await open(path, { stdin: io.stdin, storage: () => createStorage(settings.gcp) }));
  const totalBytes = inputs.every((i) => i.size !== undefined) ? inputs.reduce((sum, i) => sum + i.size!, 0) : undefined;
  // The sink's own log lines (retries, refused rows) go to stderr, beside the progress; stdout
  // carries only the summary.
  const sink = await createSink(settings, { logs: createLogs((line) => io.stderr.write(`${line}\n`), { minSeverity: 'WARNING' }) });
  const progress = new ProgressReporter(io.stderr);
  // Ctrl-C stops reading; what was handed to the sink is written and the summary says so.
  const stop = new AbortController();
  const onSigint = () => stop.abort();
  process.once('SIGINT', onSigint);
  const started = Date.now();
  let counts: IngestCounts;
  let last: ProgressSnapshot | undefined;
  try {
    counts = await ingest({
      source,
      inputs,
      sink,
      batchRows,
      anySource: values['keep-going'],
      signal: stop.signal,
      onProgress: (c, input) => {
        last = { ...c, totalBytes, storedBytes: storedBytesRead(inputs, input), label: input.label };
        progress.update(last);
      },
      onAlreadyLanded: (input, rows) => io.stderr.write(`${input.label}: already landed by an earlier ingest (${rows} rows), not read again\n`),
    });
  } catch (error) {
    if (error instanceof WrongSourceError) throw new UsageError(`${error.message} (--keep-going ingests it anyway)`, { showHelp: false });
    throw error;
  } finally {
    process.removeListener('SIGINT', onSigint);
    progress.done(last);
    await sink.close();
  }
  const target = settings.sink;
  const where = target.kind === 'duckdb' ? `DuckDB ${target.path}` : `BigQuery ${target.project}.${target.dataset}`;
  // DuckDB can tell what was new to the warehouse; BigQuery's insertAll cannot.
  const known = 'newRows' in sink && 'newErrors' in sink ? (sink as { newRows: number; newErrors: number }) : undefined;
  const interrupted = stop.signal.aborted;
  io.stdout.write(
    `${formatIngestSummary(counts, (Date.now() - started) / 1000, {
      sink: where,
      newRows: known?.newRows,
      newErrors: known?.newErrors,
      interrupted,
      commitsFiles: isObjectSink(sink),
    })}\n`,
  );
  if (interrupted) return EXIT_INTERRUPTED;
  return counts.deadLettered > 0 || counts.cut.length > 0 ? EXIT.rejected : EXIT.ok;
};
