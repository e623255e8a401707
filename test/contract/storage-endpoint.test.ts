import { createHash } from 'node:crypto';
import type { Storage } from '@google-cloud/storage';
import { createStorage } from '../../shared/gcp/clients';
import { withoutGoogleCredentials } from './adc-guard';
import { startStorageEndpoint, type StorageEndpoint } from './storage-endpoint';
import { requireVmModules } from './vm-modules-guard';

const MiB = 1024 * 1024;

/** Deterministic pseudo-random bytes, regenerated on demand instead of kept in memory. */
function* generated(totalBytes: number, chunkBytes = 64 * 1024): Generator<Buffer> {
  for (let offset = 0, n = 0; offset < totalBytes; offset += chunkBytes, n++) {
    const chunk = Buffer.alloc(Math.min(chunkBytes, totalBytes - offset), n % 251);
    chunk.writeUInt32BE(n, 0);
    yield chunk;
  }
}

function sha256(chunks: Iterable<Buffer>): string {
  const hash = createHash('sha256');
  for (const chunk of chunks) hash.update(chunk);
  return hash.digest('hex');
}

describe('Cloud Storage client against the local Cloud Storage JSON API contract endpoint', () => {
  requireVmModules();
  withoutGoogleCredentials();
  let endpoint: StorageEndpoint;
  let storage: Storage;

  beforeEach(async () => {
    endpoint = await startStorageEndpoint();
    storage = createStorage({ project: 'test-project', endpoints: { storage: endpoint.url } });
  });
  afterEach(() => endpoint.close());

  it('reads metadata with no credentials, ADC or metadata server available', async () => {
    const seeded = await endpoint.putObject('logs', 'edgeone/2024/05/01/00.json.gz', Buffer.from('hello'), { contentType: 'application/gzip' });
    const [metadata] = await storage.bucket('logs').file('edgeone/2024/05/01/00.json.gz').getMetadata();
    expect(metadata).toMatchObject({
      name: 'edgeone/2024/05/01/00.json.gz',
      bucket: 'logs',
      size: '5',
      contentType: 'application/gzip',
      generation: String(seeded.generation),
    });
    expect(seeded.gsUri).toBe('gs://logs/edgeone/2024/05/01/00.json.gz');
    expect(endpoint.requests[0]?.path).toBe('/storage/v1/b/logs/o/edgeone%2F2024%2F05%2F01%2F00.json.gz');
  });

  it('answers 404 with a Google error body for a missing object', async () => {
    endpoint.createBucket('logs');
    await expect(storage.bucket('logs').file('missing.json').getMetadata()).rejects.toMatchObject({ code: 404, message: 'No such object: logs/missing.json' });
    await expect(storage.bucket('logs').file('missing.json').download()).rejects.toMatchObject({ code: 404 });
  });

  it('streams a large object with flat memory and validates its crc32c', async () => {
    const size = 160 * MiB;
    await endpoint.putObject('logs', 'big.ndjson', () => generated(size));
    global.gc?.();
    const before = process.memoryUsage();
    let peak = 0;
    let received = 0;
    const hash = createHash('sha256');
    for await (const chunk of storage.bucket('logs').file('big.ndjson').createReadStream() as AsyncIterable<Buffer>) {
      received += chunk.length;
      hash.update(chunk);
      const now = process.memoryUsage();
      peak = Math.max(peak, now.heapUsed + now.arrayBuffers - before.heapUsed - before.arrayBuffers);
    }
    expect(received).toBe(size);
    expect(hash.digest('hex')).toBe(sha256(generated(size)));
    // Far below the object size: neither the endpoint nor the client buffered it whole.
    expect(peak).toBeLessThan(96 * MiB);
    expect(endpoint.requests.at(-1)).toMatchObject({ path: '/storage/v1/b/logs/o/big.ndjson', query: { alt: 'media' }, status: 200 });
  });

  it('honours Range requests and a pinned generation', async () => {
    const seeded = await endpoint.putObject('logs', 'r.txt', Buffer.from('0123456789'));
    const file = storage.bucket('logs').file('r.txt', { generation: seeded.generation });
    const [slice] = await file.download({ start: 2, end: 5 });
    expect(slice.toString()).toBe('2345');
    expect(endpoint.requests.at(-1)).toMatchObject({ range: 'bytes=2-5', status: 206, query: { alt: 'media', generation: String(seeded.generation) } });
    const stale = storage.bucket('logs').file('r.txt', { generation: seeded.generation - 1 });
    await expect(stale.download()).rejects.toMatchObject({ code: 404 });
  });

  it('completes a resumable upload of a >10 MB buffer in 308-acknowledged chunks', async () => {
    const data = Buffer.concat([...generated(12 * MiB + 12345)]);
    const file = storage.bucket('out').file('batch/0001.ndjson');
    await file.save(data, { resumable: true, chunkSize: 4 * MiB, contentType: 'application/x-ndjson' });
    const puts = endpoint.requests.filter((r) => r.method === 'PUT');
    expect(endpoint.requests[0]).toMatchObject({
      method: 'POST',
      path: '/upload/storage/v1/b/out/o',
      query: { uploadType: 'resumable', name: 'batch/0001.ndjson' },
    });
    expect(puts.map((r) => r.status)).toEqual([308, 308, 308, 200]);
    expect(puts[0]?.contentRange).toBe(`bytes 0-${4 * MiB - 1}/*`);
    const [stored] = endpoint.objects('out');
    expect(stored).toMatchObject({ gsUri: 'gs://out/batch/0001.ndjson', size: String(data.length), contentType: 'application/x-ndjson' });
    expect((await stored!.data()).equals(data)).toBe(true);
  });

  it('completes a single-request resumable upload and a multipart upload', async () => {
    const data = Buffer.concat([...generated(11 * MiB)]);
    await storage.bucket('out').file('one-shot.bin').save(data, { resumable: true });
    await storage.bucket('out').file('small.json').save('{"a":1}', { resumable: false, contentType: 'application/json' });
    const objects = endpoint.objects('out');
    expect(objects.map((o) => [o.name, o.size])).toEqual([
      ['one-shot.bin', String(data.length)],
      ['small.json', '7'],
    ]);
    expect((await objects[1]!.data()).toString()).toBe('{"a":1}');
    expect(endpoint.requests.find((r) => r.query.uploadType === 'multipart')).toMatchObject({ path: '/upload/storage/v1/b/out/o', status: 200 });
  });

  it('deletes an object (then 404), and streams a non-resumable upload as one multipart request', async () => {
    const file = storage.bucket('staging').file('load-jobs/x.ndjson');
    await new Promise<void>((resolve, reject) => {
      const upload = file.createWriteStream({ resumable: false, contentType: 'application/x-ndjson', validation: 'crc32c' });
      upload.on('error', reject).on('finish', resolve);
      for (let i = 0; i < 1000; i++) upload.write(`{"n":${i}}\n`);
      upload.end();
    });
    expect((await endpoint.read('staging', 'load-jobs/x.ndjson'))?.toString().split('\n')).toHaveLength(1001);
    expect(endpoint.requests.filter((r) => r.path.startsWith('/upload/')).map((r) => r.query.uploadType)).toEqual(['multipart']);
    await file.delete();
    expect(await endpoint.read('staging', 'load-jobs/x.ndjson')).toBeNull();
    await expect(file.delete()).rejects.toMatchObject({ code: 404 });
    await file.delete({ ignoreNotFound: true });
  });

  it('retries an idempotent read after a 503 (storage keeps its client retries)', async () => {
    await endpoint.putObject('logs', 'x', Buffer.from('x'));
    endpoint.failNext(1, 503);
    const [metadata] = await storage.bucket('logs').file('x').getMetadata();
    expect(metadata.name).toBe('x');
    expect(endpoint.requests.map((r) => r.status)).toEqual([503, 200]);
  });
});
