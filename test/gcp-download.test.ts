import { randomBytes } from 'node:crypto';
import { createStorage } from '../shared/gcp/clients';
import { chooseCheck, DownloadMismatchError, DownloadStalledError, downloadObject } from '../shared/gcp/download';
import { withoutGoogleCredentials } from './contract/adc-guard';
import { startStorageEndpoint, type StorageEndpoint } from './contract/storage-endpoint';

async function readAll(chunks: AsyncIterable<Buffer>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of chunks) parts.push(chunk);
  return Buffer.concat(parts);
}

describe('downloadObject against the Cloud Storage contract endpoint', () => {
  withoutGoogleCredentials();
  let endpoint: StorageEndpoint;
  const content = randomBytes(300 * 1024);
  const storage = () => createStorage({ project: 'p', endpoints: { storage: endpoint.url } });
  beforeEach(async () => {
    endpoint = await startStorageEndpoint();
    endpoint.createBucket('b');
  });
  afterEach(() => endpoint.close());

  it.each(['both', 'crc32c', 'none'] as const)('reads the object whole (hashes reported: %s)', async (hashes) => {
    const o = await endpoint.putObject('b', 'a b/c?.log', content, { hashes });
    const unchecked: string[] = [];
    const bytes = await readAll(
      downloadObject(storage(), { bucket: 'b', name: 'a b/c?.log', generation: String(o.generation) }, { onUnchecked: (why) => unchecked.push(why) }),
    );
    expect(bytes.equals(content)).toBe(true);
    expect(unchecked).toEqual(hashes === 'none' ? ['the response carries no x-goog-hash'] : []);
  });

  it('raises on a byte changed in flight (CRC32C mismatch)', async () => {
    const o = await endpoint.putObject('b', 'x', content, { hashes: 'crc32c' });
    endpoint.faultNextDownload({ kind: 'corrupt', afterBytes: 1000 });
    await expect(readAll(downloadObject(storage(), { bucket: 'b', name: 'x', generation: String(o.generation) }))).rejects.toBeInstanceOf(
      DownloadMismatchError,
    );
  });

  it('raises on a reset mid-body, and on a stall once the reader waits stallMs', async () => {
    const o = await endpoint.putObject('b', 'x', content);
    const ref = { bucket: 'b', name: 'x', generation: String(o.generation) };
    endpoint.faultNextDownload({ kind: 'cut', afterBytes: 100 * 1024 });
    await expect(readAll(downloadObject(storage(), ref, { stallMs: 60_000 }))).rejects.toThrow(/aborted|reset|socket|terminated/i);
    endpoint.faultNextDownload({ kind: 'stall', afterBytes: 100 * 1024 });
    await expect(readAll(downloadObject(storage(), ref, { stallMs: 200 }))).rejects.toBeInstanceOf(DownloadStalledError);
  });

  it('retries a 503 before the first byte; a 404 is a DownloadError with code 404', async () => {
    const o = await endpoint.putObject('b', 'x', content);
    endpoint.failNext(1, 503);
    const bytes = await readAll(downloadObject(storage(), { bucket: 'b', name: 'x', generation: String(o.generation) }, { retry: { sleep: async () => {} } }));
    expect(bytes.equals(content)).toBe(true);
    const gone = downloadObject(storage(), { bucket: 'b', name: 'x', generation: '1' });
    await expect(readAll(gone)).rejects.toMatchObject({ name: 'DownloadError', code: 404 });
  });

  it('checks hashes only when the bytes come as stored', () => {
    expect(
      chooseCheck({ 'x-goog-hash': 'crc32c=AAAAAA==,md5=BBBB', 'x-goog-stored-content-encoding': 'gzip', 'content-encoding': 'gzip', 'content-length': '10' }),
    ).toEqual({
      kind: 'crc32c',
      expected: 'AAAAAA==',
      length: 10,
    });
    expect(chooseCheck({ 'x-goog-hash': 'md5=BBBB', 'content-length': '10' })).toMatchObject({ kind: 'md5', expected: 'BBBB' });
    expect(chooseCheck({ 'x-goog-hash': 'crc32c=AAAAAA==', 'x-goog-stored-content-encoding': 'gzip' }).kind).toBe('none');
    expect(chooseCheck({ 'content-length': '10' })).toMatchObject({ kind: 'length', length: 10 });
  });
});
