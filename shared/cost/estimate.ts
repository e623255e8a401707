import { PRICES, type PriceName } from './prices';

/** How Media CDN logs reach the function (terraform `media_cdn_delivery`), and how realtime is billed. */
const DELIVERY_MODES = ['realtime', 'realtime-instance', 'batched', 'hourly'] as const;
type DeliveryMode = (typeof DELIVERY_MODES)[number];

/** Terraform `bq_write_method` (BQ_WRITE_METHOD): what every mode's ingestion follows from. */
export const WRITE_METHODS = ['storage', 'insertall'] as const;
export type WriteMethod = (typeof WRITE_METHODS)[number];

type IngestionMethod = 'insertall' | 'write-api' | 'load';

/**
 * How a deploy of `mode` lands rows in BigQuery: with `storage` (the default) the per-entry and
 * batched paths use the Storage Write API and hourly files one load job each (Terraform sets
 * MEDIA_CDN_FILES_LOAD=load_job there); with `insertall` every path streams through insertAll.
 */
function ingestionOf(mode: DeliveryMode, writeMethod: WriteMethod): IngestionMethod {
  if (writeMethod === 'insertall') return 'insertall';
  return mode === 'hourly' ? 'load' : 'write-api';
}

export interface CostInput {
  /** Log volume a month, bytes of LogEntry JSON. */
  monthlyBytes: number;
  /** Average LogEntry size, bytes. */
  entryBytes: number;
  /** Billable function time per entry, ms: per-entry path (one request per entry) and file path. */
  cpuMsPerEntry: { perEntry: number; file: number };
  /** Function memory, GiB (terraform `function_memory`, 512Mi). */
  memoryGib: number;
  writeMethod: WriteMethod;
  /** Keep the entries in the `_Default` log bucket too (terraform `exclude_media_cdn_from_default_bucket = false`). */
  keepDefaultBucket: boolean;
  /** Landed files are deleted after this many days (lifecycle). */
  fileRetentionDays: number;
  /** Pub/Sub Cloud Storage subscription `max_duration`, minutes (1–10). */
  batchedFileMinutes: number;
}

export const DEFAULT_COST_INPUT: Omit<CostInput, 'monthlyBytes'> = {
  entryBytes: 1500,
  // CPU per entry measured by `npm run bench:paths` (2-core machine, load average 7: 393–413 ms and
  // 60–62 ms per 1,000 entries); request-based billing counts request time, so read them as floors.
  cpuMsPerEntry: { perEntry: 0.4, file: 0.06 },
  memoryGib: 0.5,
  writeMethod: 'storage',
  keepDefaultBucket: false,
  fileRetentionDays: 1,
  batchedFileMinutes: 5,
};

type CostCategory = 'Logging storage' | 'Pub/Sub' | 'Cloud Storage' | 'requests' | 'CPU + memory' | 'BigQuery ingestion';

interface CostLine {
  category: CostCategory;
  what: string;
  /** The billed quantity, in the price's unit. */
  quantity: number;
  price: PriceName;
  usd: number;
}

export interface ModeCost {
  mode: DeliveryMode;
  route: string;
  latency: string;
  lines: CostLine[];
  totalUsd: number;
}

const GIB = 2 ** 30;
const TIB = 2 ** 40;
const MONTH_SECONDS = 30 * 24 * 3600;
/** Pub/Sub bills at least 1,000 bytes per request; BigQuery insertAll at least 1 KB per row. */
const PUBSUB_MIN_BYTES = 1000;
const BIGQUERY_MIN_ROW_BYTES = 1024;
/** Logging writes at most 3.5 GiB per file (logging/docs/export/storage), hourly. */
const LOGGING_MAX_FILE_BYTES = 3.5 * GIB;
/** Pub/Sub Cloud Storage subscription `max_bytes` as terraform sets it. */
const BATCHED_MAX_FILE_BYTES = GIB;

function line(category: CostCategory, what: string, quantity: number, price: PriceName): CostLine {
  return { category, what, quantity, price, usd: quantity * PRICES[price].usd };
}

const ROUTES: Record<DeliveryMode, { route: string; latency: string }> = {
  realtime: { route: 'sink → topic → push → function per entry (request-based billing)', latency: 'seconds' },
  'realtime-instance': { route: 'sink → topic → push → Cloud Run service per entry (instance-based billing)', latency: 'seconds' },
  batched: { route: 'sink → topic → Cloud Storage subscription → file → function per file', latency: 'minutes' },
  hourly: { route: 'sink → Cloud Storage (hourly files) → function per file', latency: 'about an hour (2–3 h for the first files)' },
};

/** The monthly bill of one delivery mode, line by line. Pure. */
export function estimateMode(mode: DeliveryMode, input: CostInput): ModeCost {
  const entries = input.monthlyBytes / input.entryBytes;
  const gib = input.monthlyBytes / GIB;
  const pubsubTib = (entries * Math.max(input.entryBytes, PUBSUB_MIN_BYTES)) / TIB;
  const lines: CostLine[] = [];

  lines.push(
    input.keepDefaultBucket
      ? line('Logging storage', 'entries kept in the _Default log bucket', gib, 'loggingStorage')
      : line('Logging storage', 'excluded from _Default; the sink routes for free', gib, 'loggingRouting'),
  );

  const files = fileCount(mode, input);
  if (mode === 'realtime' || mode === 'realtime-instance') {
    lines.push(line('Pub/Sub', 'sink publishes, one entry a message', pubsubTib, 'pubsubThroughput'));
    lines.push(line('Pub/Sub', 'push delivery, one entry a request', pubsubTib, 'pubsubThroughput'));
  } else {
    if (mode === 'batched') {
      lines.push(line('Pub/Sub', 'sink publishes, one entry a message', pubsubTib, 'pubsubThroughput'));
      lines.push(line('Pub/Sub', 'Cloud Storage subscription writes the files', pubsubTib, 'pubsubExport'));
    }
    const notificationTib = (files * 2 * PUBSUB_MIN_BYTES) / TIB;
    lines.push(line('Pub/Sub', 'OBJECT_FINALIZE notification, publish + push', notificationTib, 'pubsubThroughput'));
    lines.push(line('Cloud Storage', `${Math.round(files).toLocaleString('en-US')} files written`, files, 'storageClassA'));
    lines.push(line('Cloud Storage', 'files read by the function', files, 'storageClassB'));
    lines.push(line('Cloud Storage', `files kept ${input.fileRetentionDays} day(s), then deleted`, (gib * input.fileRetentionDays) / 30, 'storageStandard'));
  }

  const cpuMs = mode === 'realtime' || mode === 'realtime-instance' ? input.cpuMsPerEntry.perEntry : input.cpuMsPerEntry.file;
  const busySeconds = (entries * cpuMs) / 1000;
  if (mode === 'realtime-instance') {
    // Instance-based billing needs at least 1 vCPU, and bills the instance while it lives: at least
    // one instance all month (a CDN is never idle), more when the work needs it.
    const instanceSeconds = Math.max(MONTH_SECONDS, busySeconds);
    lines.push(line('CPU + memory', 'vCPU-seconds, whole instance lifetime', instanceSeconds, 'runInstanceCpu'));
    lines.push(line('CPU + memory', 'GiB-seconds, whole instance lifetime', instanceSeconds * input.memoryGib, 'runInstanceMemory'));
  } else {
    const requests = mode === 'realtime' ? entries : files;
    lines.push(line('requests', mode === 'realtime' ? 'one request per entry' : 'one request per file', requests, 'runRequest'));
    lines.push(line('CPU + memory', `vCPU-seconds at ${cpuMs} ms per entry`, busySeconds, 'runRequestCpu'));
    lines.push(line('CPU + memory', 'GiB-seconds', busySeconds * input.memoryGib, 'runRequestMemory'));
  }

  const ingestion = ingestionOf(mode, input.writeMethod);
  // Rows are priced at the entry's size (a Media CDN row is about 10% smaller: conservative);
  // only insertAll bills a row as at least 1 KB.
  const rowGib = (entries * (ingestion === 'insertall' ? Math.max(input.entryBytes, BIGQUERY_MIN_ROW_BYTES) : input.entryBytes)) / GIB;
  const ingestionPrice: Record<IngestionMethod, PriceName> = { insertall: 'bigqueryInsertAll', 'write-api': 'bigqueryWriteApi', load: 'bigqueryLoad' };
  const ingestionWhat: Record<IngestionMethod, string> = { insertall: 'insertAll (streaming)', 'write-api': 'Storage Write API', load: 'load jobs' };
  lines.push(line('BigQuery ingestion', ingestionWhat[ingestion], rowGib, ingestionPrice[ingestion]));

  return { mode, ...ROUTES[mode], lines, totalUsd: lines.reduce((sum, l) => sum + l.usd, 0) };
}

/** Files a month: Pub/Sub starts one every max_duration or max_bytes; Logging one an hour per 3.5 GiB. */
export function fileCount(mode: DeliveryMode, input: CostInput): number {
  if (mode === 'batched') return Math.max(MONTH_SECONDS / 60 / input.batchedFileMinutes, input.monthlyBytes / BATCHED_MAX_FILE_BYTES);
  if (mode === 'hourly') return 30 * 24 * Math.max(1, Math.ceil(input.monthlyBytes / (30 * 24) / LOGGING_MAX_FILE_BYTES));
  return 0;
}

export function estimateAll(input: CostInput): ModeCost[] {
  return DELIVERY_MODES.map((mode) => estimateMode(mode, input));
}
