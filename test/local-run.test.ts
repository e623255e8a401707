import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openWarehouse, WarehouseLockedError } from '../shared/duckdb/open';

const root = join(__dirname, '..');
const script = join(root, 'dist', 'scripts', 'local-run.js');
// The runner drives the real functions; until they are on this branch the end-to-end test cannot run.
const functionsPresent = existsSync(join(root, 'functions', 'index.ts'));
// Guards against a hang, not a speed claim: room for two runs on a loaded 2-core machine.
const RUN_TIMEOUT_MS = 150_000;

(functionsPresent ? describe : describe.skip)('npm start (the one-command local run), end to end', () => {
  it('delivers generated events to both functions and reports what landed in DuckDB', async () => {
    if (!existsSync(script)) spawnSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'ignore' });
    const db = join(mkdtempSync(join(tmpdir(), 'cdnlog-local-run-')), 'run.duckdb');
    const child = spawnSync(process.execPath, [script, '--db', db, '--media-cdn', '300', '--edgeone-l4', '200', '--edgeone-l7', '300'], {
      encoding: 'utf8',
      env: { ...process.env, NODE_OPTIONS: '', BQ_DATASET: '', SINK: '' },
      timeout: RUN_TIMEOUT_MS,
    });
    expect(child.stderr).toMatch(/delivering events: 305\/305 \(302 Media CDN messages, 3 EdgeOne files\)/);
    expect(child.status).toBe(0);
    const report = child.stdout;
    expect(report).toMatch(/edgeone +http_request +301\n/); // 300 generated + the good line of the broken file
    expect(report).toMatch(/edgeone +l4_session +200\n/);
    expect(report).toMatch(/media_cdn +http_request +300\n/);
    expect(report).toMatch(/dead letters 4 +\(edgeone\/parse 1, edgeone\/validate 1, media_cdn\/parse 1, media_cdn\/validate 1\)/);
    expect(report).toMatch(/top countries by bytes +[A-Z]{2} [\d.]+ [KMG]?B/);
    expect(report).toMatch(/cache-hit ratio \(HTTP\) +\d+\.\d%/);
    expect(report).toMatch(/p95 latency \(HTTP\) +\d+ ms/);
    expect(report).toContain(`npx cdnlog query "SELECT * FROM traffic_hourly`);

    const warehouse = await openWarehouse(db, { mustExist: true });
    const counts = (await warehouse.connection.runAndReadAll(
      'SELECT (SELECT COUNT(*) FROM edge_logs), (SELECT COUNT(*) FROM edge_logs_dedup), (SELECT COUNT(*) FROM ingest_errors), (SELECT COUNT(*) FROM l4_sessions WHERE record_count > 0)',
    )).getRowsJson()[0];
    await warehouse.close();
    expect(counts?.slice(0, 3)).toEqual(['801', '801', '4']);

    // Running it again lands nothing new: same event ids, same object generations, same error ids.
    const again = spawnSync(process.execPath, [script, '--db', db, '--media-cdn', '300', '--edgeone-l4', '200', '--edgeone-l7', '300'], {
      encoding: 'utf8',
      env: { ...process.env, NODE_OPTIONS: '', BQ_DATASET: '', SINK: '' },
      timeout: RUN_TIMEOUT_MS,
    });
    expect(again.status).toBe(0);
    expect(again.stdout.split('\n').slice(2, 7)).toEqual(report.split('\n').slice(2, 7));
  }, 2 * RUN_TIMEOUT_MS + 30_000);
});

describe('one writer per DuckDB file', () => {
  it('says clearly that another process holds the file', async () => {
    const db = join(mkdtempSync(join(tmpdir(), 'cdnlog-lock-')), 'locked.duckdb');
    const holder = spawn(process.execPath, ['-e', `require('@duckdb/node-api').DuckDBInstance.create(${JSON.stringify(db)}).then(() => { console.log('open'); setTimeout(() => {}, 30000); })`], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    try {
      await new Promise((ok) => holder.stdout.once('data', ok));
      await expect(openWarehouse(db)).rejects.toThrow(WarehouseLockedError);
      await expect(openWarehouse(db)).rejects.toThrow(new RegExp(`open for writing in process ${holder.pid} .*one writing process per file`));
    } finally {
      holder.kill();
    }
  });
});
