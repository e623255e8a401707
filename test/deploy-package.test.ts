/**
 * The functions' deploy package, as terraform/stage-function-source.sh stages it from dist/ (`npm
 * test` builds first): what it holds, its manifests, and — run in a fresh node process against the
 * local BigQuery and Cloud Storage contract endpoints — the packages its code actually requires.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { generateEdgeoneL7 } from '../shared/generate/edgeone-l7';
import { generateMediaCdn } from '../shared/generate/media-cdn';
import { toBigQuerySchema } from '../shared/schema/bigquery-schema';
import { EdgeLogRow } from '../shared/schema/edge-log';
import { IngestErrorRow } from '../shared/schema/ingest-error';
import { locate, pruneLockfile, type Lockfile } from '../scripts/deploy/lockfile';
import { startBigQueryEndpoint } from './contract/bigquery-endpoint';
import { startBigQueryWriteEndpoint } from './contract/bigquery-write-endpoint';
import { cdnlogTables } from './contract/bigquery-write-endpoint-client';
import { startStorageEndpoint } from './contract/storage-endpoint';

const REPO = resolve(__dirname, '..');
const root = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as {
  main: string;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};
const rootLock = JSON.parse(readFileSync(join(REPO, 'package-lock.json'), 'utf8')) as Lockfile;

const work = mkdtempSync(join(tmpdir(), 'cdnlog-deploy-'));
const stage = join(work, 'function-source');
const staged = spawnSync('bash', [join(REPO, 'terraform/stage-function-source.sh'), stage], { encoding: 'utf8' });
const pkg = () => JSON.parse(readFileSync(join(stage, 'package.json'), 'utf8')) as typeof root & { scripts: Record<string, string> };
const lock = () => JSON.parse(readFileSync(join(stage, 'package-lock.json'), 'utf8')) as Lockfile;

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(stage, join(entry.parentPath, entry.name)).split('\\').join('/'))
    .sort();
}

describe('deploy package (terraform/stage-function-source.sh)', () => {
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('stages without error', () => {
    expect(staged.stderr).toBe('');
    expect(staged.status).toBe(0);
  });

  it('holds only compiled functions code and its manifests: no test, bench, CLI, local-runner, DuckDB or generator file', () => {
    const files = filesUnder(stage);
    expect(files).toEqual(
      expect.arrayContaining(['package.json', 'package-lock.json', root.main, 'dist/shared/sink/bigquery.js', 'dist/shared/gcp/clients.js']),
    );
    const unexpected = files.filter((f) => !/^(package\.json|package-lock\.json|dist\/(functions|shared)\/[\w/-]+\.js)$/.test(f));
    expect(unexpected).toEqual([]);
    // dist/shared/gcp/pubsub.js ships: edgeonePush publishes (it loads the library on first use).
    const forbidden = files.filter((f) => /\/(cli|local|duckdb|generate|bench|test|scripts)\/|duckdb|\.test\.js$/.test(f));
    expect(forbidden).toEqual([]);
  });

  it('has package.json main as the entry point, and only runtime dependencies at the repository ranges', () => {
    const { main, dependencies, scripts } = pkg();
    expect(main).toBe(root.main);
    expect(scripts).toEqual({ 'gcp-build': '' });
    for (const [name, range] of Object.entries(dependencies)) {
      expect([name, range]).toEqual([name, root.dependencies[name]]);
      expect(root.devDependencies[name]).toBeUndefined();
    }
    expect(Object.keys(dependencies)).not.toEqual(expect.arrayContaining(['@duckdb/node-api']));
    expect(Object.keys(dependencies)).toEqual(expect.arrayContaining(['@google-cloud/pubsub'])); // edgeonePush publishes
  });

  it('has a lockfile consistent with package.json, cut unchanged from the repository lockfile', () => {
    const { packages } = lock();
    expect(packages['']!.dependencies).toEqual(pkg().dependencies);
    const entries = Object.entries(packages).filter(([key]) => key !== '');
    expect(entries.length).toBeGreaterThan(0);
    for (const [key, entry] of entries) {
      expect([key, entry]).toEqual([key, rootLock.packages[key]]);
      expect(key).not.toMatch(/@duckdb|node_modules\/typescript$|node_modules\/jest$/);
      expect(entry.dev).toBeUndefined();
      // What npm ci checks: every required dependency resolves inside this lockfile.
      for (const name of Object.keys(entry.dependencies ?? {})) expect([key, name, locate(packages, key, name)]).toEqual([key, name, expect.any(String)]);
    }
    for (const name of Object.keys(pkg().dependencies)) expect(packages[`node_modules/${name}`]).toBeDefined();
  });

  it("carries the repository's allowScripts decision for every package with install scripts it installs, and for no other", () => {
    const withScripts = Object.entries(lock().packages)
      .filter(([key, entry]) => key !== '' && entry.hasInstallScript === true)
      .map(([key]) => key.slice(key.lastIndexOf('node_modules/') + 'node_modules/'.length))
      .sort();
    expect(withScripts.length).toBeGreaterThan(0);
    const repoDecisions = (JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { allowScripts: Record<string, boolean> }).allowScripts;
    const staged = (pkg() as { allowScripts?: Record<string, boolean> }).allowScripts ?? {};
    expect(Object.keys(staged).sort()).toEqual(withScripts);
    for (const name of withScripts) expect([name, staged[name]]).toEqual([name, repoDecisions[name]]);
  });

  it('depends on exactly the packages its code requires while handling one Media CDN and one EdgeOne event, and loads no client library at cold start (local BigQueryWrite, BigQuery and Cloud Storage contract endpoints)', async () => {
    const bigquery = await startBigQueryEndpoint({
      tables: { 'cdnlog.edge_logs': toBigQuerySchema(EdgeLogRow), 'cdnlog.ingest_errors': toBigQuerySchema(IngestErrorRow) },
    });
    // The default write method: rows through the Write API, the object's commit looked up over REST.
    const write = await startBigQueryWriteEndpoint({ tables: cdnlogTables('cdnlog') });
    bigquery.answerQueries((q) => ({
      fields: [
        { name: 'stream', type: 'STRING' },
        { name: 'state', type: 'STRING' },
        { name: 'rows', type: 'INT64' },
      ],
      rows: write.rows('cdnlog.ingest_commits').filter((r) => r.object === q.params.object?.value),
    }));
    const storage = await startStorageEndpoint();
    try {
      const edgeone = [...generateEdgeoneL7({ count: 3, seed: 'deploy' })].map((r) => JSON.stringify(r)).join('\n');
      const object = await storage.putObject('uploads', 'edgeone/a.log.gz', gzipSync(edgeone));
      const [media] = [...generateMediaCdn({ count: 1, seed: 'deploy' })];
      const message = (data: string, messageId: string, attributes: Record<string, string> = {}) => ({
        message: { data: Buffer.from(data).toString('base64'), messageId, attributes },
        subscription: 'projects/p/subscriptions/s',
      });
      const events = {
        mediaCdnLogs: message(JSON.stringify(media), 'm-1'),
        edgeoneLogs: message(JSON.stringify({ bucket: 'uploads', name: object.name, generation: String(object.generation) }), 'e-1', {
          bucketId: 'uploads',
          objectId: object.name,
          objectGeneration: String(object.generation),
          eventType: 'OBJECT_FINALIZE',
          payloadFormat: 'JSON_API_V1',
        }),
      };
      // The stage's node_modules is the repository's (a superset): what is recorded is what the
      // staged files ask for, whatever is installed.
      symlinkSync(join(REPO, 'node_modules'), join(stage, 'node_modules'), 'dir');
      const result = await runNode(RECORD_REQUIRES, [stage, JSON.stringify(events)], {
        PATH: process.env.PATH ?? '',
        GOOGLE_CLOUD_PROJECT: 'test-project',
        BQ_DATASET: 'cdnlog',
        UPLOAD_BUCKET: 'uploads',
        BIGQUERY_STORAGE_EMULATOR_HOST: `${write.host}:${write.port}`,
        BIGQUERY_EMULATOR_HOST: bigquery.url,
        STORAGE_EMULATOR_HOST: storage.url,
        GOOGLE_APPLICATION_CREDENTIALS: '/nonexistent/cdnlog-contract-test-credentials.json',
        GCE_METADATA_HOST: '127.0.0.1:9',
      });
      expect(result.code).toBe(0);
      const reported = (label: string) => {
        const line = result.stdout.split('\n').find((l) => l.startsWith(`${label} `));
        expect([label, line]).toEqual([label, expect.any(String)]);
        return (JSON.parse(line!.slice(label.length + 1)) as string[]).sort();
      };
      // @google-cloud/pubsub is required by edgeonePush alone, on its first request, which these two
      // events do not exercise.
      expect(reported('REQUIRED')).toEqual(
        Object.keys(pkg().dependencies)
          .filter((d) => d !== '@google-cloud/pubsub')
          .sort(),
      );
      // The client libraries load on first use, not at cold start.
      expect(reported('AT_LOAD')).toEqual(['@google-cloud/functions-framework', 'zod']);
      expect(reported('REQUIRED')).toContain('@google-cloud/bigquery-storage');
      expect(write.rows('cdnlog.edge_logs')).toHaveLength(1 + 3);
    } finally {
      await write.close();
      await bigquery.close();
      await storage.close();
    }
  });
});

/** Child: records the packages the staged files require, loads the entry point, handles each event once. */
const RECORD_REQUIRES = `
const Module = require('node:module');
const path = require('node:path');
const [stage, events] = process.argv.slice(1);
const required = new Set();
const resolveFilename = Module._resolveFilename;
Module._resolveFilename = function (request, parent, ...rest) {
  const fromStage = parent && parent.filename && parent.filename.startsWith(stage + path.sep) && !parent.filename.includes(path.sep + 'node_modules' + path.sep);
  if (fromStage && !request.startsWith('.') && !Module.isBuiltin(request)) {
    required.add(request.startsWith('@') ? request.split('/').slice(0, 2).join('/') : request.split('/')[0]);
  }
  return resolveFilename.call(this, request, parent, ...rest);
};
const functions = require(path.join(stage, require(path.join(stage, 'package.json')).main));
const atLoad = [...required];
(async () => {
  for (const [name, data] of Object.entries(JSON.parse(events))) {
    await functions[name]({ specversion: '1.0', id: name, type: 'google.cloud.pubsub.topic.v1.messagePublished', source: '//pubsub.googleapis.com/projects/p/topics/t', data });
  }
  process.stdout.write('AT_LOAD ' + JSON.stringify(atLoad) + '\\nREQUIRED ' + JSON.stringify([...required]) + '\\n', () => process.exit(0));
})().catch((err) => { console.error(err); process.exit(1); });
`;

function runNode(script: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, ['-e', script, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    child.on('error', reject);
    child.on('close', (code) => resolvePromise({ code, stdout, stderr }));
  });
}

describe('lockfile cut (scripts/deploy/lockfile.ts)', () => {
  const lockOf = (packages: Lockfile['packages']): Lockfile => ({
    name: 'x',
    version: '1.0.0',
    lockfileVersion: 3,
    requires: true,
    packages: { '': {}, ...packages },
  });

  it('keeps what the dependencies reach, nested copies resolved as Node does, and nothing else', () => {
    const lock = lockOf({
      'node_modules/a': { version: '1.0.0', dependencies: { b: '^2', gone: '^1' }, optionalDependencies: { native: '^1' } },
      'node_modules/a/node_modules/b': { version: '2.0.0', dependencies: { c: '^1' } },
      'node_modules/b': { version: '1.0.0' },
      'node_modules/c': { version: '1.0.0', peerDependencies: { d: '*' }, peerDependenciesMeta: { d: { optional: true } } },
      'node_modules/gone': { version: '1.0.0' },
      'node_modules/unused': { version: '1.0.0' },
    });
    const cut = pruneLockfile(lock, { name: 'x', version: '1.0.0' }, { a: '^1' });
    expect(Object.keys(cut.packages)).toEqual(['', 'node_modules/a', 'node_modules/a/node_modules/b', 'node_modules/c', 'node_modules/gone']);
    expect(cut.packages['']).toEqual({ name: 'x', version: '1.0.0', dependencies: { a: '^1' } });
  });

  it('refuses a dependency the lockfile lacks, or one it marks dev-only', () => {
    expect(() => pruneLockfile(lockOf({ 'node_modules/a': { dependencies: { b: '^1' } } }), { name: 'x', version: '1' }, { a: '^1' })).toThrow(
      /no b for node_modules\/a/,
    );
    expect(() => pruneLockfile(lockOf({ 'node_modules/a': { dev: true } }), { name: 'x', version: '1' }, { a: '^1' })).toThrow(
      /marks node_modules\/a dev-only/,
    );
  });
});
