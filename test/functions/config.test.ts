import { ConfigError } from '../../shared/config/env';
import { loadRuntimeConfig } from '../../functions/config';

const BQ = { GOOGLE_CLOUD_PROJECT: 'p', BQ_DATASET: 'cdnlog' };

describe('cold-start configuration', () => {
  it('takes BigQuery settings with their defaults', () => {
    expect(loadRuntimeConfig(BQ)).toEqual({ sink: 'bigquery', env: expect.objectContaining({ BQ_TABLE: 'edge_logs', BQ_ERRORS_TABLE: 'ingest_errors' }) });
  });

  it.each([
    ['a deployed function without BQ_DATASET', { K_SERVICE: 'edgeone-logs', GOOGLE_CLOUD_PROJECT: 'p' }, /BQ_DATASET is not set/],
    ['a dataset without a project', { BQ_DATASET: 'cdnlog' }, /GOOGLE_CLOUD_PROJECT is not set/],
    ['a bad dataset id', { ...BQ, BQ_DATASET: 'no-dashes' }, /BQ_DATASET is invalid/],
    ['a bad emulator URL', { ...BQ, BIGQUERY_EMULATOR_HOST: 'http//:bad url' }, /BIGQUERY_EMULATOR_HOST is invalid/],
    ['SINK=bigquery with nothing else', { SINK: 'bigquery' }, /GOOGLE_CLOUD_PROJECT is not set; BQ_DATASET is not set/],
    ['an unknown SINK', { SINK: 'postgres' }, /SINK is invalid/],
    ['a bad storage URL on a local run', { STORAGE_EMULATOR_HOST: 'nope' }, /STORAGE_EMULATOR_HOST is invalid/],
  ])('fails naming the variable: %s', (_name, env, message) => {
    expect(() => loadRuntimeConfig(env)).toThrow(ConfigError);
    expect(() => loadRuntimeConfig(env)).toThrow(message);
  });

  it('needs no BigQuery setting for local DuckDB runs', () => {
    expect(loadRuntimeConfig({})).toEqual({ sink: 'duckdb' });
    expect(loadRuntimeConfig({ SINK: 'duckdb', K_SERVICE: 'x' })).toEqual({ sink: 'duckdb' });
  });

  it('throws at module load of functions/index.ts (cold start), before any request', () => {
    const saved = { ...process.env };
    const write = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      process.env.SINK = 'bigquery';
      delete process.env.BQ_DATASET;
      delete process.env.GOOGLE_CLOUD_PROJECT;
      expect(() => jest.isolateModules(() => require('../../functions/index'))).toThrow(/GOOGLE_CLOUD_PROJECT is not set; BQ_DATASET is not set/);
      const logged = write.mock.calls.map(([line]) => String(line)).join('');
      expect(JSON.parse(logged.trim().split('\n')[0]!)).toMatchObject({ severity: 'ERROR', message: expect.stringMatching(/BQ_DATASET/) });
    } finally {
      write.mockRestore();
      process.env = saved;
    }
  });
});
