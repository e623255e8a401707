import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, utimesSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { generateEdgeoneL7 } from '../shared/generate/edgeone-l7';
import { generateMediaCdn } from '../shared/generate/media-cdn';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { openWarehouse, WarehouseLockedError } from '../shared/duckdb/open';

const root = join(__dirname, '..');
const script = join(root, 'dist', 'scripts', 'local-run.js');
// The runner drives the real functions; until they are on this branch the end-to-end test cannot run.
const functionsPresent = existsSync(join(root, 'functions', 'index.ts'));
// Guards against a hang, not a speed claim: room for two runs on a loaded 2-core machine.
const RUN_TIMEOUT_MS = 150_000;

(functionsPresent ? describe : describe.skip)('npm start (the one-command local run), end to end', () => {
  it(
    'delivers generated events to both functions and reports what landed in DuckDB',
    async () => {
      if (!existsSync(script)) spawnSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'ignore' });
      const db = join(mkdtempSync(join(tmpdir(), 'cdnlog-local-run-')), 'run.duckdb');
      const child = spawnSync(process.execPath, [script, '--db', db, '--media-cdn', '300', '--edgeone-l4', '200', '--edgeone-l7', '300'], {
        cwd: root,
        encoding: 'utf8',
        env: { ...process.env, NODE_OPTIONS: '', BQ_DATASET: '', SINK: '' },
        timeout: RUN_TIMEOUT_MS,
      });
      expect(child.stderr).toMatch(/delivering events: 306\/306 \(302 Media CDN messages, 3 EdgeOne files, 1 EdgeOne push batch\)/);
      expect(child.status).toBe(0);
      const report = child.stdout;
      expect(report).toMatch(/edgeone +http_request +301 +301\n/); // 300 generated (75 pushed) + the good line of the broken file
      expect(report).toMatch(/edgeone +l4_session +200 +200\n/);
      expect(report).toMatch(/media_cdn +http_request +300 +300\n/);
      expect(report).toMatch(/dead letters 4, 4 new this run +\(edgeone\/parse 1, edgeone\/validate 1, media_cdn\/parse 1, media_cdn\/validate 1\)/);
      expect(report).toMatch(/EdgeOne push +75 L7 records in 1 batch through edgeonePush\n/);
      expect(report).toMatch(/top countries by bytes +[A-Z]{2} [\d.]+ [KMG]?B/);
      expect(report).toMatch(/cache-hit ratio \(HTTP\) +\d+\.\d%/);
      expect(report).toMatch(/p95 latency \(HTTP\) +\d+ ms/);
      // A command that runs from here as it is printed (no npx registry lookup).
      expect(report).toContain(`node bin/cdnlog.js query "SELECT * FROM traffic_hourly`);
      expect(report).toContain(`function logs: ${join(dirname(db), 'local-run.log')}\n`);

      const warehouse = await openWarehouse(db, { mustExist: true });
      const counts = (
        await warehouse.connection.runAndReadAll(
          'SELECT (SELECT COUNT(*) FROM edge_logs), (SELECT COUNT(*) FROM edge_logs_dedup), (SELECT COUNT(*) FROM ingest_errors), (SELECT COUNT(*) FROM l4_sessions WHERE record_count > 0)',
        )
      ).getRowsJson()[0];
      await warehouse.close();
      expect(counts?.slice(0, 3)).toEqual(['801', '801', '4']);

      // Running it again lands nothing new: same event ids, same object generations, same error ids.
      const again = spawnSync(process.execPath, [script, '--db', db, '--media-cdn', '300', '--edgeone-l4', '200', '--edgeone-l7', '300'], {
        cwd: root,
        encoding: 'utf8',
        env: { ...process.env, NODE_OPTIONS: '', BQ_DATASET: '', SINK: '' },
        timeout: RUN_TIMEOUT_MS,
      });
      expect(again.status).toBe(0);
      // Same totals, and the report says none of it is new.
      expect(again.stdout).toMatch(/edgeone +http_request +301 +0\n/);
      expect(again.stdout).toMatch(/edgeone +l4_session +200 +0\n/);
      expect(again.stdout).toMatch(/media_cdn +http_request +300 +0\n/);
      expect(again.stdout).toMatch(/dead letters 4, 0 new this run /);
    },
    2 * RUN_TIMEOUT_MS + 30_000,
  );
});

const jsonl = (records: Iterable<object>) => `${[...records].map((r) => JSON.stringify(r)).join('\n')}\n`;

function localRun(args: string[]) {
  return spawnSync(process.execPath, [script, ...args], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, NODE_OPTIONS: '', BQ_DATASET: '', SINK: '' },
    timeout: RUN_TIMEOUT_MS,
  });
}

(functionsPresent ? describe : describe.skip)('npm start with your own files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cdnlog-own-files-'));
  const db = join(dir, 'own.duckdb');
  const edgeone = join(dir, 'edgeone-2026110110.log.gz');
  const l7 = [...generateEdgeoneL7({ count: 150, seed: 'own' })];

  it('delivers only your files: nothing generated, no demo records', async () => {
    const media = join(dir, 'media.json');
    writeFileSync(media, jsonl(generateMediaCdn({ count: 40, seed: 'own' })));
    writeFileSync(edgeone, gzipSync(jsonl(l7.slice(0, 100))));
    utimesSync(edgeone, new Date('2026-11-01T13:00:00Z'), new Date('2026-11-01T13:00:00Z'));
    const run = localRun(['--db', db, '--media-cdn-file', media, '--edgeone-file', edgeone]);
    expect(run.status).toBe(0);
    expect(run.stderr).toMatch(/delivering events: 41\/41 \(40 Media CDN messages, 1 EdgeOne files\)/);
    expect(run.stdout).toMatch(/edgeone +http_request +100 +100\n/);
    expect(run.stdout).toMatch(/media_cdn +http_request +40 +40\n/);
    expect(run.stdout).not.toMatch(/l4_session/);
    expect(run.stdout).toMatch(/dead letters 0, 0 new this run\n/);
  });

  it('an EdgeOne file uploaded again bigger (offline packages grow for up to a day) lands only its new lines', async () => {
    // The same hour's package, 50 lines longer: a new object generation. Its first 100 records have
    // the same RequestID + RequestTime, so the same event_id, and only the 50 new ones are new rows.
    writeFileSync(edgeone, gzipSync(jsonl(l7)));
    utimesSync(edgeone, new Date('2026-11-01T20:00:00Z'), new Date('2026-11-01T20:00:00Z'));
    const run = localRun(['--db', db, '--edgeone-file', edgeone]);
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/edgeone +http_request +150 +50\n/);
    const warehouse = await openWarehouse(db, { mustExist: true });
    const [counts] = (
      await warehouse.connection.runAndReadAll("SELECT COUNT(*), COUNT(DISTINCT event_id) FROM edge_logs WHERE source = 'edgeone'")
    ).getRowsJson();
    await warehouse.close();
    expect(counts).toEqual(['150', '150']);
  });
});

describe('one writer per DuckDB file', () => {
  it('says clearly that another process holds the file', async () => {
    const db = join(mkdtempSync(join(tmpdir(), 'cdnlog-lock-')), 'locked.duckdb');
    const holder = spawn(
      process.execPath,
      ['-e', `require('@duckdb/node-api').DuckDBInstance.create(${JSON.stringify(db)}).then(() => { console.log('open'); setTimeout(() => {}, 30000); })`],
      {
        cwd: root,
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    try {
      await new Promise((ok) => holder.stdout.once('data', ok));
      await expect(openWarehouse(db)).rejects.toThrow(WarehouseLockedError);
      await expect(openWarehouse(db)).rejects.toThrow(new RegExp(`open for writing in process ${holder.pid} .*one writing process per file`));
    } finally {
      holder.kill();
    }
  });
});

(functionsPresent ? describe : describe.skip)('npm start -- --media-cdn-delivery batched (files to mediaCdnFiles, as terraform deploys by default)', () => {
  it(
    'lands the same Media CDN rows as the realtime run, from files; a rerun lands nothing new',
    () => {
      const dir = mkdtempSync(join(tmpdir(), 'cdnlog-batched-'));
      const args = (db: string, delivery: string) => [
        '--db',
        db,
        '--media-cdn',
        '2500',
        '--edgeone-l4',
        '0',
        '--edgeone-l7',
        '0',
        '--media-cdn-delivery',
        delivery,
      ];
      const batched = localRun(args(join(dir, 'batched.duckdb'), 'batched'));
      // 2,500 entries and the 2 broken messages: 3 files of up to 1,000 lines, plus the broken EdgeOne file.
      expect(batched.stderr).toMatch(/delivering events: 4\/4 \(3 Media CDN files of 2,502 entries, 1 EdgeOne files\)/);
      expect(batched.status).toBe(0);
      expect(batched.stdout).toMatch(/media_cdn +http_request +2,500 +2,500\n/);
      expect(batched.stdout).toMatch(/media_cdn\/parse 1, media_cdn\/validate 1\)/);
      const realtime = localRun(args(join(dir, 'realtime.duckdb'), 'realtime'));
      expect(realtime.status).toBe(0);
      expect(realtime.stdout).toMatch(/media_cdn +http_request +2,500 +2,500\n/);
      const again = localRun(args(join(dir, 'batched.duckdb'), 'batched'));
      expect(again.status).toBe(0);
      expect(again.stdout).toMatch(/media_cdn +http_request +2,500 +0\n/);
      expect(again.stdout).toMatch(/dead letters 4, 0 new this run /);
      expect(localRun(['--media-cdn-delivery', 'hourly']).stderr).toContain('--media-cdn-delivery must be one of realtime, batched');
    },
    3 * RUN_TIMEOUT_MS + 30_000,
  );
});
