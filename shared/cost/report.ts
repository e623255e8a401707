import type { CostInput, ModeCost } from './estimate';
import { PRICES, PRICES_AS_OF, type PriceName } from './prices';

const UNITS: Record<string, number> = { b: 1, kib: 2 ** 10, mib: 2 ** 20, gib: 2 ** 30, tib: 2 ** 40, pib: 2 ** 50 };

/** "1TiB", "250 GiB", "5e9" (bytes) → bytes; undefined when it is none of these. Binary units only, as the pricing pages bill. */
export function parseVolume(text: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?(?:e\d+)?)\s*([kmgtp]ib|b)?$/i.exec(text.trim());
  if (!match) return undefined;
  const bytes = Number(match[1]) * UNITS[(match[2] ?? 'b').toLowerCase()]!;
  return bytes > 0 && Number.isFinite(bytes) ? bytes : undefined;
}

function formatVolume(bytes: number): string {
  for (const unit of ['PiB', 'TiB', 'GiB', 'MiB', 'KiB'] as const) {
    const value = bytes / UNITS[unit.toLowerCase()]!;
    if (value >= 1) return `${trim(value)} ${unit}`;
  }
  return `${bytes} B`;
}

const trim = (n: number) => (Number.isInteger(n) ? String(n) : n.toFixed(2).replace(/0+$/, ''));
const usd = (n: number) => `$${n.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;

/** Counted units read as plurals ("8,640 requests"); measures do not ("1,024 GiB"). */
const plural = (unit: string) => (/^(request|operation|vCPU-second|GiB-second|GiB-month)$/.test(unit) ? `${unit}s` : unit);

function quantity(n: number, price: PriceName): string {
  const value =
    n >= 1e6
      ? `${(n / 1e6).toLocaleString('en-US', { maximumFractionDigits: 1 })} M`
      : n >= 10
        ? n.toLocaleString('en-US', { maximumFractionDigits: 0 })
        : Number(n.toPrecision(3)).toString();
  return `${value} ${plural(PRICES[price].unit)}`;
}

function rate(price: PriceName): string {
  const { usd: value, unit } = PRICES[price];
  if (value === 0) return 'free';
  if (value < 0.001) return `$${(value * 1e6).toFixed(2)} per M ${plural(unit)}`;
  return `$${value.toFixed(2)}/${unit}`;
}

/** The monthly bill of every mode, line by line, then a summary and the prices with their sources. */
export function renderCost(input: CostInput, modes: ModeCost[]): string {
  const entries = input.monthlyBytes / input.entryBytes;
  const out: string[] = [];
  out.push(
    `Monthly cost of landing ${formatVolume(input.monthlyBytes)} of Media CDN logs a month ` +
      `(${Math.round(entries).toLocaleString('en-US')} entries of ${input.entryBytes} bytes)`,
  );
  const ingestion = input.writeMethod === 'storage' ? 'Storage Write API, load jobs for hourly files' : 'insertAll on every path';
  out.push(`List prices of ${PRICES_AS_OF}, tier-1 regions, USD, before free tiers; bq_write_method = ${input.writeMethod} (${ingestion}).`);
  for (const mode of modes) {
    out.push('', `${mode.mode}: ${mode.route}; latency ${mode.latency}`);
    const width = Math.max(...mode.lines.map((l) => `${l.category}: ${l.what}`.length));
    for (const l of mode.lines) {
      out.push(
        `  ${`${l.category}: ${l.what}`.padEnd(width)}  ${quantity(l.quantity, l.price).padStart(22)} × ${rate(l.price).padEnd(26)} ${usd(l.usd).padStart(11)}`,
      );
    }
    out.push(`  ${'total'.padEnd(width)}  ${''.padStart(22)}   ${''.padEnd(26)} ${usd(mode.totalUsd).padStart(11)}`);
  }
  out.push('', '| mode | latency | per month |', '|---|---|---:|');
  for (const mode of modes) out.push(`| \`${mode.mode}\` | ${mode.latency} | ${usd(mode.totalUsd)} |`);
  const sources = [...new Set(Object.values(PRICES).map((p) => p.source))];
  out.push('', `Prices (shared/cost/prices.ts) from: ${sources.join(' ')}`);
  return `${out.join('\n')}\n`;
}
