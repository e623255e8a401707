import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { main } from '../shared/cli/main';
import { DEFAULT_COST_INPUT, estimateMode, fileCount, type CostInput } from '../shared/cost/estimate';
import { PRICES } from '../shared/cost/prices';
import { parseVolume } from '../shared/cost/report';

const TIB = 2 ** 40;
const input = (overrides: Partial<CostInput> = {}): CostInput => ({ ...DEFAULT_COST_INPUT, monthlyBytes: TIB, ...overrides });
const usdOf = (mode: Parameters<typeof estimateMode>[0], category: string, i = input()) =>
  estimateMode(mode, i)
    .lines.filter((l) => l.category === category)
    .reduce((sum, l) => sum + l.usd, 0);

async function cost(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c) => (out += c));
  stderr.on('data', (c) => (err += c));
  const code = await main(['cost', ...args], { stdin: new PassThrough(), stdout, stderr, env: {} });
  return { code, stdout: out, stderr: err };
}

describe('cost estimate (pure)', () => {
  it('bills the per-entry path one request per entry: 1 TiB of 1.5 KB entries is about $293 of request fees', () => {
    const entries = TIB / 1500;
    expect(usdOf('realtime', 'requests')).toBeCloseTo(entries * 0.4e-6, 6);
    expect(usdOf('realtime', 'requests')).toBeCloseTo(293.2, 1);
    expect(usdOf('realtime-instance', 'requests')).toBe(0);
    expect(usdOf('batched', 'requests')).toBeLessThan(0.01);
  });

  it('charges Pub/Sub at least 1,000 bytes per message and BigQuery at least 1 KB per row', () => {
    const small = input({ entryBytes: 500, writeMethod: 'insertall' });
    const entries = TIB / 500;
    const publish = estimateMode('realtime', small).lines.find((l) => l.what.startsWith('sink publishes'))!;
    expect(publish.quantity).toBeCloseTo((entries * 1000) / TIB, 9);
    const bq = estimateMode('realtime', small).lines.find((l) => l.category === 'BigQuery ingestion')!;
    expect(bq.quantity).toBeCloseTo((entries * 1024) / 2 ** 30, 6);
  });

  it('adds the _Default bucket at $0.50/GiB only when the entries are kept there', () => {
    expect(usdOf('hourly', 'Logging storage')).toBe(0);
    expect(usdOf('hourly', 'Logging storage', input({ keepDefaultBucket: true }))).toBeCloseTo(512, 6);
  });

  it('prices ingestion as a deploy with that bq_write_method lands rows: storage → Write API, load jobs for hourly files; insertall → insertAll everywhere', () => {
    const storage = input({ writeMethod: 'storage' });
    expect(usdOf('hourly', 'BigQuery ingestion', storage)).toBe(0);
    expect(usdOf('batched', 'BigQuery ingestion', storage)).toBeCloseTo(25.6, 6);
    expect(usdOf('realtime', 'BigQuery ingestion', storage)).toBeCloseTo(25.6, 6);
    expect(usdOf('realtime-instance', 'BigQuery ingestion', storage)).toBeCloseTo(25.6, 6);
    for (const mode of ['realtime', 'realtime-instance', 'batched', 'hourly'] as const)
      expect([mode, usdOf(mode, 'BigQuery ingestion', input({ writeMethod: 'insertall' }))]).toEqual([mode, expect.closeTo(51.2, 6)]);
    // Only insertAll has a 1 KB floor per row.
    const small = (writeMethod: CostInput['writeMethod']) => estimateMode('batched', input({ entryBytes: 512, writeMethod })).lines.at(-1)!.quantity;
    expect(small('insertall')).toBeCloseTo(2 * small('storage'), 6);
    expect(DEFAULT_COST_INPUT.writeMethod).toBe('storage');
  });

  it('bills an instance-billed realtime service for at least one instance all month', () => {
    const month = 30 * 24 * 3600;
    const cpu = estimateMode('realtime-instance', input({ monthlyBytes: 2 ** 30 })).lines.find((l) => l.price === 'runInstanceCpu')!;
    expect(cpu.quantity).toBe(month);
    expect(cpu.usd).toBeCloseTo(month * PRICES.runInstanceCpu.usd, 6);
  });

  it('counts files: Logging shards an hour past 3.5 GiB; Pub/Sub starts one every max_duration or 1 GiB', () => {
    expect(fileCount('hourly', input())).toBe(720);
    expect(fileCount('hourly', input({ monthlyBytes: 10 * TIB }))).toBe(720 * 5);
    expect(fileCount('batched', input())).toBe(8640);
    expect(fileCount('batched', input({ monthlyBytes: 100 * TIB }))).toBe(102400);
    expect(fileCount('realtime', input())).toBe(0);
  });

  it("orders the modes as the issue expects: realtime > batched > hourly; with the issue's 0.5 ms an entry, hourly with load jobs near $10/TiB", () => {
    const total = (mode: Parameters<typeof estimateMode>[0], i = input()) => estimateMode(mode, i).totalUsd;
    expect(total('realtime')).toBeGreaterThan(total('batched'));
    expect(total('batched')).toBeGreaterThan(total('hourly'));
    const issue = input({ writeMethod: 'storage', cpuMsPerEntry: { perEntry: 0.5, file: 0.5 } });
    expect(total('hourly', issue)).toBeGreaterThan(5);
    expect(total('hourly', issue)).toBeLessThan(15);
    // The issue priced realtime with insertAll: ~$434.
    expect(total('realtime', { ...issue, writeMethod: 'insertall' })).toBeCloseTo(433.66, 2);
  });

  it('reads volumes in binary units', () => {
    expect(parseVolume('1TiB')).toBe(TIB);
    expect(parseVolume('250 GiB')).toBe(250 * 2 ** 30);
    expect(parseVolume('5e9')).toBe(5e9);
    expect(parseVolume('1TB')).toBeUndefined();
    expect(parseVolume('0')).toBeUndefined();
  });
});

describe('cdnlog cost (command)', () => {
  it('prints every mode, every cost category, the price date and the sources', async () => {
    const ran = await cost(['--volume', '1TiB']);
    expect(ran.code).toBe(0);
    for (const mode of ['realtime:', 'realtime-instance:', 'batched:', 'hourly:']) expect(ran.stdout).toContain(`\n${mode}`);
    for (const category of ['Logging storage:', 'Pub/Sub:', 'Cloud Storage:', 'requests:', 'CPU + memory:', 'BigQuery ingestion:'])
      expect(ran.stdout).toContain(category);
    expect(ran.stdout).toContain('List prices of 2026-11-30');
    expect(ran.stdout).toContain('https://cloud.google.com/run/pricing');
  });

  it('refuses a missing or unreadable volume and an unknown write method, exit 2', async () => {
    expect((await cost([])).code).toBe(2);
    const bad = await cost(['--volume', '1TB']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('is not a volume');
    const method = await cost(['--volume', '1TiB', '--write-method', 'dataflow']);
    expect(method.code).toBe(2);
    expect(method.stderr).toContain('--write-method must be one of storage, insertall');
  });

  it("the README's cost table and full bill are the command's output", async () => {
    const readme = readFileSync(join(__dirname, '..', 'README.md'), 'utf8');
    const totals = async (volume: string, writeMethod: string) =>
      new Map(
        [...(await cost(['--volume', volume, '--write-method', writeMethod])).stdout.matchAll(/^\| `([a-z-]+)` \| (.*) \| (\S+) \|$/gm)].map((m) => [
          m[1]!,
          { latency: m[2]!, usd: m[3]! },
        ]),
      );
    const [a, b, c, d] = await Promise.all([totals('1TiB', 'storage'), totals('10TiB', 'storage'), totals('1TiB', 'insertall'), totals('10TiB', 'insertall')]);
    const rows = [...a.keys()].map(
      (mode) => `| \`${mode}\` | ${a.get(mode)!.latency} | ${a.get(mode)!.usd} | ${b.get(mode)!.usd} | ${c.get(mode)!.usd} | ${d.get(mode)!.usd} |`,
    );
    expect(rows).toHaveLength(4);
    expect(readme).toContain(`|---|---|---:|---:|---:|---:|\n${rows.join('\n')}\n`);
    const full = (await cost(['--volume', '1TiB'])).stdout;
    expect(readme).toContain(`<!-- cost-output: \`node bin/cdnlog.js cost --volume 1TiB\`, checked by test/cost.test.ts -->\n\`\`\`text\n${full}\`\`\``);
  });
});
