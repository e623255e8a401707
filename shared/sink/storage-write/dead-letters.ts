import type { EdgeLogRow } from '../../schema/edge-log';
import type { IngestErrorRow } from '../../schema/ingest-error';
import { buildDeadLetter } from '../dead-letter';
import type { RowOrigin } from '../types';

/** The ingest_errors row for a row BigQuery refused: the row's JSON as payload, so it can be replayed. */
export function refusedRowDeadLetter(row: EdgeLogRow, origin: RowOrigin | undefined, reason: string, now: string): IngestErrorRow {
  return buildDeadLetter({
    source: row.source as 'media_cdn' | 'edgeone',
    stage: 'insert',
    reason,
    messageId: origin?.messageId,
    object: origin?.object,
    line: origin?.line,
    key: row.event_id,
    payload: JSON.stringify(row),
    attributes: origin?.attributes,
    now,
  });
}
