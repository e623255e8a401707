import fc from 'fast-check';
import { hash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { runCli } from './support/cli-in-process';
import { createRng } from '../shared/generate/random';
import { normalizers } from '../shared/normalizers';
import type { Source } from '../shared/schema/edge-log';
import { eventId } from '../shared/values/event-id';

/**
 * event_id is the record's identity: two distinct records never share one, and the same record
 * gets the same one whatever path or spelling brings it (file or stdin, gzip or not, key order,
 * spacing, a number written as text, a timestamp written with an offset).
 */

const ctx = { now: () => '2026-11-30T00:00:00Z' };

/** Same record, other spelling: keys shuffled, odd spacing, integers as text, `Z` as `+00:00`. */
function respell(record: Record<string, unknown>, rng: ReturnType<typeof createRng>): string {
  const entries = Object.entries(record).map(([k, v]): [string, unknown] => {
    if (typeof v === 'number' && Number.isInteger(v)) return [k, String(v)];
    if (typeof v === 'string' && /T\d\d:\d\d:\d\dZ$/.test(v)) return [k, v.replace(/Z$/, '+00:00')];
    return [k, v];
  });
  for (let i = entries.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [entries[i], entries[j]] = [entries[j]!, entries[i]!];
  }
  return `{ ${entries.map(([k, v]) => `${JSON.stringify(k)} :  ${JSON.stringify(v)}`).join(' ,\t')} }`;
}

function ids(rows: readonly Record<string, unknown>[]): string[] {
  return rows.map((r) => String(r.event_id));
}

describe('event_id: one per record, the same on every path', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cdnlog-identity-'));

  it('EdgeOne L4: cdnlog generate --count 5000 | cdnlog normalize gives 5000 distinct ids (periodic and final record in one second)', async () => {
    const generated = await runCli(['generate', '--source', 'edgeone-l4', '--count', '5000', '--seed', 'x']);
    expect(generated.code).toBe(0);
    const normalized = await runCli(['normalize', '--source', 'edgeone'], generated.stdout);
    expect(normalized).toMatchObject({ code: 0, stderr: '' });
    expect(normalized.rows).toHaveLength(5000);
    expect(new Set(ids(normalized.rows)).size).toBe(5000);
    // The case that used to collide is in this sample: a session's periodic and final record in one second.
    const bySecond = new Map<string, Record<string, unknown>[]>();
    for (const row of normalized.rows) {
      const key = `${row.session_id} ${row.event_time}`;
      bySecond.set(key, [...(bySecond.get(key) ?? []), row]);
    }
    const shared = [...bySecond.values()].filter((rows) => rows.length > 1);
    expect(shared.length).toBeGreaterThan(0);
    for (const rows of shared) expect(rows.some((r) => r.disconnect_reason !== null)).toBe(true);
  });

  it.each<[string, Source, number]>([
    ['edgeone-l4', 'edgeone', 3000],
    ['edgeone-l7', 'edgeone', 3000],
    ['media-cdn', 'media_cdn', 3000],
  ])('%s: respelled (key order, spacing, "0" for 0, +00:00 for Z) and gzipped, each record keeps its id', async (kind, source, count) => {
    const generated = await runCli(['generate', '--source', kind, '--count', String(count), '--seed', 'respell']);
    const plain = await runCli(['normalize', '--source', source], generated.stdout);
    expect(plain.code).toBe(0);
    expect(new Set(ids(plain.rows)).size).toBe(count);
    const rng = createRng('respell');
    const records = generated.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    // Media CDN's int64 sizes are already text and its timestamps carry nanoseconds: respell the top level only.
    const respelled = records.map((r) => respell(r, rng)).join('\n');
    const gz = join(dir, `${kind}.respelled`);
    writeFileSync(gz, gzipSync(respelled));
    const fromFile = await runCli(['normalize', '--source', source, gz]);
    expect(fromFile).toMatchObject({ code: 0, stderr: '' });
    expect(ids(fromFile.rows)).toEqual(ids(plain.rows));
  });

  describe('EdgeOne L4', () => {
    const periodic = {
      ServiceID: 'sid-1',
      SessionID: 's-1',
      LogTimeStamp: '2026-11-01T00:06:54Z',
      ConnectTimeStamp: '2026-11-01T00:05:54Z',
      DisconnetReason: '-',
      DisconnetTimeStamp: '-',
      ClientRealIP: '1.2.3.4',
      ClientRegion: 'DE',
      EdgeIP: '43.152.0.1',
      ForwardPort: 443,
      ForwardProtocol: 'TCP',
      ReceivedBytes: 1000,
      SentBytes: 10,
    };
    const id = (r: object) => {
      const result = normalizers.edgeone(r, ctx);
      if (!result.ok) throw new Error(result.error);
      return result.row.event_id;
    };

    it('tells apart a periodic and the final record of one session logged in the same second', () => {
      const final = {
        ...periodic,
        DisconnetReason: 'down:net_exception_peer_close',
        DisconnetTimeStamp: '2026-11-01T00:06:54Z',
        ReceivedBytes: 5,
        SentBytes: 1,
      };
      expect(id(final)).not.toBe(id(periodic));
      // Two intervals of one session in one second differ by their traffic.
      expect(id({ ...periodic, ReceivedBytes: 1001 })).not.toBe(id(periodic));
      expect(id({ ...periodic, SentBytes: 11 })).not.toBe(id(periodic));
      expect(id({ ...periodic, SessionID: 's-2' })).not.toBe(id(periodic));
      expect(id({ ...periodic, ServiceID: 'sid-2' })).not.toBe(id(periodic));
    });

    it('gives the same record the same id whatever its spelling, and ignores the session-constant fields', () => {
      expect(id({ ...periodic, ReceivedBytes: '1000', LogTimeStamp: '2026-11-01T08:06:54+08:00', DisconnetReason: '' })).toBe(id(periodic));
      expect(id({ ...periodic, ClientRealIP: '5.6.7.8', unknown: { nested: true } })).toBe(id(periodic));
    });

    it('rejects an id written as a number too large to be exact in JSON', () => {
      const result = normalizers.edgeone(JSON.parse(JSON.stringify(periodic).replace('"s-1"', '123456789012345678901')), ctx);
      expect(result).toEqual({ ok: false, error: expect.stringContaining('SessionID: a number too large to be exact') });
    });
  });

  describe('EdgeOne L7', () => {
    it('rejects a RequestID written as a number beyond 2^53 (two requests would read as one)', () => {
      const base = '{"RequestTime":"2022-07-01T02:37:13Z","RequestHost":"www.tencent.com","RequestID":';
      const a = normalizers.edgeone(JSON.parse(`${base}13515444256055847385}`), ctx);
      expect(a).toEqual({ ok: false, error: expect.stringContaining('RequestID: a number too large to be exact') });
      const small = normalizers.edgeone(JSON.parse(`${base}1351544425}`), ctx);
      const text = normalizers.edgeone(JSON.parse(`${base}"1351544425"}`), ctx);
      expect(small.ok && text.ok && small.row.event_id === text.row.event_id).toBe(true);
    });
  });

  describe('Media CDN', () => {
    const entry = { logName: 'projects/p/logs/edgecache.googleapis.com%2Fedge_cache_request', timestamp: '2026-11-01T00:00:00.123456789Z' };

    it('rejects two different requests in one instant without insertId, rather than landing one of them', () => {
      for (const url of ['https://a.example/1', 'https://a.example/2']) {
        const result = normalizers.media_cdn({ ...entry, httpRequest: { requestUrl: url } }, ctx);
        expect(result).toEqual({ ok: false, error: expect.stringContaining('insertId: is required') });
      }
    });

    it('keys on logName, insertId and the instant (any precision)', () => {
      const id = (e: object) => {
        const result = normalizers.media_cdn(e, ctx);
        if (!result.ok) throw new Error(result.error);
        return result.row.event_id;
      };
      const one = id({ ...entry, insertId: 'a' });
      expect(id({ ...entry, insertId: 'b' })).not.toBe(one);
      expect(id({ ...entry, insertId: 'a', logName: 'projects/q/logs/edgecache.googleapis.com%2Fedge_cache_request' })).not.toBe(one);
      expect(id({ ...entry, insertId: 'a', timestamp: '2026-11-01T00:00:00.123456788Z' })).not.toBe(one);
      expect(id({ ...entry, insertId: 'a', timestamp: '2026-11-01T01:00:00.123456789+01:00' })).toBe(one);
    });
  });
});

describe('eventId text', () => {
  it('is the kind and the parts joined by U+001F, as first written (any parts, none included)', () => {
    const reference = (kind: string, parts: string[]) => hash('sha256', `${kind}\u001f${parts.join('\u001f')}`).slice(0, 32);
    fc.assert(
      fc.property(fc.string(), fc.array(fc.string({ unit: 'binary' }), { maxLength: 8 }), (kind, parts) => {
        expect(eventId(kind, ...parts)).toBe(reference(kind, parts));
      }),
      { numRuns: 2000 },
    );
  });
});
