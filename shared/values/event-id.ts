import { hash } from 'node:crypto';

/**
 * A stable event id: SHA-256 of the record's identity fields, 128 bits in hex. The same record gets
 * the same id on every path (file, Pub/Sub, replay), so it doubles as the BigQuery insertId and the
 * dedup key of the analyst views. The kind prefix keeps ids of different record kinds apart.
 */
export function eventId(kind: string, ...parts: string[]): string {
  // The same text as `${kind}\u001f${parts.join('\u001f')}`, appended in one pass (no joined copy
  // to concatenate again): a tenth of the id's cost for an EdgeOne L4 record's seven parts.
  // With no parts the text still ends in one separator, as the joined form did.
  let text = `${kind}\u001f${parts.length > 0 ? parts[0] : ''}`;
  for (let i = 1; i < parts.length; i++) text += `\u001f${parts[i]}`;
  return hash('sha256', text).slice(0, 32);
}
