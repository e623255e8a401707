import { parseArgs } from 'node:util';
import { openWarehouse } from '../duckdb/open';
import { loadSettings } from '../config/settings';
import { createBigQuery } from '../gcp/clients';
import { createPubSub } from '../gcp/pubsub';
import { DEFAULT_TOPICS, planReplay, type DeadLetter, type ReplayFilter, type ReplayPlan } from '../replay/plan';
import { publishReplay, type Published } from '../replay/publish';
import { readDeadLettersBigQuery, readDeadLettersDuckDb } from '../replay/read';
import { DEFAULT_DUCKDB_PATH, SINK_KINDS } from '../sink/create';
import { EXIT, UsageError, type Command } from './io';
import { parseSource } from './normalize';

export const replayHelp = `Usage: cdnlog replay [--since ISO] [--source media-cdn|edgeone] [--reason TEXT]
                     [--topic TOPIC] [--dry-run] [--sink duckdb|bigquery] [--db PATH]

Re-publishes dead-lettered payloads (ingest_errors) to their Pub/Sub topic, after the cause has been
fixed, so the functions ingest them again; event ids make a replay of a record that did land harmless.
Each message carries the original attributes (minus Cloud Storage notification ones: an EdgeOne line
is ingested from the message itself) and cdnlog_replay_of=<error_id>.
Rows the warehouse refused (stage insert) are resent from the source record they were made from.
Payloads cut at 1 MB cannot be replayed: they are skipped and counted, and so are stage insert
letters written before dead letters kept the source record (their payload is the normalized row).

  --since ISO      only dead letters recorded at or after this time (e.g. 2026-11-01T00:00:00Z)
  --source S       only this source
  --reason TEXT    only dead letters whose reason contains TEXT (case-insensitive)
  --topic T        publish everything to T (topic id or projects/P/topics/T); default per source:
                   media_cdn → ${DEFAULT_TOPICS.media_cdn}, edgeone → ${DEFAULT_TOPICS.edgeone}
                   (override with MEDIA_CDN_TOPIC / EDGEONE_TOPIC)
  --dry-run        list what would be sent and skipped; send nothing
  --sink K         where ingest_errors lives: ${SINK_KINDS.join(' or ')} (chosen as for ingest)
  --db PATH        DuckDB file (default DUCKDB_PATH, else ${DEFAULT_DUCKDB_PATH})
  -h, --help       Show this help.

Pub/Sub: Application Default Credentials and GOOGLE_CLOUD_PROJECT; PUBSUB_EMULATOR_HOST for a local endpoint.
stdout: one line per dead letter (sent or skipped), then a summary.`;

function parseSourceFilter(value: string | undefined): string | undefined {
  return value === undefined ? undefined : parseSource(value);
}

/**
 * Finds Application Default Credentials before any Pub/Sub client exists: without them the client's
 * gRPC stub fails again in the background after the command has reported, with a stack trace.
 */
async function requireCredentials(): Promise<void> {
  const { GoogleAuth } = await import('google-auth-library');
  try {
    await new GoogleAuth({ scopes: ['https://www.googleapis.com/auth/pubsub'] }).getClient();
  } catch (error) {
    throw new Error(
      `no Google credentials to publish with (${(error as Error).message.split('.')[0]}): run 'gcloud auth application-default login' ` +
        `or set GOOGLE_APPLICATION_CREDENTIALS; for a local Pub/Sub endpoint set PUBSUB_EMULATOR_HOST`,
      { cause: error },
    );
  }
}

function parseSince(value: string | undefined): Date | undefined {
  if (value === undefined) return undefined;
  const ms = Date.parse(value);
  if (!/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2}))?$/.test(value) || Number.isNaN(ms)) {
    throw new UsageError(`--since must be an ISO 8601 date or date-time with a zone, got "${value}"`);
  }
  return new Date(ms);
}

function formatReplayReport(plan: ReplayPlan, sent: readonly Published[] | null): string {
  const lines: string[] = [];
  const ids = new Map(sent?.map((p) => [p.errorId, p.messageId]));
  for (const m of plan.send)
    lines.push(`${sent ? 'sent' : 'would send'}  ${m.errorId}  ${m.source}  → ${m.topic}${ids.has(m.errorId) ? `  (message ${ids.get(m.errorId)})` : ''}`);
  for (const s of plan.skipped) lines.push(`skipped     ${s.errorId}  ${s.source}  ${s.why}`);
  const byTopic = new Map<string, number>();
  for (const m of plan.send) byTopic.set(m.topic, (byTopic.get(m.topic) ?? 0) + 1);
  const why = new Map<string, number>();
  for (const s of plan.skipped) why.set(s.why, (why.get(s.why) ?? 0) + 1);
  const verb = sent ? 'sent' : 'would send';
  lines.push(
    `${verb} ${plan.send.length}${[...byTopic].map(([t, n]) => `, ${n} to ${t}`).join('')}; skipped ${plan.skipped.length}` +
      (why.size ? ` (${[...why].map(([w, n]) => `${n} ${w}`).join(', ')})` : ''),
  );
  return `${lines.join('\n')}\n`;
}

export const replay: Command = async (args, io) => {
  const { values, positionals } = parseArgs({
    args,
    options: {
      since: { type: 'string' },
      source: { type: 'string' },
      reason: { type: 'string' },
      topic: { type: 'string' },
      'dry-run': { type: 'boolean' },
      sink: { type: 'string' },
      db: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    allowPositionals: true,
  });
  if (values.help) {
    io.stdout.write(`${replayHelp}\n`);
    return EXIT.ok;
  }
  if (positionals.length) throw new UsageError(`unexpected argument ${positionals[0]}`);
  const filter: ReplayFilter = { since: parseSince(values.since), source: parseSourceFilter(values.source), reason: values.reason };
  const env: NodeJS.ProcessEnv = { ...io.env };
  if (values.sink) env.SINK = values.sink;
  if (values.db) env.DUCKDB_PATH = values.db;

  const settings = loadSettings(env);

  let letters: DeadLetter[];
  if (settings.sink.kind === 'bigquery') {
    const { project, dataset, errorsTable } = settings.sink;
    letters = await readDeadLettersBigQuery(createBigQuery(settings.gcp), `${project}.${dataset}.${errorsTable}`, filter);
  } else {
    const warehouse = await openWarehouse(settings.sink.path, { mustExist: true });
    try {
      letters = await readDeadLettersDuckDb(warehouse.connection, filter);
    } finally {
      await warehouse.close();
    }
  }
  const topicFor = (source: string): string | undefined =>
    values.topic ?? (source === 'media_cdn' ? env.MEDIA_CDN_TOPIC : source === 'edgeone' ? env.EDGEONE_TOPIC : undefined) ?? DEFAULT_TOPICS[source];
  const plan = planReplay(letters, topicFor);
  if (values['dry-run'] || plan.send.length === 0) {
    io.stdout.write(formatReplayReport(plan, values['dry-run'] ? null : []));
    return EXIT.ok;
  }
  if (!settings.gcp.endpoints.pubsub) await requireCredentials();
  const pubsub = createPubSub(settings.gcp);
  try {
    const sent = await publishReplay(pubsub, plan.send);
    io.stdout.write(formatReplayReport(plan, sent));
  } finally {
    await pubsub.close();
  }
  return EXIT.ok;
};
