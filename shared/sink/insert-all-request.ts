/**
 * tabledata.insertAll on the wire: the request body, built from rows serialized once, and the
 * answer, read strictly. Pure functions; the transport sends, the sink decides.
 */

/** One row as sent: BigQuery's dedup key and the row's JSON text. */
export interface KeyedRow {
  insertId: string;
  json: string;
}

/**
 * The request body. `table.insert()` would deep-copy every row, walk the body for project-id
 * placeholders and serialize it all again; at thousands of rows a second that is most of the CPU.
 * The options keep BigQuery from skipping or dropping anything silently: one invalid row fails the
 * request (its neighbours come back `stopped` and are re-sent), and unknown fields are errors.
 */
export function insertAllBody(rows: readonly KeyedRow[]): string {
  const parts = rows.map((row) => `{"insertId":${JSON.stringify(row.insertId)},"json":${row.json}}`);
  return `{"kind":"bigquery#tableDataInsertAllRequest","skipInvalidRows":false,"ignoreUnknownValues":false,"rows":[${parts.join(',')}]}`;
}

/** Rows BigQuery did not take, by index in the request, with its per-row errors. */
export interface InsertError {
  index: number;
  errors: Array<{ reason?: string; message?: string }>;
}

type InsertAllAnswer = { ok: true; insertErrors: InsertError[] } | { ok: false; problem: string };

/**
 * Reads a 2xx answer. Only a `bigquery#tableDataInsertAllResponse` whose insertErrors (if any) are
 * well formed and in range says what happened to the rows; anything else (an HTML page from a
 * proxy, a cut body, some other JSON) says nothing, so it must not be read as "all inserted".
 */
export function parseInsertAllAnswer(text: string, rowCount: number): InsertAllAnswer {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return { ok: false, problem: `2xx answer is not JSON (${describe(text)})` };
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return { ok: false, problem: `2xx answer is not an object (${describe(text)})` };
  const answer = body as { kind?: unknown; insertErrors?: unknown };
  if (answer.kind !== 'bigquery#tableDataInsertAllResponse') {
    return { ok: false, problem: `2xx answer is not a tableDataInsertAllResponse (kind ${JSON.stringify(answer.kind) ?? 'missing'})` };
  }
  if (answer.insertErrors === undefined) return { ok: true, insertErrors: [] };
  if (!Array.isArray(answer.insertErrors)) return { ok: false, problem: '2xx answer has insertErrors that is not a list' };
  for (const entry of answer.insertErrors as unknown[]) {
    const e = entry as Partial<InsertError> | null;
    if (!e || !Number.isInteger(e.index) || e.index! < 0 || e.index! >= rowCount || !Array.isArray(e.errors)) {
      return { ok: false, problem: '2xx answer has an insertErrors entry that names no row of the request' };
    }
  }
  return { ok: true, insertErrors: answer.insertErrors as InsertError[] };
}

function describe(text: string): string {
  const head = text.slice(0, 40).replace(/\s+/g, ' ');
  return `${text.length} chars${head ? `, starting ${JSON.stringify(head)}` : ''}`;
}
