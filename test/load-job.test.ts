import { generateMediaCdn } from '../shared/generate/media-cdn';
import { normalizeMediaCdn } from '../shared/normalizers';
import type { EdgeLogRow } from '../shared/schema/edge-log';
import { loadJobId, stagingObjectName } from '../shared/sink/load-job/job-id';
import { parseJob } from '../shared/sink/load-job/jobs';
import { loadJsonLine } from '../shared/sink/load-job/load-json';
import { pollDelays } from '../shared/sink/load-job/wait';

function row(seed: string): EdgeLogRow {
  const [entry] = [...generateMediaCdn({ count: 1, seed })];
  const r = normalizeMediaCdn(entry, { now: () => '2026-11-01T09:00:00.123456Z' });
  if (!r.ok) throw new Error(r.error);
  return r.row;
}

describe('load jobs: names, NDJSON lines and polling (pure parts)', () => {
  it('derives one job id and one staging name per object generation, within what BigQuery and Cloud Storage allow', () => {
    const a = 'gs://b/edgecache.googleapis.com/edge_cache_request/2026/11/01/08:00:00_08:59:59_S0.json#1700000000000001';
    expect(loadJobId(a)).toBe(loadJobId(a));
    expect(loadJobId(a)).toMatch(/^cdnlog_load_[0-9a-f]{64}$/);
    expect(loadJobId(a)).not.toBe(loadJobId(a.replace(/1$/, '2')));
    expect(stagingObjectName(a)).toMatch(/^load-jobs\/[0-9a-f]{64}\.ndjson$/);
  });

  it('writes a row as one line: every column as insertAll has it, the JSON column as the JSON value itself', () => {
    const r = { ...row('line'), attributes: '{"big":12345678901234567890,"nested":{"a":[1,2]}}' };
    const line = loadJsonLine(r);
    expect(line.endsWith('\n')).toBe(true);
    expect(line.slice(0, -1)).not.toContain('\n');
    const parsed = JSON.parse(line) as Record<string, unknown>;
    const { attributes, ...rest } = r;
    expect(parsed).toEqual({ ...Object.fromEntries(Object.entries(rest)), attributes: JSON.parse(attributes) });
    // The JSON text goes in verbatim: no digit of a large integer is lost to a double.
    expect(line).toContain('"attributes":{"big":12345678901234567890,');
    expect(parsed.event_time).toBe(r.event_time);
  });

  it('leaves a NULL JSON column out, puts a multi-line JSON text on one line, and refuses text that is not JSON', () => {
    expect(JSON.parse(loadJsonLine({ ...row('null'), attributes: null }))).not.toHaveProperty('attributes');
    expect(loadJsonLine({ ...row('pretty'), attributes: '{\n  "a": 1\r\n}' })).toMatch(/"attributes":\{ {3}"a": 1 {2}\}\}\n$/);
    expect(() => loadJsonLine({ ...row('bad'), attributes: '1,"event_id":"forged"' })).toThrow('column attributes holds text that is not JSON');
  });

  it('polls with doubling delays up to a cap, never past the total bound', () => {
    expect(pollDelays({ firstDelayMs: 250, maxDelayMs: 2_000, maxWaitMs: 10_000 })).toEqual([250, 500, 1000, 2000, 2000, 2000, 2000]);
    expect(pollDelays({ firstDelayMs: 250, maxDelayMs: 2_000, maxWaitMs: 100 })).toEqual([]);
    expect(pollDelays().reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(120_000);
  });

  it('reads a job resource strictly: state, error and rows', () => {
    expect(parseJob('{"status":{"state":"DONE"},"statistics":{"load":{"outputRows":"12"}}}', 'j')).toEqual({
      state: 'DONE',
      errorResult: null,
      outputRows: 12,
    });
    expect(parseJob('{"status":{"state":"DONE","errorResult":{"reason":"invalid","message":"m"}}}', 'j')).toEqual({
      state: 'DONE',
      errorResult: { reason: 'invalid', message: 'm' },
      outputRows: null,
    });
    expect(() => parseJob('{"status":{}}', 'j')).toThrow('job j has no known state');
  });
});
