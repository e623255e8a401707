import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { FaultQueue } from './faults';
import { closeServer, listen, readBody, sendGoogleError, sendJson } from './http-util';
import { byteRange, hashHeader, measure, objectResource, type ObjectContent, type StoredObject } from './storage-object';

export type { ObjectContent } from './storage-object';

/** A resumable upload session: bytes received so far, kept until the final chunk arrives. */
interface UploadSession {
  bucket: string;
  name: string;
  contentType: string;
  metadata?: Record<string, string>;
  ifGenerationMatch?: number;
  chunks: Buffer[];
  received: number;
  done?: StoredObject;
}

/**
 * A fault in the body of the next whole-object download, after `afterBytes` bytes: the connection
 * is cut (reset), held open with nothing more sent (stall), or one byte is flipped (corrupt).
 */
export interface DownloadFault {
  kind: 'cut' | 'stall' | 'corrupt';
  afterBytes: number;
}

/** One request as the endpoint saw it, for asserting on what the client actually sent. */
export interface StorageRequestRecord {
  method: string;
  path: string;
  query: Record<string, string>;
  range?: string;
  contentRange?: string;
  status: number;
}

const OBJECT = /^(?:\/download)?\/storage\/v1\/b\/([^/]+)\/o\/(.+)$/;
const LIST = /^\/storage\/v1\/b\/([^/]+)\/o\/?$/;
const UPLOAD = /^\/upload\/storage\/v1\/b\/([^/]+)\/o$/;
const CONTENT_RANGE = /^bytes (\*|(\d+)-(\d+|\*))\/(\d+|\*)$/;
const RANGE = /^bytes=(\d*)-(\d*)$/;

/**
 * Local HTTP endpoint speaking the Cloud Storage JSON API paths @google-cloud/storage 7 uses:
 * objects.get (metadata and alt=media with Range/generation), objects.list, objects.delete, and
 * multipart, media and resumable uploads (session URI, chunked PUTs, 308 Resume Incomplete).
 */
export async function startStorageEndpoint() {
  const buckets = new Map<string, Map<string, StoredObject>>();
  const sessions = new Map<string, UploadSession>();
  const requests: StorageRequestRecord[] = [];
  const faults = new FaultQueue();
  const downloadFaults: DownloadFault[] = [];
  let nextGeneration = 1_700_000_000_000_000;
  let origin = '';

  const bucket = (name: string) => {
    let objects = buckets.get(name);
    if (!objects) {
      objects = new Map();
      buckets.set(name, objects);
    }
    return objects;
  };

  async function store(o: Omit<StoredObject, 'generation' | 'size' | 'crc32c' | 'md5Hash' | 'created'>): Promise<StoredObject> {
    const stored: StoredObject = { ...o, ...(await measure(o.content)), generation: nextGeneration++, created: new Date() };
    bucket(o.bucket).set(o.name, stored);
    return stored;
  }

  function find(res: ServerResponse, bucketName: string, name: string, generation?: string): StoredObject | undefined {
    const o = buckets.get(bucketName)?.get(name);
    if (!buckets.has(bucketName)) sendGoogleError(res, 404, 'The specified bucket does not exist.', 'notFound');
    else if (!o || (generation !== undefined && String(o.generation) !== generation)) {
      sendGoogleError(res, 404, `No such object: ${bucketName}/${name}`, 'notFound');
    } else return o;
    return undefined;
  }

  async function download(req: IncomingMessage, res: ServerResponse, o: StoredObject): Promise<number> {
    const headers: Record<string, string | number> = {
      'content-type': o.contentType,
      'x-goog-generation': o.generation,
      'x-goog-metageneration': 1,
      'x-goog-stored-content-length': o.size,
      'x-goog-stored-content-encoding': 'identity',
    };
    let start = 0;
    let end = o.size - 1;
    let status = 200;
    const range = RANGE.exec(req.headers.range ?? '');
    if (range && (range[1] || range[2])) {
      if (!range[1])
        start = Math.max(0, o.size - Number(range[2])); // bytes=-N: the last N bytes
      else {
        start = Number(range[1]);
        if (range[2]) end = Math.min(end, Number(range[2]));
      }
      if (start >= o.size) {
        sendGoogleError(res, 416, 'The requested range cannot be satisfied.', 'requestedRangeNotSatisfiable');
        return 416;
      }
      status = 206;
      headers['content-range'] = `bytes ${start}-${end}/${o.size}`;
    } else {
      // Hashes only describe the whole object; GCS omits them for partial content.
      const hash = hashHeader(o);
      if (hash !== null) headers['x-goog-hash'] = hash;
    }
    headers['content-length'] = end - start + 1;
    res.writeHead(status, headers);
    const fault = status === 200 ? downloadFaults.shift() : undefined;
    // Streamed chunk by chunk with backpressure: a multi-GB generator never sits in memory.
    const body = byteRange(o.content, start, end);
    await pipeline(Readable.from(fault ? faulty(body, fault, res) : body), res);
    return status;
  }

  /** Passes the body through until `afterBytes`, then applies the fault. */
  async function* faulty(body: AsyncIterable<Buffer>, fault: DownloadFault, res: ServerResponse): AsyncGenerator<Buffer> {
    let sent = 0;
    for await (const chunk of body) {
      const room = fault.afterBytes - sent;
      if (room >= chunk.length) {
        sent += chunk.length;
        yield chunk;
        continue;
      }
      if (fault.kind === 'corrupt') {
        const copy = Buffer.from(chunk);
        copy[room] = copy[room]! ^ 0xff;
        fault.afterBytes = Infinity;
        sent += chunk.length;
        yield copy;
        continue;
      }
      if (room > 0) yield chunk.subarray(0, room);
      // Let the head reach the client before the fault.
      await new Promise((resolve) => setTimeout(resolve, 20));
      if (fault.kind === 'cut') res.socket?.destroy();
      // stall: hold the connection open, sending nothing, until the server closes.
      await new Promise<never>(() => {});
    }
  }

  function listObjects(res: ServerResponse, bucketName: string, prefix = ''): number {
    const items = [...(buckets.get(bucketName)?.values() ?? [])]
      .filter((o) => o.name.startsWith(prefix))
      .sort((a, b) => a.name.localeCompare(b.name))
      .map((o) => objectResource(origin, o));
    sendJson(res, 200, { kind: 'storage#objects', ...(items.length ? { items } : {}) });
    return 200;
  }

  function preconditionFails(bucketName: string, name: string, ifGenerationMatch?: number): boolean {
    if (ifGenerationMatch === undefined) return false;
    const current = buckets.get(bucketName)?.get(name)?.generation ?? 0;
    return current !== ifGenerationMatch;
  }

  async function simpleUpload(req: IncomingMessage, res: ServerResponse, bucketName: string, query: URLSearchParams): Promise<number> {
    const { body } = await readBody(req);
    let metadata: Record<string, unknown> = {};
    let data = body;
    let contentType = req.headers['content-type'] ?? 'application/octet-stream';
    if (query.get('uploadType') === 'multipart') {
      const parts = parseMultipart(body, contentType);
      metadata = JSON.parse(parts[0]?.body.toString('utf8') ?? '{}') as Record<string, unknown>;
      data = parts[1]?.body ?? Buffer.alloc(0);
      contentType = (metadata.contentType as string | undefined) ?? parts[1]?.contentType ?? 'application/octet-stream';
    }
    const name = (metadata.name as string | undefined) ?? query.get('name');
    if (!name) {
      sendGoogleError(res, 400, 'Required parameter: name', 'required');
      return 400;
    }
    const ifGenerationMatch = query.has('ifGenerationMatch') ? Number(query.get('ifGenerationMatch')) : undefined;
    if (preconditionFails(bucketName, name, ifGenerationMatch)) {
      sendGoogleError(res, 412, 'At least one of the pre-conditions you specified did not hold.', 'conditionNotMet');
      return 412;
    }
    const o = await store({ bucket: bucketName, name, contentType, content: data, metadata: metadata.metadata as Record<string, string> | undefined });
    sendJson(res, 200, objectResource(origin, o));
    return 200;
  }

  async function startResumable(req: IncomingMessage, res: ServerResponse, bucketName: string, query: URLSearchParams): Promise<number> {
    const { body } = await readBody(req);
    const metadata = body.length ? (JSON.parse(body.toString('utf8')) as Record<string, unknown>) : {};
    const name = (metadata.name as string | undefined) ?? query.get('name');
    if (!name) {
      sendGoogleError(res, 400, 'Required parameter: name', 'required');
      return 400;
    }
    const id = randomUUID();
    sessions.set(id, {
      bucket: bucketName,
      name,
      contentType: (req.headers['x-upload-content-type'] as string | undefined) ?? (metadata.contentType as string | undefined) ?? 'application/octet-stream',
      metadata: metadata.metadata as Record<string, string> | undefined,
      ifGenerationMatch: query.has('ifGenerationMatch') ? Number(query.get('ifGenerationMatch')) : undefined,
      chunks: [],
      received: 0,
    });
    const location = `${origin}/upload/storage/v1/b/${encodeURIComponent(bucketName)}/o?uploadType=resumable&name=${encodeURIComponent(name)}&upload_id=${id}`;
    res.writeHead(200, { location, 'x-guploader-uploadid': id, 'content-length': 0 });
    res.end();
    return 200;
  }

  /** 308 Resume Incomplete: `Range` tells the client which bytes are persisted (absent when none). */
  function resumeIncomplete(res: ServerResponse, session: UploadSession): number {
    res.writeHead(308, { 'content-length': 0, ...(session.received > 0 ? { range: `bytes=0-${session.received - 1}` } : {}) });
    res.end();
    return 308;
  }

  async function putChunk(req: IncomingMessage, res: ServerResponse, id: string): Promise<number> {
    const session = sessions.get(id);
    if (!session) {
      req.resume();
      sendGoogleError(res, 404, 'No such upload session.', 'notFound');
      return 404;
    }
    const header = req.headers['content-range'] ?? `bytes */*`;
    const m = CONTENT_RANGE.exec(header);
    if (!m) {
      req.resume();
      sendGoogleError(res, 400, `Invalid Content-Range: ${header}`, 'invalid');
      return 400;
    }
    const [, , first, last, totalText] = m;
    if (session.done) {
      req.resume();
      sendJson(res, 200, objectResource(origin, session.done));
      return 200;
    }
    if (first !== undefined) {
      if (Number(first) > session.received) {
        req.resume();
        sendGoogleError(res, 400, `Content-Range starts at ${first} but ${session.received} bytes were persisted`, 'invalid');
        return 400;
      }
      // Bytes the server already has (a client resend after a lost 308) are skipped, not duplicated.
      const skip = session.received - Number(first);
      let seen = 0;
      for await (const chunk of req as AsyncIterable<Buffer>) {
        const keep = chunk.subarray(Math.max(0, Math.min(chunk.length, skip - seen)));
        seen += chunk.length;
        if (keep.length) {
          session.chunks.push(keep);
          session.received += keep.length;
        }
      }
      if (last !== '*' && Number(first) + seen - 1 !== Number(last)) {
        sendGoogleError(res, 400, `Content-Range ${header} does not match ${seen} body bytes`, 'invalid');
        return 400;
      }
    } else {
      req.resume(); // `bytes */N` or `bytes */*`: a status query (or finalisation with no body)
    }
    // Complete when the total is known and reached, or when an open-ended chunk (`a-*/*`) ends the stream.
    const total = totalText === '*' ? (last === '*' ? session.received : undefined) : Number(totalText);
    if (total === undefined || session.received < total) return resumeIncomplete(res, session);
    if (preconditionFails(session.bucket, session.name, session.ifGenerationMatch)) {
      sessions.delete(id);
      sendGoogleError(res, 412, 'At least one of the pre-conditions you specified did not hold.', 'conditionNotMet');
      return 412;
    }
    session.done = await store({
      bucket: session.bucket,
      name: session.name,
      contentType: session.contentType,
      content: Buffer.concat(session.chunks),
      metadata: session.metadata,
    });
    session.chunks = [];
    sendJson(res, 200, objectResource(origin, session.done));
    return 200;
  }

  async function route(req: IncomingMessage, res: ServerResponse, url: URL): Promise<number> {
    const path = url.pathname;
    const method = req.method ?? 'GET';
    const upload = UPLOAD.exec(path);
    if (upload) {
      const bucketName = decodeURIComponent(upload[1]!);
      const uploadId = url.searchParams.get('upload_id');
      if (method === 'PUT' && uploadId) return putChunk(req, res, uploadId);
      if (method === 'POST' && url.searchParams.get('uploadType') === 'resumable') return startResumable(req, res, bucketName, url.searchParams);
      if (method === 'POST') return simpleUpload(req, res, bucketName, url.searchParams);
    }
    const list = LIST.exec(path);
    if (list && method === 'GET') return listObjects(res, decodeURIComponent(list[1]!), url.searchParams.get('prefix') ?? '');
    const object = OBJECT.exec(path);
    if (object && method === 'DELETE') {
      const bucketName = decodeURIComponent(object[1]!);
      const name = decodeURIComponent(object[2]!);
      if (!find(res, bucketName, name, url.searchParams.get('generation') ?? undefined)) return 404;
      buckets.get(bucketName)!.delete(name);
      res.writeHead(204);
      res.end();
      return 204;
    }
    if (object && method === 'GET') {
      const o = find(res, decodeURIComponent(object[1]!), decodeURIComponent(object[2]!), url.searchParams.get('generation') ?? undefined);
      if (!o) return 404;
      if (url.searchParams.get('alt') === 'media') return download(req, res, o);
      sendJson(res, 200, objectResource(origin, o));
      return 200;
    }
    req.resume();
    sendGoogleError(res, 404, `Not found: ${method} ${path} is not part of this contract endpoint`, 'notFound');
    return 404;
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', origin);
    const record: StorageRequestRecord = {
      method: req.method ?? 'GET',
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      range: req.headers.range,
      contentRange: req.headers['content-range'],
      status: 0,
    };
    requests.push(record);
    if (await faults.apply(req, res)) {
      record.status = res.statusCode;
      return;
    }
    record.status = await route(req, res, url);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err) => {
      if (!res.headersSent) sendGoogleError(res, 500, String(err));
      else res.destroy(err as Error);
    });
  });
  origin = await listen(server);

  return {
    /** Value for STORAGE_EMULATOR_HOST (an origin; the factory adds /storage/v1). */
    url: origin,
    requests,
    /**
     * Seeds an object, as if uploaded earlier. A new generation is assigned unless given; `hashes`
     * says which hashes are reported (see StoredObject).
     */
    async putObject(
      bucketName: string,
      name: string,
      content: ObjectContent,
      opts: { generation?: number; contentType?: string; hashes?: StoredObject['hashes'] } = {},
    ) {
      const o = await store({ bucket: bucketName, name, contentType: opts.contentType ?? 'application/octet-stream', content, hashes: opts.hashes });
      if (opts.generation !== undefined) o.generation = opts.generation;
      return { ...o, gsUri: `gs://${bucketName}/${name}` };
    },
    createBucket: (name: string) => void bucket(name),
    /** Objects in a bucket with their gs:// URI; `data()` materialises content (small objects only). */
    objects: (bucketName: string) =>
      [...(buckets.get(bucketName)?.values() ?? [])].map((o) => ({
        ...objectResource(origin, o),
        gsUri: `gs://${o.bucket}/${o.name}`,
        data: async () => {
          const chunks: Buffer[] = [];
          for await (const chunk of byteRange(o.content, 0, o.size - 1)) chunks.push(chunk);
          return Buffer.concat(chunks);
        },
      })),
    /** The live generation of an object, whole (what a BigQuery load job reads), or null if there is none. */
    async read(bucketName: string, name: string): Promise<Buffer | null> {
      const o = buckets.get(bucketName)?.get(name);
      if (!o) return null;
      const chunks: Buffer[] = [];
      for await (const chunk of byteRange(o.content, 0, o.size - 1)) chunks.push(chunk);
      return Buffer.concat(chunks);
    },
    failNext: faults.failNext.bind(faults),
    resetNext: faults.resetNext.bind(faults),
    delayNext: faults.delayNext.bind(faults),
    stallNext: faults.stallNext.bind(faults),
    answerNext: faults.answerNext.bind(faults),
    /** Injects a fault into the body of the next whole-object download (see DownloadFault). */
    faultNextDownload: (fault: DownloadFault) => void downloadFaults.push({ ...fault }),
    close: () => closeServer(server),
  };
}

export type StorageEndpoint = Awaited<ReturnType<typeof startStorageEndpoint>>;

/** Splits a multipart/related body (the JSON metadata part, then the media part). */
function parseMultipart(body: Buffer, contentType: string): Array<{ contentType?: string; body: Buffer }> {
  const boundary = /boundary="?([^";]+)"?/.exec(contentType)?.[1];
  if (!boundary) return [{ body }];
  const delimiter = Buffer.from(`--${boundary}`);
  const parts: Array<{ contentType?: string; body: Buffer }> = [];
  let at = body.indexOf(delimiter);
  while (at !== -1) {
    const next = body.indexOf(delimiter, at + delimiter.length);
    if (next === -1) break;
    const part = body.subarray(at + delimiter.length, next);
    const headerEnd = part.indexOf('\r\n\r\n');
    if (headerEnd !== -1) {
      const headers = part.subarray(0, headerEnd).toString('utf8');
      let content = part.subarray(headerEnd + 4);
      if (content.subarray(-2).toString() === '\r\n') content = content.subarray(0, -2);
      parts.push({ contentType: /content-type:\s*([^\r\n]+)/i.exec(headers)?.[1]?.trim(), body: content });
    }
    at = next;
  }
  return parts;
}
