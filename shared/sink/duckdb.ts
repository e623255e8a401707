import type { RowSink } from './types';

/** Placeholder until the DuckDB sink lands (local-first issue). */
export async function openDuckDbSink(_options: { path: string }): Promise<RowSink> {
  throw new Error('the DuckDB sink is not implemented yet');
}
