/**
 * Structured log lines for Cloud Logging: one JSON object a line on stdout, with `severity` and
 * `message` (which Cloud Logging lifts into the entry) and the rest landing in `jsonPayload`.
 * One named function per event (firestore-bigquery-export's logs.ts style) keeps the handlers
 * readable and the texts greppable; alerts key on field names, so those are the contract:
 * `jsonPayload.dead_lettered > 0` fires on any dead letter.
 */
type Severity = 'DEBUG' | 'INFO' | 'NOTICE' | 'WARNING' | 'ERROR' | 'CRITICAL';

/** Where finished lines go; stdout in production, an array in tests. */
type LogWriter = (line: string) => void;

/** Longest payload excerpt a log line may carry (a dead letter at WARNING; never at INFO). */
const EXCERPT_CHARS = 200;

function stdoutWriter(line: string): void {
  process.stdout.write(`${line}\n`);
}

/** First EXCERPT_CHARS characters, so a log line never carries a whole payload. */
function excerpt(text: string | null | undefined): string | null {
  if (text === null || text === undefined) return null;
  return text.length > EXCERPT_CHARS ? `${text.slice(0, EXCERPT_CHARS)}…` : text;
}

/** Longest error text a log line carries: messages can quote input, which is never logged whole. */
const ERROR_CHARS = 1000;

function errorText(err: unknown): string {
  const text = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  return text.length > ERROR_CHARS ? `${text.slice(0, ERROR_CHARS)}…` : text;
}

interface InvocationSummary {
  source: string;
  message_id: string | null;
  object?: string | null;
  rows_inserted: number;
  dead_lettered: number;
  bytes: number;
  duration_ms: number;
}

const SEVERITY_RANK: Record<Severity, number> = { DEBUG: 0, INFO: 1, NOTICE: 2, WARNING: 3, ERROR: 4, CRITICAL: 5 };

/** `minSeverity` drops quieter lines (a CLI wants warnings on stderr, not per-request DEBUG lines). */
export function createLogs(write: LogWriter = stdoutWriter, options: { minSeverity?: Severity } = {}) {
  const floor = SEVERITY_RANK[options.minSeverity ?? 'DEBUG'];
  const emit = (severity: Severity, message: string, fields: Record<string, unknown> = {}) => {
    if (SEVERITY_RANK[severity] >= floor) write(JSON.stringify({ severity, message, ...fields }));
  };
  return {
    /** The per-invocation summary; `dead_lettered` is always a number (alert policy). */
    invocationDone(s: InvocationSummary): void {
      emit(s.dead_lettered > 0 ? 'WARNING' : 'INFO', `${s.source}: ${s.rows_inserted} rows inserted, ${s.dead_lettered} dead-lettered`, { ...s });
    },
    invocationFailed(source: string, messageId: string | null, err: unknown, durationMs: number): void {
      emit('ERROR', `${source}: invocation failed and will be redelivered: ${errorText(err)}`, {
        source,
        message_id: messageId,
        dead_lettered: 0,
        duration_ms: durationMs,
      });
    },
    deadLettered(d: { source: string; stage: string; reason: string; message_id: string | null; object: string | null; payload: string | null }): void {
      emit('WARNING', `dead letter (${d.stage}): ${d.reason}`, {
        source: d.source,
        stage: d.stage,
        reason: d.reason,
        message_id: d.message_id,
        object: d.object,
        payload_excerpt: excerpt(d.payload),
      });
    },
    /** Many dead letters from one file are summarised rather than logged one by one. */
    deadLettersSuppressed(source: string, suppressed: number, object: string | null): void {
      emit('WARNING', `${suppressed} more dead letters not logged individually`, { source, object, suppressed });
    },
    batchInserted(b: { table: string; rows: number; bytes: number; requests: number; duration_ms: number }): void {
      emit('DEBUG', `inserted ${b.rows} rows into ${b.table}`, b);
    },
    insertRetry(r: { table: string; attempt: number; delay_ms: number; rows: number; error: string }): void {
      emit('WARNING', `insertAll into ${r.table} failed transiently, retrying in ${r.delay_ms} ms`, r);
    },
    insertGaveUp(r: { table: string; attempts: number; rows: number; error: string }): void {
      emit('ERROR', `insertAll into ${r.table} still failing after ${r.attempts} attempts`, r);
    },
    insertRejected(r: { table: string; status: number | null; rows: number; error: string }): void {
      // A refused request is an operator problem (table dropped, IAM, quota), not bad data.
      emit('ERROR', `insertAll into ${r.table} refused (${r.status ?? 'no status'}); the invocation fails and Pub/Sub redelivers`, r);
    },
    /** An object read without a hash check (no x-goog-hash, or stored gzip-encoded). */
    downloadUnchecked(d: { source: string; message_id: string | null; object: string; why: string }): void {
      emit('WARNING', `downloaded without a hash check: ${d.why}`, d);
    },
    objectAlreadyLanded(o: { source: string; message_id: string | null; object: string; rows: number }): void {
      emit('INFO', `${o.object} was committed by an earlier delivery (${o.rows} rows): not read again`, o);
    },
    /** A jobs.insert or jobs.get that failed: retried, given up (transient) or refused. */
    loadJobCall(c: { job_id: string; call: string; outcome: 'retry' | 'gave_up' | 'refused'; error: string; delay_ms?: number }): void {
      emit(c.outcome === 'retry' ? 'WARNING' : 'ERROR', `${c.call} ${c.job_id}: ${c.outcome.replace('_', ' ')}`, c);
    },
    /** An object landed by its load job (rows: what the job appended). */
    loadJobLanded(o: { object: string; job_id: string; rows: number }): void {
      emit('INFO', `${o.object} landed by load job ${o.job_id} (${o.rows} rows)`, o);
    },
    /** A load job could not take an object: it is read again into a Storage Write API PENDING stream. */
    loadJobFallback(o: { object: string; job_id: string; reason: string }): void {
      emit('WARNING', `${o.object}: load job ${o.job_id} did not land it (${o.reason}); landing it through the Storage Write API instead`, o);
    },
    eventIgnored(e: { source: string; message_id: string | null; event_type: string; object: string | null }): void {
      emit('INFO', `ignored ${e.event_type} notification`, e);
    },
    envelopeWarning(e: { source: string; message_id: string | null; problem: string }): void {
      emit('WARNING', e.problem, e);
    },
    /** edgeonePush handed a batch to Pub/Sub (`messages` is 0 for an empty batch). */
    pushAccepted(p: { messages: number; decoded_bytes: number; batch_size: number | null; log_type: string | null; duration_ms: number }): void {
      emit('INFO', `edgeonePush: batch published as ${p.messages} message(s)`, { source: 'edgeone', ...p });
    },
    /** edgeonePush refused a request; `reason` never carries a secret. */
    pushRefused(p: { status: number; reason: string; duration_ms: number }): void {
      emit('WARNING', `edgeonePush: refused (${p.status}): ${p.reason}`, { source: 'edgeone', ...p });
    },
    error(message: string, err: unknown, fields: Record<string, unknown> = {}): void {
      emit('ERROR', `${message}: ${errorText(err)}`, fields);
    },
  };
}

export type Logs = ReturnType<typeof createLogs>;

/** Discards everything (benchmarks, tests that do not look at logs). */
export const silentLogs: Logs = createLogs(() => {});
