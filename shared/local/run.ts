import { copyFileSync, createWriteStream, mkdirSync, mkdtempSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import type { DuckDBConnection } from '@duckdb/node-api';
import { openWarehouse } from '../duckdb/open';
import { generateEdgeoneL4 } from '../generate/edgeone-l4';
import { generateEdgeoneL7 } from '../generate/edgeone-l7';
import { generateMediaCdn } from '../generate/media-cdn';
import { recordsFromFile } from '../input/open';
import { messagePublishedEvent, objectFinalizeEvent, type HttpEvent } from './cloudevents';
import { PUSH_BATCH_RECORDS, PUSHED_L7_SHARE, serveLocalReceiver } from './edgeone-push';
import { formatReport, readReport, type LocalReport } from './report';
import { mediaCdnFiles } from './media-cdn-files';
import { serveFolderAsBucket } from './storage-server';

export const MEDIA_CDN_LOCAL_DELIVERIES = ['realtime', 'batched'] as const;
export type MediaCdnLocalDelivery = (typeof MEDIA_CDN_LOCAL_DELIVERIES)[number];

interface LocalRunOptions {
  dbPath: string;
  mediaCdn: number;
  edgeoneL4: number;
  edgeoneL7: number;
  seed: string;
  /**
   * The user's files. When any is given, they are all that is delivered: nothing is generated, for
   * either source, and no broken demo records are added to the user's warehouse.
   */
  mediaCdnFiles: string[];
  edgeoneFiles: string[];
  /**
   * How Media CDN entries reach the functions (terraform `media_cdn_delivery`): `realtime`, one
   * message per entry to mediaCdnLogs; `batched`, files as a Pub/Sub Cloud Storage subscription
   * writes them, each notified to mediaCdnFiles.
   */
  mediaCdnDelivery: MediaCdnLocalDelivery;
  /** Add a few deliberately broken records so the dead-letter path shows (generated runs only). */
  badRecords: boolean;
  /** How to run the CLI from the user's shell, for the report's "query further" lines. */
  cli: string;
  /** Progress goes here. */
  out: NodeJS.WritableStream & { isTTY?: boolean };
}

/** The functions' structured logs (stdout, as Cloud Run collects them) go to this file beside the database. */
function functionLogPath(dbPath: string): string {
  return join(dirname(resolve(dbPath)), 'local-run.log');
}

/**
 * Sends process.stdout to a file until the returned function is called: the functions log one JSON
 * line per invocation to stdout, which would bury the report under thousands of lines.
 */
function captureStdout(path: string): () => Promise<void> {
  mkdirSync(dirname(path), { recursive: true });
  const file = createWriteStream(path);
  const original = process.stdout.write;
  process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    const callback = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
    return file.write(chunk, callback);
  }) as typeof process.stdout.write;
  return () =>
    new Promise((ok) => {
      process.stdout.write = original;
      file.end(ok);
    });
}

export const DEFAULTS = { mediaCdn: 2000, edgeoneL4: 1000, edgeoneL7: 2000, seed: 'cdnlog' };

const PROJECT = 'local';
const BUCKET = 'edgeone-logs';
const RECORDS_PER_EDGEONE_FILE = 500;
const GENERATED_MTIME = new Date('2026-11-01T00:00:00Z');
/** Deliveries in flight at once, as Pub/Sub keeps several outstanding to one instance; the sink coalesces their rows. */
const CONCURRENCY = 64;
const ATTEMPTS = 3;

/** Broken Media CDN messages: not JSON; a LogEntry whose timestamp is not one. */
const BAD_MEDIA_CDN_MESSAGES = [
  '{"insertId": "broken", "timestamp": ',
  JSON.stringify({ insertId: 'bad-time', timestamp: 'yesterday', logName: 'projects/local/logs/edgecache.googleapis.com%2Fedge_cache_request' }),
];
/** A broken EdgeOne file: one good L7 line between a bad timestamp and a cut-off line. */
function badEdgeoneFile(seed: string): string {
  const [good] = generateEdgeoneL7({ count: 1, seed: `${seed}-bad` });
  return `${[JSON.stringify({ RequestID: 'bad-time', RequestTime: 'not a time', ClientIP: '198.51.100.7' }), JSON.stringify(good), '{"RequestID": "cut-off", "Reque'].join('\n')}\n`;
}

function chunked<T>(items: Iterable<T>, size: number): T[][] {
  const out: T[][] = [];
  let current: T[] = [];
  for (const item of items) {
    current.push(item);
    if (current.length === size) {
      out.push(current);
      current = [];
    }
  }
  if (current.length) out.push(current);
  return out;
}

/** POSTs one event, retrying failures as Pub/Sub would redeliver; false when every attempt failed. */
async function deliver(url: string, event: HttpEvent): Promise<boolean> {
  for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
    try {
      const res = await fetch(url, { method: 'POST', headers: event.headers, body: event.body });
      await res.arrayBuffer();
      if (res.ok) return true;
    } catch {
      // connection trouble: try again
    }
    await new Promise((ok) => setTimeout(ok, 50 * attempt));
  }
  return false;
}

class Progress {
  private last = 0;
  constructor(private readonly out: LocalRunOptions['out']) {}
  show(text: string, force = false): void {
    const now = Date.now();
    if (!force && now - this.last < (this.out.isTTY ? 100 : 2000)) return;
    this.last = now;
    this.out.write(this.out.isTTY ? `\r\x1b[2K${text}` : `${text}\n`);
  }
  end(): void {
    if (this.out.isTTY) this.out.write('\r\x1b[2K');
  }
}

async function withWarehouse<T>(dbPath: string, read: (c: DuckDBConnection) => Promise<T>): Promise<T> {
  const warehouse = await openWarehouse(dbPath);
  try {
    return await read(warehouse.connection);
  } finally {
    await warehouse.close();
  }
}

/** Loads the compiled (or, under jest, source) function entry points; they register themselves. */
function loadFunctions(): void {
  const entry = join(__dirname, '..', '..', 'functions', 'index');
  try {
    require(entry);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'MODULE_NOT_FOUND' && String((error as Error).message).includes(entry)) {
      throw new Error(`the Cloud Functions are not built (${entry}): run npm run build`);
    }
    throw error;
  }
}

/**
 * The main job, locally: the two real CloudEvent functions under the functions framework, a local
 * Cloud Storage endpoint serving a folder of EdgeOne files, Media CDN log entries delivered one per
 * Pub/Sub message and EdgeOne files as OBJECT_FINALIZE notifications — as Eventarc delivers them —
 * and rows landing in a DuckDB file through the same RowSink the BigQuery sink implements. Everything
 * runs in this one process, so DuckDB has a single writer.
 */
export async function runLocal(options: LocalRunOptions): Promise<{ report: LocalReport; text: string; failed: number }> {
  const started = Date.now();
  const folder = mkdtempSync(join(tmpdir(), 'cdnlog-local-bucket-'));
  const progress = new Progress(options.out);
  const servers: Server[] = [];
  const bucket = await serveFolderAsBucket(folder, BUCKET);
  const restoreStdout = captureStdout(functionLogPath(options.dbPath));
  try {
    const own = options.mediaCdnFiles.length + options.edgeoneFiles.length > 0;
    const badRecords = options.badRecords && !own;
    // EdgeOne files: the user's, or generated L4 and L7 logs split into gzip files as EdgeOne ships them.
    const edgeoneNames: string[] = [];
    // The most recent share of the generated L7 records goes through edgeonePush, as real-time push.
    let pushedL7: object[] = [];
    for (const file of options.edgeoneFiles) {
      copyFileSync(file, join(folder, basename(file)));
      const { mtime } = statSync(file);
      utimesSync(join(folder, basename(file)), mtime, mtime);
      edgeoneNames.push(basename(file));
    }
    if (!own) {
      const l7 = [...generateEdgeoneL7({ count: options.edgeoneL7, seed: options.seed })];
      const uploaded = l7.length - Math.floor(l7.length * PUSHED_L7_SHARE);
      pushedL7 = l7.slice(uploaded);
      const kinds: [string, Iterable<object>][] = [
        ['l4', generateEdgeoneL4({ count: options.edgeoneL4, seed: options.seed })],
        ['l7', l7.slice(0, uploaded)],
      ];
      for (const [kind, records] of kinds) {
        chunked(records, RECORDS_PER_EDGEONE_FILE).forEach((chunk, i) => {
          const name = `edgeone-${kind}-${String(i).padStart(4, '0')}.log.gz`;
          writeFileSync(join(folder, name), gzipSync(`${chunk.map((r) => JSON.stringify(r)).join('\n')}\n`));
          edgeoneNames.push(name);
        });
      }
      if (badRecords) {
        writeFileSync(join(folder, 'edgeone-broken.log'), badEdgeoneFile(options.seed));
        edgeoneNames.push('edgeone-broken.log');
      }
      // The local bucket's generation is the file's mtime. Generated files get a fixed one, so a second
      // run delivers the same object generations and its dead letters dedup like its rows (a user's
      // file keeps its own mtime: a changed file is a new generation, as a re-upload would be).
      for (const name of edgeoneNames) utimesSync(join(folder, name), GENERATED_MTIME, GENERATED_MTIME);
    }

    // What the warehouse held before, so the report can tell this run's additions from the totals.
    const before = await withWarehouse(options.dbPath, readReport);

    // The functions read their settings at load: a DuckDB sink, and the local bucket for downloads.
    Object.assign(process.env, {
      SINK: 'duckdb',
      DUCKDB_PATH: resolve(options.dbPath),
      GOOGLE_CLOUD_PROJECT: process.env.GOOGLE_CLOUD_PROJECT || PROJECT,
      STORAGE_EMULATOR_HOST: bucket.url,
      UPLOAD_BUCKET: BUCKET,
      // One local folder serves both buckets.
      MEDIA_CDN_BUCKET: BUCKET,
    });
    delete process.env.BQ_DATASET;
    loadFunctions();
    // Required only now: the framework's registry must be the one the functions registered in.
    const { getTestServer } = require('@google-cloud/functions-framework/testing') as typeof import('@google-cloud/functions-framework/testing');
    const listen = async (name: string) => {
      const server = getTestServer(name);
      servers.push(server);
      await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
      return `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    };
    const batched = options.mediaCdnDelivery === 'batched';
    const mediaUrl = await listen(batched ? 'mediaCdnFiles' : 'mediaCdnLogs');
    const edgeoneUrl = await listen('edgeoneLogs');
    const publishTime = new Date();
    const receiver = await serveLocalReceiver(PROJECT, 'cdnlog-edgeone-logs', (m, messageId) =>
      deliver(
        edgeoneUrl,
        messagePublishedEvent({ project: PROJECT, topic: 'cdnlog-edgeone-logs', messageId, data: m.data, attributes: m.attributes, publishTime }),
      ),
    );
    servers.push(receiver.server);

    // Media CDN: one LogEntry per message, as a Cloud Logging sink publishes them.
    const mediaMessages: string[] = [];
    if (options.mediaCdnFiles.length) {
      for (const file of options.mediaCdnFiles) {
        for await (const batch of recordsFromFile(file, process.stdin)) for (const r of batch) mediaMessages.push('text' in r ? r.text : r.head);
      }
    } else if (!own) for (const entry of generateMediaCdn({ count: options.mediaCdn, seed: options.seed })) mediaMessages.push(JSON.stringify(entry));
    if (badRecords) mediaMessages.push(...BAD_MEDIA_CDN_MESSAGES);

    const jobs: (() => Promise<boolean>)[] = [];
    let nextId = 1;
    // batched: the same entries in files; their generation (mtime) is fixed so a rerun dedups its dead letters too.
    const mediaFileNames: string[] = [];
    if (batched) {
      const mtime = own ? new Date(Math.max(...options.mediaCdnFiles.map((f) => statSync(f).mtimeMs), GENERATED_MTIME.getTime())) : GENERATED_MTIME;
      for (const { name, content } of mediaCdnFiles(mediaMessages)) {
        writeFileSync(join(folder, name), content);
        utimesSync(join(folder, name), mtime, mtime);
        mediaFileNames.push(name);
      }
    } else {
      for (const data of mediaMessages) {
        const event = messagePublishedEvent({ project: PROJECT, topic: 'cdnlog-media-cdn-logs', messageId: String(nextId++), data, publishTime });
        jobs.push(() => deliver(mediaUrl, event));
      }
    }
    for (const name of mediaFileNames) {
      const messageId = String(nextId++);
      jobs.push(async () =>
        deliver(mediaUrl, objectFinalizeEvent({ project: PROJECT, topic: 'cdnlog-media-cdn-files', messageId, publishTime }, await bucket.describe(name))),
      );
    }
    for (const name of edgeoneNames) {
      const messageId = String(nextId++);
      jobs.push(async () =>
        deliver(edgeoneUrl, objectFinalizeEvent({ project: PROJECT, topic: 'cdnlog-edgeone-logs', messageId, publishTime }, await bucket.describe(name))),
      );
    }
    const pushBatches = chunked(pushedL7, PUSH_BATCH_RECORDS);
    for (const batch of pushBatches) jobs.push(() => deliver(receiver.url, receiver.request(batch)));

    let done = 0;
    let failed = 0;
    const mediaLabel = batched
      ? `${mediaFileNames.length} Media CDN files of ${mediaMessages.length.toLocaleString('en-US')} entries`
      : `${mediaMessages.length.toLocaleString('en-US')} Media CDN messages`;
    const pushLabel = pushBatches.length ? `, ${pushBatches.length} EdgeOne push batch${pushBatches.length === 1 ? '' : 'es'}` : '';
    const label = () =>
      `delivering events: ${done.toLocaleString('en-US')}/${jobs.length.toLocaleString('en-US')} (${mediaLabel}, ${edgeoneNames.length} EdgeOne files${pushLabel})${failed ? `, ${failed} failed` : ''}`;
    let cursor = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (cursor < jobs.length) {
          const job = jobs[cursor++]!;
          if (!(await job())) failed++;
          done++;
          progress.show(label());
        }
      }),
    );
    progress.show(label(), true);
    progress.end();

    // Same process, same cached DuckDB instance as the functions' sink: read the report from it.
    const report = await withWarehouse(options.dbPath, readReport);
    const text = formatReport(report, {
      dbPath: options.dbPath,
      logPath: functionLogPath(options.dbPath),
      seconds: (Date.now() - started) / 1000,
      delivered: jobs.length - failed,
      failed,
      before,
      cli: options.cli,
      pushed: { batches: pushBatches.length, records: pushedL7.length },
    });
    return { report, text, failed };
  } finally {
    await restoreStdout();
    await Promise.all(servers.map((s) => new Promise((ok) => s.close(ok))));
    await bucket.close();
    rmSync(folder, { recursive: true, force: true });
  }
}
