/**
 * npm start — the main job, locally, in one command: see shared/local/run.ts.
 */
import { join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULTS, MEDIA_CDN_LOCAL_DELIVERIES, runLocal, type MediaCdnLocalDelivery } from '../shared/local/run';
import { DEFAULT_DUCKDB_PATH } from '../shared/sink/create';

const help = `Usage: npm start [-- OPTIONS]

Runs the two Cloud Functions locally under the functions framework, delivers Media CDN log entries
and EdgeOne log files to them as Eventarc would (Pub/Sub CloudEvents; EdgeOne as upload notifications
for files served by a local Cloud Storage endpoint), pushes a quarter of the generated EdgeOne L7
records through the edgeonePush receiver as EdgeOne's real-time log push would, lands the rows in
DuckDB, and prints a report.

  --db PATH            DuckDB file (default DUCKDB_PATH, else ${DEFAULT_DUCKDB_PATH})
  --media-cdn N        generated Media CDN requests (default ${DEFAULTS.mediaCdn})
  --edgeone-l4 N       generated EdgeOne L4 records (default ${DEFAULTS.edgeoneL4})
  --edgeone-l7 N       generated EdgeOne L7 requests (default ${DEFAULTS.edgeoneL7})
  --seed S             generator seed (default "${DEFAULTS.seed}")
  --media-cdn-file F   deliver the LogEntries of F (repeatable)
  --edgeone-file F     serve F from the local bucket and notify it (repeatable)
                       With either, only your files are delivered: nothing is generated
                       and no broken demo records are added.
  --media-cdn-delivery realtime|batched
                       realtime (default): one Pub/Sub message per entry to mediaCdnLogs;
                       batched: files of 1,000 entries, one a line, as a Pub/Sub Cloud Storage
                       subscription writes them, each notified to mediaCdnFiles
  --no-bad-records     leave out the deliberately broken records of a generated run
  -h, --help           Show this help.`;

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      db: { type: 'string' },
      'media-cdn': { type: 'string' },
      'edgeone-l4': { type: 'string' },
      'edgeone-l7': { type: 'string' },
      seed: { type: 'string' },
      'media-cdn-file': { type: 'string', multiple: true },
      'edgeone-file': { type: 'string', multiple: true },
      'no-bad-records': { type: 'boolean' },
      'media-cdn-delivery': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(`${help}\n`);
    return 0;
  }
  const count = (name: string, value: string | undefined, fallback: number): number => {
    if (value === undefined) return fallback;
    if (!/^\d+$/.test(value)) throw new Error(`--${name} must be a whole number, got "${value}"`);
    return Number(value);
  };
  const delivery = (values['media-cdn-delivery'] ?? 'realtime') as MediaCdnLocalDelivery;
  if (!MEDIA_CDN_LOCAL_DELIVERIES.includes(delivery)) throw new Error(`--media-cdn-delivery must be one of ${MEDIA_CDN_LOCAL_DELIVERIES.join(', ')}`);
  const { text, failed } = await runLocal({
    dbPath: values.db ?? (process.env.DUCKDB_PATH || DEFAULT_DUCKDB_PATH),
    mediaCdn: count('media-cdn', values['media-cdn'], DEFAULTS.mediaCdn),
    edgeoneL4: count('edgeone-l4', values['edgeone-l4'], DEFAULTS.edgeoneL4),
    edgeoneL7: count('edgeone-l7', values['edgeone-l7'], DEFAULTS.edgeoneL7),
    seed: values.seed ?? DEFAULTS.seed,
    mediaCdnFiles: values['media-cdn-file'] ?? [],
    edgeoneFiles: values['edgeone-file'] ?? [],
    badRecords: !values['no-bad-records'],
    mediaCdnDelivery: delivery,
    cli: `node ${relative(process.cwd(), join(__dirname, '..', '..', 'bin', 'cdnlog.js')) || 'bin/cdnlog.js'}`,
    out: process.stderr,
  });
  process.stdout.write(text);
  return failed ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`cdnlog local run: ${(error as Error).message}\n`);
    process.exit(1);
  },
);
