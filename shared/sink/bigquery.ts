import type { RowSink } from './types';

/** Placeholder until the BigQuery sink lands (functions issue). */
export async function createBigQuerySinkFromEnv(_env: NodeJS.ProcessEnv): Promise<RowSink> {
  throw new Error('the BigQuery sink is not implemented yet');
}
