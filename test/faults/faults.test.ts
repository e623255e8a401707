/**
 * Runs the fault catalogue (catalogue.ts), one test per case, against the BigQuery and Cloud
 * Storage contract endpoints with the real client libraries, and prints the fault table once all
 * have run. `npm run faults` runs this file alone.
 */
import { withoutGoogleCredentials } from '../contract/adc-guard';
import { requireVmModules } from '../contract/vm-modules-guard';
import { CATALOGUE, faultTable, type FaultCase, type Observation } from './catalogue';

describe('fault catalogue (BigQuery and Cloud Storage contract endpoints)', () => {
  requireVmModules();
  withoutGoogleCredentials();
  const results: Array<{ fault: FaultCase; observation: Observation | null; error?: string }> = [];

  afterAll(() => {
    process.stderr.write(`\n${faultTable(results)}`);
  });

  it.each(CATALOGUE.map((fault) => [fault.name, fault] as const))('%s', async (_name, fault) => {
    let observation: Observation | null = null;
    try {
      observation = await fault.run();
    } catch (err) {
      results.push({ fault, observation: null, error: err instanceof Error ? err.message : String(err) });
      throw err;
    }
    results.push({ fault, observation });
    expect({ observed: observation.observed, problems: observation.problems }).toEqual({ observed: observation.observed, problems: [] });
    // Nothing lost: every record landed, was dead-lettered, or is still kept by Pub/Sub.
    expect(observation.landed + observation.deadLettered + (observation.waiting ?? 0)).toBeGreaterThanOrEqual(observation.sent);
  });
});
