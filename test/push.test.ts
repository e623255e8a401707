import { brotliDecompressSync, gzipSync } from 'node:zlib';
import { createEntryPoints } from '../functions/runtime';
import { ConfigError } from '../shared/config/error';
import { loadSettings } from '../shared/config/settings';
import { silentLogs } from '../shared/logging';
import { secretAccepted } from '../shared/push/auth';
import { planReplay } from '../shared/replay/plan';
import { BatchError, bodyKind, compressPart, decodedBody, messageParts } from '../shared/push/batch';
import { loadEdgeonePushSettings } from '../shared/push/settings';

const SECRET = 'a-secret-of-32-characters-000000';

describe('secretAccepted', () => {
  it('accepts any of the secrets, exactly', () => {
    expect(secretAccepted(SECRET, [SECRET])).toBe(true);
    expect(secretAccepted(` ${SECRET} `, [SECRET])).toBe(true);
    expect(secretAccepted('other-secret-of-32-characters-00', ['x'.repeat(16), 'other-secret-of-32-characters-00'])).toBe(true);
    expect(secretAccepted(SECRET.slice(0, -1), [SECRET])).toBe(false);
    expect(secretAccepted(`${SECRET}0`, [SECRET])).toBe(false);
    expect(secretAccepted(SECRET.toUpperCase(), [SECRET])).toBe(false);
    expect(secretAccepted(undefined, [SECRET])).toBe(false);
    expect(secretAccepted('', [SECRET])).toBe(false);
    expect(secretAccepted(SECRET, [])).toBe(false);
  });
});

describe('bodyKind', () => {
  it('tells a JSON array from JSON Lines by the first byte, past blanks and a BOM', () => {
    expect(bodyKind(Buffer.from(' \n[{"a":1}]'))).toBe('array');
    expect(bodyKind(Buffer.from('\ufeff{"a":1}\n{"a":2}'))).toBe('lines');
    expect(bodyKind(Buffer.from(''))).toBe('empty');
    expect(bodyKind(Buffer.from(' [ ] \n'))).toBe('empty');
    expect(bodyKind(Buffer.from('[]'))).toBe('empty');
  });

  it('refuses CSV and anything else with a 400 that says what to change', () => {
    const error = (() => {
      try {
        bodyKind(Buffer.from('RequestID,RequestTime'));
      } catch (err) {
        return err;
      }
    })();
    expect(error).toBeInstanceOf(BatchError);
    expect(error).toMatchObject({ status: 400, message: expect.stringContaining('log format to JSON') });
  });
});

describe('decodedBody', () => {
  it('passes plain bytes through and gunzips gzip told by its magic bytes', async () => {
    expect((await decodedBody(Buffer.from('{"a":1}\n'), 100)).toString()).toBe('{"a":1}\n');
    expect((await decodedBody(gzipSync('{"a":1}\n'), 100)).toString()).toBe('{"a":1}\n');
  });

  it('stops inflating at the limit (413) and calls a cut gzip stream corrupt (400)', async () => {
    await expect(decodedBody(gzipSync(Buffer.alloc(10_000)), 9_999)).rejects.toMatchObject({
      status: 413,
      message: 'decoded body is larger than the limit of 9999 bytes',
    });
    await expect(decodedBody(Buffer.alloc(101), 100)).rejects.toMatchObject({ status: 413 });
    await expect(decodedBody(gzipSync('{"a":1}\n'.repeat(100)).subarray(0, 15), 10_000)).rejects.toMatchObject({ status: 400 });
  });
});

describe('messageParts', () => {
  const records = Array.from({ length: 30 }, (_, i) => ({ RequestID: `r-${i}`, pad: 'x'.repeat(i) }));
  const texts = records.map((r) => JSON.stringify(r));
  const linesOf = (parts: Buffer[]) => parts.flatMap((p) => p.toString().trimEnd().split('\n'));

  it('keeps a body that fits one message as it is', async () => {
    const body = Buffer.from(JSON.stringify(records));
    expect(await messageParts(body, body.length)).toEqual([body]);
  });

  it('splits a JSON array or JSON Lines into parts of whole records, none over the limit, in order', async () => {
    for (const body of [Buffer.from(JSON.stringify(records)), Buffer.from(`${texts.join('\n')}\n`)]) {
      const parts = await messageParts(body, 200);
      expect(parts.length).toBeGreaterThan(3);
      for (const part of parts) expect(part.length).toBeLessThanOrEqual(200);
      expect(linesOf(parts)).toEqual(texts);
    }
  });

  it('keeps a cut-off array element as its text, so edgeoneLogs dead-letters it beside the good records', async () => {
    const body = Buffer.from(`[${texts.slice(0, 10).join(',')},{"RequestID":"cut`);
    expect(linesOf(await messageParts(body, 200))).toEqual([...texts.slice(0, 10), '{"RequestID":"cut']);
  });

  it('refuses (413) a single record too large for any message', async () => {
    const body = Buffer.from(`${texts[0]}\n{"pad":"${'y'.repeat(300)}"}\n`);
    await expect(messageParts(body, 200)).rejects.toMatchObject({ status: 413, message: 'record 2 is larger than the limit of 199 bytes' });
  });
});

describe('compressPart', () => {
  it('brotli-compresses what edgeoneLogs decodes back, several times smaller for JSON logs', async () => {
    const part = Buffer.from(
      JSON.stringify(Array.from({ length: 200 }, (_, i) => ({ RequestID: `r-${i}`, RequestHost: 'www.example.com', EdgeResponseStatusCode: 200 }))),
    );
    const compressed = await compressPart(part);
    expect(brotliDecompressSync(compressed)).toEqual(part);
    expect(compressed.length * 5).toBeLessThan(part.length);
  });
});

describe('loadEdgeonePushSettings', () => {
  const base = { GOOGLE_CLOUD_PROJECT: 'p', EDGEONE_TOPIC: 'cdnlog-edgeone-logs' };

  it('reads the current and previous secrets (trimmed) and the defaults', () => {
    expect(loadEdgeonePushSettings({ ...base, EDGEONE_PUSH_SECRET: `${SECRET}\n`, EDGEONE_PUSH_SECRET_PREVIOUS: 'p'.repeat(16) })).toEqual({
      project: 'p',
      topic: 'cdnlog-edgeone-logs',
      header: 'x-cdnlog-token',
      secrets: [SECRET, 'p'.repeat(16)],
      maxRequestBytes: 32 * 1024 * 1024,
      maxDecodedBytes: 64 * 1024 * 1024,
      pubsubEmulatorHost: null,
    });
  });

  it('names a missing, short or unprintable secret without quoting it', () => {
    const problem = (env: NodeJS.ProcessEnv) => {
      try {
        loadEdgeonePushSettings(env);
      } catch (err) {
        expect(err).toBeInstanceOf(ConfigError);
        return (err as Error).message;
      }
      throw new Error('no ConfigError');
    };
    expect(problem(base)).toContain('EDGEONE_PUSH_SECRET is not set');
    expect(problem({ ...base, EDGEONE_PUSH_SECRET: 'short-secret' })).toBe('cdnlog configuration: EDGEONE_PUSH_SECRET is shorter than 16 characters');
    expect(problem({ ...base, EDGEONE_PUSH_SECRET: SECRET, EDGEONE_PUSH_SECRET_PREVIOUS: 'héllo wörld 0123456789' })).not.toContain('llo');
    expect(problem({ ...base, EDGEONE_PUSH_SECRET: SECRET, EDGEONE_PUSH_HEADER: 'bad header' })).toContain('EDGEONE_PUSH_HEADER is invalid');
  });
});

describe('cold start', () => {
  it('fails when edgeonePush is the deployed target (FUNCTION_TARGET) and its settings are bad, and only then', () => {
    const env = { GOOGLE_CLOUD_PROJECT: 'p', EDGEONE_TOPIC: 't', SINK: 'duckdb' };
    const settings = loadSettings(env);
    expect(() => createEntryPoints(settings, silentLogs, { ...env, FUNCTION_TARGET: 'edgeonePush' })).toThrow('EDGEONE_PUSH_SECRET is not set');
    expect(() => createEntryPoints(settings, silentLogs, { ...env, FUNCTION_TARGET: 'edgeoneLogs' })).not.toThrow();
    expect(() => createEntryPoints(settings, silentLogs, { ...env, FUNCTION_TARGET: 'edgeonePush', EDGEONE_PUSH_SECRET: SECRET })).not.toThrow();
  });
});

describe('replaying a dead-lettered record of a pushed batch', () => {
  it("sends the record text without the batch's contentEncoding, which described the compressed message", () => {
    const letter = {
      error_id: 'e-1',
      error_time: '2026-11-30T00:00:00Z',
      source: 'edgeone',
      stage: 'validate',
      reason: 'bad timestamp',
      message_id: 'm-1',
      object: null,
      payload: '{"RequestID":"r","RequestTime":"later"}',
      payload_truncated: false,
      attributes: JSON.stringify({ receivedTime: '2026-11-30T00:00:00Z', contentEncoding: 'br', logType: 'l7-access-logs' }),
    };
    const [message] = planReplay([letter], () => 'cdnlog-edgeone-logs').send;
    expect(message!.attributes).toEqual({ receivedTime: '2026-11-30T00:00:00Z', logType: 'l7-access-logs', cdnlog_replay_of: 'e-1' });
    expect(message!.data.toString()).toBe(letter.payload);
  });
});
