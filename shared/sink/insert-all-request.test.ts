import { insertAllBody, parseInsertAllAnswer } from './insert-all-request';

describe('insertAll request and answer', () => {
  it('builds the body from rows serialized once, refusing to skip anything silently', () => {
    const body = JSON.parse(insertAllBody([{ insertId: 'a"b', json: '{"x":1}' }]));
    expect(body).toEqual({
      kind: 'bigquery#tableDataInsertAllRequest',
      skipInvalidRows: false,
      ignoreUnknownValues: false,
      rows: [{ insertId: 'a"b', json: { x: 1 } }],
    });
  });

  it('reads a tableDataInsertAllResponse, with or without insertErrors', () => {
    expect(parseInsertAllAnswer('{"kind":"bigquery#tableDataInsertAllResponse"}', 2)).toEqual({ ok: true, insertErrors: [] });
    const errors = [{ index: 1, errors: [{ reason: 'invalid', message: 'x' }] }];
    expect(parseInsertAllAnswer(JSON.stringify({ kind: 'bigquery#tableDataInsertAllResponse', insertErrors: errors }), 2)).toEqual({
      ok: true,
      insertErrors: errors,
    });
  });

  it.each([
    ['an HTML page', '<html><body>Bad gateway</body></html>'],
    ['a cut body', '{"kind":"bigquery#tableDataInsertAllRes'],
    ['empty', ''],
    ['other JSON', '{"ok":true}'],
    ['a JSON string', '"done"'],
    ['null', 'null'],
    ['insertErrors not a list', '{"kind":"bigquery#tableDataInsertAllResponse","insertErrors":{}}'],
    ['an index out of range', '{"kind":"bigquery#tableDataInsertAllResponse","insertErrors":[{"index":7,"errors":[]}]}'],
  ])('never reads %s as success', (_name, text) => {
    expect(parseInsertAllAnswer(text, 2).ok).toBe(false);
  });
});
