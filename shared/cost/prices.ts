/**
 * The list prices `cdnlog cost` uses: one place, with the date they were read and where Google
 * publishes them. Tier-1 regions, USD, before free tiers and discounts. Binary units (GiB, TiB) as
 * the pricing pages define them. Check the pages before quoting a bill: prices change.
 */
export const PRICES_AS_OF = '2026-11-30';

interface Price {
  /** USD per unit. */
  usd: number;
  unit: string;
  source: string;
}

const RUN = 'https://cloud.google.com/run/pricing';
const PUBSUB = 'https://cloud.google.com/pubsub/pricing';
const BIGQUERY = 'https://cloud.google.com/bigquery/pricing#data_ingestion_pricing';
const STORAGE = 'https://cloud.google.com/storage/pricing';
const LOGGING = 'https://cloud.google.com/stackdriver/pricing#cloud-logging-pricing';

export const PRICES = {
  /** Request-based billing (the default, and what Cloud Functions gen2 gets): a fee per request. */
  runRequest: { usd: 0.4 / 1e6, unit: 'request', source: RUN },
  runRequestCpu: { usd: 0.000024, unit: 'vCPU-second', source: RUN },
  runRequestMemory: { usd: 0.0000025, unit: 'GiB-second', source: RUN },
  /** Instance-based billing (`cpu_idle = false`): no request fee, the whole instance lifetime billed. */
  runInstanceCpu: { usd: 0.000018, unit: 'vCPU-second', source: RUN },
  runInstanceMemory: { usd: 0.000002, unit: 'GiB-second', source: RUN },
  /** Publish and push/pull delivery throughput; at least 1,000 bytes per request. */
  pubsubThroughput: { usd: 40, unit: 'TiB', source: PUBSUB },
  /** Delivery through an export subscription (BigQuery or Cloud Storage subscription). */
  pubsubExport: { usd: 50, unit: 'TiB', source: PUBSUB },
  /** `tabledata.insertAll`: $0.01 per 200 MiB, each row billed as at least 1 KB. */
  bigqueryInsertAll: { usd: 0.05, unit: 'GiB', source: BIGQUERY },
  /** Storage Write API (gRPC); the first 2 TiB a month per billing account are free. */
  bigqueryWriteApi: { usd: 0.025, unit: 'GiB', source: BIGQUERY },
  /** Batch load jobs from Cloud Storage use the shared slot pool: free. */
  bigqueryLoad: { usd: 0, unit: 'GiB', source: BIGQUERY },
  /** Standard storage, regional. */
  storageStandard: { usd: 0.02, unit: 'GiB-month', source: STORAGE },
  /** Class A (object writes), Class B (object reads), standard class. */
  storageClassA: { usd: 0.005 / 1000, unit: 'operation', source: STORAGE },
  storageClassB: { usd: 0.0004 / 1000, unit: 'operation', source: STORAGE },
  /** Storing entries in a log bucket (`_Default` included), first 50 GiB per project free; routing is free. */
  loggingStorage: { usd: 0.5, unit: 'GiB', source: LOGGING },
  loggingRouting: { usd: 0, unit: 'GiB', source: LOGGING },
} as const satisfies Record<string, Price>;

export type PriceName = keyof typeof PRICES;
