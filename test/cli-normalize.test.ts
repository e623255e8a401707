import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { runCli } from './support/cli-in-process';
import { EdgeLogRow } from '../shared/schema/edge-log';

const root = join(__dirname, '..');
const fixtures = join(__dirname, 'fixtures');
const docExample = JSON.stringify(JSON.parse(readFileSync(join(fixtures, 'media-cdn-doc-example.json'), 'utf8')));

describe('cdnlog normalize', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cdnlog-cli-'));

  it('prints one unified row per record and exits 0 when all are normalized', async () => {
    const l4 = readFileSync(join(fixtures, 'edgeone-l4-session.jsonl'), 'utf8');
    const result = await runCli(['normalize', '--source', 'edgeone', join(fixtures, 'edgeone-l4-session.jsonl')]);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.rows).toHaveLength(l4.trim().split('\n').length);
    for (const row of result.rows) expect(EdgeLogRow.safeParse(row).success).toBe(true);
  });

  it('reads stdin for - or no file, gzip told by magic bytes whatever the name', async () => {
    const gz = join(dir, 'looks-plain.json');
    writeFileSync(gz, gzipSync(`${docExample}\n${docExample}\n`));
    const fromFile = await runCli(['normalize', '--source', 'media-cdn', gz]);
    expect(fromFile.code).toBe(0);
    expect(fromFile.rows).toHaveLength(2);
    const fromStdin = await runCli(['normalize', '--source', 'media-cdn'], `${docExample}\n`);
    expect(fromStdin.rows).toHaveLength(1);
    expect(fromStdin.rows[0]?.event_id).toBe(fromFile.rows[0]?.event_id);
    const dash = await runCli(['normalize', '--source', 'media-cdn', '-'], `${docExample}\n`);
    expect(dash.rows).toHaveLength(1);
    // The column's spelling names the same source.
    const column = await runCli(['normalize', '--source', 'media_cdn'], `${docExample}\n`);
    expect(column.rows.map((r) => r.event_id)).toEqual([fromFile.rows[0]?.event_id]);
    const unknown = await runCli(['normalize', '--source', 'akamai'], `${docExample}\n`);
    expect(unknown.code).toBe(2);
  });

  it('reads one JSON array (gcloud logging read --format=json) with array index + 1 in errors', async () => {
    const array = `[\n${docExample},\n{"insertId": "no-timestamp", "logName": "projects/p/logs/x"},\n${docExample}\n]`;
    const result = await runCli(['normalize', '--source', 'media-cdn'], array);
    expect(result.code).toBe(1);
    expect(result.rows).toHaveLength(2);
    expect(
      result.stderr
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l)),
    ).toEqual([{ line: 2, error: 'timestamp: is required' }]);
  });

  it('prints good rows, one {"line","error"} per rejected record on stderr, and exits 1', async () => {
    const input = [docExample, '', '{not json', '[1,2]', docExample.replace('"status":200', '"status":"OK"')].join('\n');
    const result = await runCli(['normalize', '--source', 'media-cdn'], input);
    expect(result.code).toBe(1);
    expect(result.rows).toHaveLength(1);
    const errors = result.stderr
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(errors.map((e) => e.line)).toEqual([3, 4, 5]);
    expect(errors[0].error).toMatch(/^not JSON/);
    expect(errors[1].error).toBe('not a JSON object');
    expect(errors[2].error).toContain('httpRequest.status: expected an integer');
  });

  it.each([
    [['normalize'], '--source is required'],
    [['normalize', '--source', 'akamai'], '--source must be one of media-cdn, edgeone'],
    [['normalize', '--source', 'edgeone', '--bogus'], "Unknown option '--bogus'"],
    [['normalize', '--source', 'edgeone', '/no/such/file'], 'cannot read /no/such/file'],
    [['nonsense'], 'unknown command "nonsense"'],
    [[], 'Usage: cdnlog <command>'],
  ])('exits 2 with a usage message for %j', async (args, message) => {
    const result = await runCli(args);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(message);
  });

  it('has --help on every command', async () => {
    for (const command of ['normalize', 'generate']) {
      const result = await runCli([command, '--help']);
      expect(result.code).toBe(0);
      expect(result.stdout).toContain(`Usage: cdnlog ${command}`);
    }
    expect((await runCli(['--help'])).stdout).toContain('normalize');
  });

  it('works as the installed bin: exit codes 0, 1 and 2 from a real process', () => {
    const bin = join(root, 'bin', 'cdnlog.js');
    const ok = spawnSync(process.execPath, [bin, 'normalize', '--source', 'edgeone', join(fixtures, 'edgeone-l7-placeholders.jsonl')], { encoding: 'utf8' });
    expect(ok.status).toBe(0);
    expect(ok.stdout.trim().split('\n')).toHaveLength(2);
    const bad = spawnSync(process.execPath, [bin, 'normalize', '--source', 'edgeone'], { input: '{"RequestID":"1"}\n', encoding: 'utf8' });
    expect(bad.status).toBe(1);
    expect(JSON.parse(bad.stderr)).toEqual({ line: 1, error: 'L7 record: RequestTime: is required' });
    const usage = spawnSync(process.execPath, [bin, 'normalize'], { encoding: 'utf8' });
    expect(usage.status).toBe(2);
  });

  it('streams: 150,000 records (~130 MB) through normalize in a 48 MB heap (generate | normalize)', () => {
    const bin = join(root, 'bin', 'cdnlog.js');
    const node = `"${process.execPath}"`;
    const script = `${node} "${bin}" generate --source edgeone-l7 --count 150000 --seed mem | ${node} --max-old-space-size=48 "${bin}" normalize --source edgeone | wc -l`;
    const result = spawnSync('bash', ['-c', `set -o pipefail; ${script}`], { encoding: 'utf8' });
    expect(result.status).toBe(0);
    expect(Number(result.stdout.trim())).toBe(150000);
  });
});
