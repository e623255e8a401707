import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHash } from 'node:crypto';
import { join, resolve, sep } from 'node:path';
import { CRC32C } from '@google-cloud/storage';

/**
 * A read-only Cloud Storage JSON API endpoint serving one local folder as one bucket: objects.get
 * (metadata, and alt=media downloads) — exactly what the edgeoneLogs function asks for when a
 * notification arrives. Point STORAGE_EMULATOR_HOST at `url`. Generations are the file's mtime in
 * microseconds, so a rewritten file is a new generation, as in Cloud Storage.
 */
interface FolderBucket {
  url: string;
  bucket: string;
  /** The object resource for a file name in the folder (what a notification's data carries). */
  describe(name: string): Promise<Record<string, string>>;
  close(): Promise<void>;
}

const OBJECT = /^(?:\/download)?\/storage\/v1\/b\/([^/]+)\/o\/([^/]+)$/;

export async function serveFolderAsBucket(folder: string, bucket: string): Promise<FolderBucket> {
  const root = resolve(folder);
  let origin = '';

  async function describe(name: string): Promise<Record<string, string>> {
    const path = resolve(join(root, name));
    if (!path.startsWith(root + sep)) throw Object.assign(new Error('outside the folder'), { code: 'ENOENT' });
    const info = await stat(path);
    if (!info.isFile()) throw Object.assign(new Error('not a file'), { code: 'ENOENT' });
    // Whole-file hashes: the client checks downloads against them. Files here are small.
    const data = await readFile(path);
    const crc = new CRC32C();
    crc.update(data);
    return {
      kind: 'storage#object',
      bucket,
      name,
      id: `${bucket}/${name}/${Math.trunc(info.mtimeMs * 1000)}`,
      generation: String(Math.trunc(info.mtimeMs * 1000)),
      metageneration: '1',
      contentType: 'application/octet-stream',
      size: String(info.size),
      md5Hash: createHash('md5').update(data).digest('base64'),
      crc32c: crc.toString(),
      timeCreated: info.mtime.toISOString(),
      updated: info.mtime.toISOString(),
      selfLink: `${origin}/storage/v1/b/${bucket}/o/${encodeURIComponent(name)}`,
      mediaLink: `${origin}/download/storage/v1/b/${bucket}/o/${encodeURIComponent(name)}?generation=${Math.trunc(info.mtimeMs * 1000)}&alt=media`,
    };
  }

  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', origin);
    const m = OBJECT.exec(url.pathname);
    const fail = (status: number, message: string) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { code: status, message, errors: [{ message, reason: status === 404 ? 'notFound' : 'invalid' }] } }));
    };
    if (req.method !== 'GET' || !m) return fail(404, `${req.method} ${url.pathname} is not served by the local bucket`);
    if (decodeURIComponent(m[1]!) !== bucket) return fail(404, 'The specified bucket does not exist.');
    const name = decodeURIComponent(m[2]!);
    describe(name).then(
      (resource) => {
        const generation = url.searchParams.get('generation');
        if (generation && generation !== resource.generation) return fail(404, `No such object: ${bucket}/${name}#${generation}`);
        if (url.searchParams.get('alt') !== 'media') {
          res.writeHead(200, { 'content-type': 'application/json' });
          return res.end(JSON.stringify(resource));
        }
        res.writeHead(200, {
          'content-type': resource.contentType!,
          'content-length': resource.size,
          'x-goog-generation': resource.generation,
          'x-goog-hash': `crc32c=${resource.crc32c},md5=${resource.md5Hash}`,
          'x-goog-stored-content-encoding': 'identity',
          'x-goog-stored-content-length': resource.size,
        });
        createReadStream(join(root, name)).pipe(res);
      },
      () => fail(404, `No such object: ${bucket}/${name}`),
    );
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: origin,
    bucket,
    describe,
    close: () => new Promise((ok) => server.close(() => ok())),
  };
}
