import { hash } from 'node:crypto';

/**
 * A stable event id: SHA-256 of the record's identity fields, 128 bits in hex. The same record gets
 * the same id on every path (file, Pub/Sub, replay), so it doubles as the BigQuery insertId and the
 * dedup key of the analyst views. The kind prefix keeps ids of different record kinds apart.
 */
export function eventId(kind: string, ...parts: string[]): string {
  return hash('sha256', `${kind}\u001f${parts.join('\u001f')}`).slice(0, 32);
}
