import { parseArgs } from 'node:util';
import { recordsFromFile } from '../input/open';
import { defaultContext } from '../normalizers/result';
import { normalizeText, SOURCE_FLAGS } from '../normalizers';
import { Source } from '../schema/edge-log';
import { EXIT, UsageError, type Command } from './io';
import { ChunkedWriter } from './output';

export const normalizeHelp = `Usage: cdnlog normalize --source media-cdn|edgeone [FILE ...]

Normalizes CDN log records into unified edge_logs rows.

  --source S   media-cdn (Cloud Logging LogEntries) or edgeone (L4 and L7 records, told apart per record)
  FILE         JSON Lines, or one JSON array (as 'gcloud logging read --format=json' prints);
               gzip is detected by its magic bytes. None, or '-', reads stdin.

stdout: one row per line, exactly the JSON the BigQuery sink sends.
stderr: one {"line": N, "error": "..."} per rejected record (line is 1-based, or array index + 1).
Exit status: 0 all normalized, 1 some rejected (good rows still printed), 2 usage error.`;

/** `--source media-cdn|edgeone` (or the column value, media_cdn) → the source. */
export function parseSource(value: string | undefined): Source {
  if (value === undefined) throw new UsageError('--source is required (media-cdn or edgeone)');
  const source = Source.options.find((s) => s === value || SOURCE_FLAGS[s] === value);
  if (source === undefined) throw new UsageError(`--source must be one of ${Object.values(SOURCE_FLAGS).join(', ')}, got "${value}"`);
  return source;
}

export const normalize: Command = async (args, io) => {
  const { values, positionals } = parseArgs({
    args,
    options: { source: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    allowPositionals: true,
  });
  if (values.help) {
    io.stdout.write(`${normalizeHelp}\n`);
    return EXIT.ok;
  }
  const source = parseSource(values.source);
  const files = positionals.length > 0 ? positionals : ['-'];
  const out = new ChunkedWriter(io.stdout);
  const err = new ChunkedWriter(io.stderr, 4096);
  let rejected = 0;
  for (const file of files) {
    const label = files.length > 1 ? { file } : {};
    try {
      for await (const batch of recordsFromFile(file, io.stdin)) {
        for (const record of batch) {
          const result = 'text' in record ? normalizeText(source, record.text, defaultContext) : { ok: false as const, error: record.error };
          if (result.ok) {
            out.push(`${JSON.stringify(result.row)}\n`);
          } else {
            rejected++;
            err.push(`${JSON.stringify({ ...label, line: record.line, error: result.error })}\n`);
          }
        }
        await out.drain();
        await err.drain();
      }
    } catch (error) {
      await out.flush();
      await err.flush();
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'EACCES' || code === 'EISDIR') {
        throw new UsageError(`cannot read ${file}: ${(error as Error).message}`);
      }
      throw new Error(`${file}: ${(error as Error).message}`, { cause: error });
    }
  }
  await out.flush();
  await err.flush();
  return rejected > 0 ? EXIT.rejected : EXIT.ok;
};
