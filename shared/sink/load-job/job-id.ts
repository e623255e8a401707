import { createHash } from 'node:crypto';

/**
 * Names derived from the object generation (`gs://bucket/object#generation`) alone, so every
 * delivery of one notification, concurrent or later, arrives at the same ones. SHA-256 hex keeps
 * them within what job ids ([A-Za-z0-9_-], at most 1,024) and object names allow, whatever the
 * object is called.
 */
const digest = (object: string): string => createHash('sha256').update(object).digest('hex');

/**
 * The one load job an object generation may have: BigQuery refuses a second jobs.insert with this
 * id (409), so a redelivered notification finds the job instead of loading the file again.
 */
export function loadJobId(object: string): string {
  return `cdnlog_load_${digest(object)}`;
}

/** Where the generation's rows are staged; a redelivery that got no job in overwrites it. */
export function stagingObjectName(object: string): string {
  return `load-jobs/${digest(object)}.ndjson`;
}
