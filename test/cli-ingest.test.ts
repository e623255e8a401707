import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { openWarehouse } from '../shared/duckdb/open';
import { generateEdgeoneL7 } from '../shared/generate/edgeone-l7';
import { generateMediaCdn } from '../shared/generate/media-cdn';
import { openDuckDbSink } from '../shared/sink/duckdb';
import { CLI, cdnlog, cleanEnv, ensureBuilt, root } from './support/cli-binary';

const dir = mkdtempSync(join(tmpdir(), 'cdnlog-cli-ingest-'));
const jsonl = (records: Iterable<object>) => `${[...records].map((r) => JSON.stringify(r)).join('\n')}\n`;

async function scalars(db: string, sql: string): Promise<unknown[]> {
  const warehouse = await openWarehouse(db, { mustExist: true });
  try {
    return (await warehouse.connection.runAndReadAll(sql)).getRowsJson()[0]!;
  } finally {
    await warehouse.close();
  }
}

beforeAll(ensureBuilt);

describe('cdnlog ingest, the real binary', () => {
  it('stops before writing anything when the first records fit another source, with the hint; --keep-going lands them as dead letters', async () => {
    const file = join(dir, 'l7.log');
    writeFileSync(file, jsonl(generateEdgeoneL7({ count: 500, seed: 'wrong' })));
    const db = join(dir, 'wrong.duckdb');
    const stopped = await cdnlog(['ingest', '--source', 'media-cdn', file, '--db', db]);
    expect(stopped.code).toBe(2);
    expect(stopped.stderr).toContain(
      `cdnlog ingest: ${file}: none of the first 20 records is a media-cdn record (logName: is required; insertId: is required; timestamp: is required); they look like EdgeOne L7 records: --source edgeone?`,
    );
    expect(stopped.stderr).not.toMatch(/Usage:/);
    expect(await scalars(db, 'SELECT (SELECT COUNT(*) FROM edge_logs), (SELECT COUNT(*) FROM ingest_errors)')).toEqual(['0', '0']);

    const forced = await cdnlog(['ingest', '--source', 'media-cdn', file, '--db', db, '--keep-going']);
    expect(forced.code).toBe(1);
    expect(forced.stdout).toMatch(/dead letters +500 \(ingest_errors\)\n +new +500\n/);
    expect(await scalars(db, "SELECT COUNT(*), COUNT(*) FILTER (reason LIKE '%timestamp: is required%') FROM ingest_errors")).toEqual(['500', '500']);

    const right = await cdnlog(['ingest', '--source', 'edgeone', file, '--db', db]);
    expect(right.code).toBe(0);
    expect(right.stdout).toMatch(/rows written +500\n +new +500\n/);
  });

  it('a file of mixed good and garbage records is not taken for another source', async () => {
    const file = join(dir, 'mixed.log');
    writeFileSync(file, `not json\n${jsonl(generateMediaCdn({ count: 30, seed: 'mixed' }))}`);
    const result = await cdnlog(['ingest', '--source', 'media-cdn', file, '--db', join(dir, 'mixed.duckdb')]);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/rows written +30\n/);
  });

  it('lands what a truncated gzip holds, dead-letters the cut naming the file, goes on with the next file, exits 1 naming it', async () => {
    const first = join(dir, 'first.log');
    const cut = join(dir, 'cut.log.gz');
    const last = join(dir, 'last.log.gz');
    writeFileSync(first, jsonl(generateMediaCdn({ count: 100, seed: 'first' })));
    const whole = gzipSync(jsonl(generateMediaCdn({ count: 3000, seed: 'cut' })));
    writeFileSync(cut, whole.subarray(0, Math.floor(whole.length / 2)));
    writeFileSync(last, gzipSync(jsonl(generateMediaCdn({ count: 100, seed: 'last' }))));
    const db = join(dir, 'cut.duckdb');
    const result = await cdnlog(['ingest', '--source', 'media-cdn', first, cut, last, '--db', db]);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(`cut short        ${cut}: gzip stream is corrupt: unexpected end of file`);
    const [rows, letters] = await scalars(db, 'SELECT (SELECT COUNT(*) FROM edge_logs), (SELECT COUNT(*) FROM ingest_errors)');
    expect(letters).toBe('1');
    // Both whole files, and a good part of the first half of the cut one.
    expect(Number(rows)).toBeGreaterThan(200 + 1000);
    expect(Number(rows)).toBeLessThan(200 + 3000);
    const [letter] = await scalars(db, "SELECT stage || ' ' || object || ' ' || reason FROM ingest_errors");
    expect(letter).toBe(`decode ${cut} gzip stream is corrupt: unexpected end of file`);
    expect(result.stdout).toMatch(new RegExp(`rows written +${Number(rows).toLocaleString('en-US')}\\n`));

    // Run again: nothing new, and the summary says so.
    const again = await cdnlog(['ingest', '--source', 'media-cdn', first, cut, last, '--db', db]);
    expect(again.stdout).toMatch(/rows written +\d[\d,]*\n +new +0\n/);
    expect(again.stdout).toMatch(/dead letters +1 \(ingest_errors\)\n +new +0\n +already there +1\n/);
  });

  it('names a directory given as a file, without the usage text', async () => {
    const folder = join(dir, 'a-folder');
    mkdirSync(folder);
    const result = await cdnlog(['ingest', '--source', 'edgeone', folder, '--db', join(dir, 'dir.duckdb')]);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      `cdnlog ingest: cannot read ${folder}: ${folder} is a directory: give the files in it (e.g. ${folder}/*.gz)\n\n(cdnlog ingest --help lists the options)\n`,
    );
  });

  it('ends the progress at 100% on a two-file ingest', async () => {
    const a = join(dir, 'p1.log.gz');
    const b = join(dir, 'p2.log');
    writeFileSync(a, gzipSync(jsonl(generateMediaCdn({ count: 5000, seed: 'p1' }))));
    writeFileSync(b, jsonl(generateMediaCdn({ count: 300, seed: 'p2' })));
    const result = await cdnlog(['ingest', '--source', 'media-cdn', a, b, '--db', join(dir, 'progress.duckdb')]);
    expect(result.code).toBe(0);
    const lines = result.stderr.trim().split('\n');
    expect(lines.at(-1)).toMatch(/^\[#{24}\] 100% {2}5,300 records/);
  });

  it('Ctrl-C stops reading, writes what was read, says so, and a re-run resumes', async () => {
    const db = join(dir, 'interrupt.duckdb');
    const records = jsonl(generateEdgeoneL7({ count: 6000, seed: 'sigint' }));
    const child = spawn(process.execPath, [CLI, 'ingest', '--source', 'edgeone', '-', '--db', db], { env: cleanEnv(), cwd: root });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    const progressed = new Promise<void>((ok) =>
      child.stderr.on('data', (c) => {
        stderr += c;
        if (/records/.test(stderr)) ok();
      }),
    );
    // stdin stays open, so the ingest cannot end by itself: only Ctrl-C ends it.
    child.stdin.on('error', () => {}); // what is still buffered when it exits
    child.stdin.write(records);
    await progressed;
    child.kill('SIGINT');
    const code = await new Promise((ok) => child.on('close', ok));
    child.stdin.destroy();
    expect(code).toBe(130);
    expect(stdout).toMatch(/^interrupted after [\d,]+ records/);
    expect(stdout).toContain('run the same command again to resume');
    const written = Number(/rows written +([\d,]+)/.exec(stdout)![1]!.replace(/,/g, ''));
    expect(written).toBeGreaterThan(0);
    expect(await scalars(db, 'SELECT COUNT(*) FROM edge_logs')).toEqual([String(written)]);

    const resumed = await cdnlog(['ingest', '--source', 'edgeone', '-', '--db', db], { input: records });
    expect(resumed.code).toBe(0);
    expect(resumed.stdout).toMatch(new RegExp(`rows written +6,000\\n +new +${(6000 - written).toLocaleString('en-US')}\\n`));
  });
});

describe('the other commands, the real binary', () => {
  it('a closed stdout ends a pipeline quietly: generate | normalize | head -1 exits 0 with no EPIPE', async () => {
    const script = `set -o pipefail; node ${CLI} generate --source edgeone-l7 --count 20000 | node ${CLI} normalize --source edgeone | head -1`;
    const result = await new Promise<{ code: number | null; stdout: string; stderr: string }>((ok) => {
      const child = spawn('bash', ['-c', script], { env: cleanEnv(), cwd: root });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (c) => (stdout += c));
      child.stderr.on('data', (c) => (stderr += c));
      child.on('close', (code) => ok({ code, stdout, stderr }));
    });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ source: 'edgeone', log_type: 'http_request' });
  });

  it('replay without credentials prints one clean line: no warning, no stack trace', async () => {
    const db = join(dir, 'replay.duckdb');
    const sink = await openDuckDbSink({ path: db });
    await sink.writeErrors([
      {
        error_id: 'x1',
        error_time: '2026-11-01T10:00:00Z',
        source: 'media_cdn',
        stage: 'validate',
        reason: 'r',
        message_id: '1',
        object: null,
        payload: '{}',
        payload_truncated: false,
        attributes: null,
      },
    ]);
    await sink.close();
    const home = mkdtempSync(join(tmpdir(), 'cdnlog-home-'));
    // No key file, no gcloud login in HOME, and a metadata server that refuses connections.
    const result = await cdnlog(['replay', '--db', db], {
      env: cleanEnv({ HOME: home, GOOGLE_CLOUD_PROJECT: 'p', GCE_METADATA_HOST: '127.0.0.1:9', GCE_METADATA_IP: '127.0.0.1:9' }),
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /^cdnlog replay: no Google credentials to publish with \(Could not load the default credentials\): run 'gcloud auth application-default login'.*PUBSUB_EMULATOR_HOST\n$/,
    );
  });

  it('a runtime error is not followed by the usage text', async () => {
    const result = await cdnlog(['query', 'SELECT 1', '--db', join(dir, 'none.duckdb')]);
    expect(result).toMatchObject({
      code: 1,
      stderr: `cdnlog query: no local warehouse at ${join(dir, 'none.duckdb')}: run 'npm start' or 'cdnlog ingest' first\n`,
    });
  });

  it('cdnlog --help loads none of the Google clients or DuckDB (it answers at once)', () => {
    const probe = `require(${JSON.stringify(join(root, 'dist', 'shared', 'cli', 'main.js'))}).main(['--help'], { stdout: { write() {} } }).then(() => process.stdout.write(JSON.stringify(Object.keys(require.cache))))`;
    const loaded: string[] = JSON.parse(require('node:child_process').execFileSync(process.execPath, ['-e', probe], { encoding: 'utf8' }));
    expect(loaded.filter((path) => /node_modules\/(@google-cloud|@duckdb|google-auth-library|google-gax)\//.test(path))).toEqual([]);
  });

  it('every dependency install script npm 11 would ask about is settled in allowScripts', () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
    const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8'));
    const withScripts = Object.entries(lock.packages as Record<string, { hasInstallScript?: boolean }>)
      .filter(([path, p]) => path !== '' && p.hasInstallScript)
      .map(([path]) => path.replace(/^.*node_modules\//, ''));
    expect(withScripts.length).toBeGreaterThan(0);
    expect(withScripts.filter((name) => !(name in pkg.allowScripts))).toEqual([]);
  });
});

describe('cdnlog query output, the real binary', () => {
  const sql =
    "SELECT 300::BIGINT AS n, 9007199254740993::BIGINT AS big, 7::INTEGER AS i, 1.25::DECIMAL(10, 2) AS d, TIMESTAMP '2026-11-01 10:00:00.123456' AS t, " +
    "date_trunc('hour', TIMESTAMP '2026-11-01 10:20:00') AS hour, [1, 2]::BIGINT[] AS list, NULL::BIGINT AS none";
  let db: string;
  beforeAll(async () => {
    db = join(dir, 'query.duckdb');
    await (await openDuckDbSink({ path: db })).close();
  });

  it('--format json: integers as numbers up to 2^53 and strings beyond, timestamps ISO 8601 with Z', async () => {
    const result = await cdnlog(['query', sql, '--format', 'json', '--db', db]);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toBe(
      '{"n":300,"big":"9007199254740993","i":7,"d":1.25,"t":"2026-11-01T10:00:00.123456Z","hour":"2026-11-01T10:00:00Z","list":[1,2],"none":null}\n',
    );
  });

  it('--format csv: the same values, timestamps with their zone', async () => {
    const result = await cdnlog(['query', sql, '--format', 'csv', '--db', db]);
    expect(result.stdout).toBe('n,big,i,d,t,hour,list,none\r\n300,9007199254740993,7,1.25,2026-11-01T10:00:00.123456Z,2026-11-01T10:00:00Z,"[1,2]",\r\n');
  });
});
