import { parseArgs } from 'node:util';
import { DEFAULT_COST_INPUT, estimateAll, WRITE_METHODS, type CostInput, type WriteMethod } from '../cost/estimate';
import { renderCost, parseVolume } from '../cost/report';
import { EXIT, UsageError, type Command } from './io';

export const costHelp = `Usage: cdnlog cost --volume 1TiB [--entry-bytes 1500] [--write-method storage|insertall]
                   [--keep-default-bucket] [--cpu-ms-per-entry 0.5] [--file-cpu-ms-per-entry 0.5]

Prints the monthly bill of each Media CDN delivery mode (terraform media_cdn_delivery: realtime,
batched, hourly; realtime also with Cloud Run instance-based billing), line by line: Logging
storage, Pub/Sub, Cloud Storage, requests, CPU + memory, BigQuery ingestion. List prices, their date
and sources are in shared/cost/prices.ts; free tiers are left out.

  --volume V                 log volume a month: bytes, or with KiB, MiB, GiB, TiB, PiB (required)
  --entry-bytes N            average LogEntry size in bytes (default ${DEFAULT_COST_INPUT.entryBytes})
  --write-method M           terraform bq_write_method: storage (default: the Storage Write API,
                             and free load jobs for hourly files) or insertall (every path)
  --keep-default-bucket      the entries stay in the _Default log bucket too ($0.50/GiB)
  --cpu-ms-per-entry MS      billable function time per entry, per-entry path (default ${DEFAULT_COST_INPUT.cpuMsPerEntry.perEntry})
  --file-cpu-ms-per-entry MS billable function time per entry, file path (default ${DEFAULT_COST_INPUT.cpuMsPerEntry.file})
  -h, --help                 Show this help.`;

function positive(name: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0) throw new UsageError(`${name} must be a positive number, not "${text}"`);
  return value;
}

export const cost: Command = async (args, io) => {
  const { values, positionals } = parseArgs({
    args,
    options: {
      volume: { type: 'string' },
      'entry-bytes': { type: 'string' },
      'write-method': { type: 'string' },
      'keep-default-bucket': { type: 'boolean' },
      'cpu-ms-per-entry': { type: 'string' },
      'file-cpu-ms-per-entry': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    allowPositionals: true,
  });
  if (values.help) {
    io.stdout.write(`${costHelp}\n`);
    return EXIT.ok;
  }
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
  if (values.volume === undefined) throw new UsageError('--volume is required, e.g. --volume 1TiB');
  const monthlyBytes = parseVolume(values.volume);
  if (monthlyBytes === undefined) throw new UsageError(`--volume "${values.volume}" is not a volume (e.g. 1TiB, 250GiB, 5e9)`);
  const writeMethod = (values['write-method'] ?? DEFAULT_COST_INPUT.writeMethod) as WriteMethod;
  if (!WRITE_METHODS.includes(writeMethod)) throw new UsageError(`--write-method must be one of ${WRITE_METHODS.join(', ')}`);
  const input: CostInput = {
    ...DEFAULT_COST_INPUT,
    monthlyBytes,
    entryBytes: positive('--entry-bytes', values['entry-bytes'], DEFAULT_COST_INPUT.entryBytes),
    writeMethod,
    keepDefaultBucket: values['keep-default-bucket'] ?? false,
    cpuMsPerEntry: {
      perEntry: positive('--cpu-ms-per-entry', values['cpu-ms-per-entry'], DEFAULT_COST_INPUT.cpuMsPerEntry.perEntry),
      file: positive('--file-cpu-ms-per-entry', values['file-cpu-ms-per-entry'], DEFAULT_COST_INPUT.cpuMsPerEntry.file),
    },
  };
  io.stdout.write(renderCost(input, estimateAll(input)));
  return EXIT.ok;
};
