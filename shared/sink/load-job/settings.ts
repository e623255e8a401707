/**
 * How mediaCdnFiles lands one file (`MEDIA_CDN_FILES_LOAD`): `stream`, the way BQ_WRITE_METHOD says
 * (a Storage Write API PENDING stream, committed once), or `load_job`, a BigQuery load job of the
 * file's rows staged as NDJSON in Cloud Storage: free, but 1,500 per table per day, which is why
 * only the hourly delivery mode uses it (README, "Media CDN delivery modes").
 */
export const OBJECT_LOADS = ['stream', 'load_job'] as const;

/** What a load job needs besides the BigQuery target. */
export interface LoadJobSettings {
  /** Bucket the NDJSON is staged in (`LOAD_STAGING_BUCKET`), deleted after the job. */
  stagingBucket: string;
  /** The dataset's location (`BQ_LOCATION`), which jobs.insert and jobs.get name. */
  location: string;
}
