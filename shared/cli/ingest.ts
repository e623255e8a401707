import { parseArgs } from 'node:util';
import { loadSettings } from '../config/settings';
import { createStorage } from '../gcp/clients';
import { createLogs } from '../logging';
import { ingest, type IngestCounts } from '../ingest/ingest';
import { openInput, type InputFile } from '../ingest/sources';
import { createSink, DEFAULT_DUCKDB_PATH, SINK_KINDS } from '../sink/create';
import { EXIT, UsageError, type Command } from './io';
import { parseSource } from './normalize';
import { ProgressReporter } from './progress';

export const ingestHelp = `Usage: cdnlog ingest --source media-cdn|edgeone FILE... [--sink duckdb|bigquery] [--db PATH]

Backfills log files straight into the warehouse: reads, normalizes and writes edge_logs rows;
records that cannot be read or normalized become ingest_errors rows. Safe to re-run: rows are
keyed by event_id and dead letters by file and line, so nothing is landed twice.

  --source S     media-cdn (Cloud Logging LogEntries) or edgeone (L4 and L7 records)
  FILE           local file, '-' for stdin, or gs://bucket/object (read with the Storage client;
                 STORAGE_EMULATOR_HOST is honoured). JSON Lines or a JSON array; gzip by magic bytes.
  --sink K       ${SINK_KINDS.join(' or ')} (default: SINK, else bigquery when BQ_DATASET is set
                 (then GOOGLE_CLOUD_PROJECT is needed too), else duckdb)
  --db PATH      DuckDB file (default DUCKDB_PATH, else ${DEFAULT_DUCKDB_PATH})
  -h, --help     Show this help.

stderr: a progress bar (records, MB/s, rejects) on a terminal, otherwise a line every 5 seconds.
stdout: a summary when done.
Exit status: 0 all landed, 1 some records dead-lettered (the rest landed), 2 usage error.`;

export function formatIngestSummary(counts: IngestCounts, seconds: number, extra: { newRows?: number; sink: string }): string {
  const n = (v: number) => v.toLocaleString('en-US');
  const rate = seconds > 0 ? counts.records / seconds : 0;
  const lines = [
    `ingested ${n(counts.records)} records in ${seconds.toFixed(1)} s (${n(Math.round(rate))} records/s, ${(counts.bytes / 1e6 / Math.max(seconds, 1e-9)).toFixed(1)} MB/s) into ${extra.sink}`,
    `  rows written     ${n(counts.rows - counts.refused)}`,
  ];
  if (extra.newRows !== undefined) {
    lines.push(`    new            ${n(extra.newRows)}`, `    already there  ${n(counts.rows - counts.refused - extra.newRows)}`);
  }
  lines.push(`  dead letters     ${n(counts.rejects + counts.refused)} (ingest_errors)`);
  return lines.join('\n');
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

export const ingestCommand: Command = async (args, io) => {
  const { values, positionals } = parseArgs({
    args,
    options: {
      source: { type: 'string' },
      sink: { type: 'string' },
      db: { type: 'string' },
      'batch-rows': { type: 'string' },
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
  for (const path of positionals) {
    try {
      inputs.push(await openInput(path, { stdin: io.stdin, storage: () => createStorage(settings.gcp) }));
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'EACCES' || code === 'EISDIR') throw new UsageError(`cannot read ${path}: ${(error as Error).message}`);
      throw new Error(`${path}: ${(error as Error).message}`, { cause: error });
    }
  }
  const totalBytes = inputs.every((i) => i.size !== undefined) ? inputs.reduce((sum, i) => sum + i.size!, 0) : undefined;
  // The sink's own log lines (retries, refused rows) go to stderr, beside the progress; stdout
  // carries only the summary.
  const sink = await createSink(settings, { logs: createLogs((line) => io.stderr.write(`${line}\n`), { minSeverity: 'WARNING' }) });
  const progress = new ProgressReporter(io.stderr);
  const started = Date.now();
  let counts: IngestCounts;
  try {
    counts = await ingest({
      source,
      inputs,
      sink,
      batchRows,
      onProgress: (c, input) => progress.update({ ...c, totalBytes, storedBytes: storedBytesRead(inputs, input), label: input.label }),
    });
  } finally {
    progress.done();
    await sink.close();
  }
  const newRows = 'newRows' in sink ? (sink as { newRows: number }).newRows : undefined;
  const target = settings.sink;
  const where = target.kind === 'duckdb' ? `DuckDB ${target.path}` : `BigQuery ${target.project}.${target.dataset}`;
  io.stdout.write(`${formatIngestSummary(counts, (Date.now() - started) / 1000, { newRows, sink: where })}\n`);
  return counts.rejects + counts.refused > 0 ? EXIT.rejected : EXIT.ok;
};
