import type { Counts } from '../sink/counts';

/** What a progress line shows. */
export interface ProgressSnapshot extends Pick<Counts, 'records' | 'bytes' | 'rejected'> {
  /** Total input bytes as stored when known, for a bar, and how many of them were read. */
  totalBytes?: number;
  storedBytes?: number;
  label?: string;
}

const BAR_WIDTH = 24;

export function formatProgress(s: ProgressSnapshot, seconds: number): string {
  const mb = s.bytes / 1e6;
  const rate = seconds > 0 ? mb / seconds : 0;
  const stats = `${s.records.toLocaleString('en-US')} records  ${mb.toFixed(1)} MB  ${rate.toFixed(1)} MB/s  ${s.rejected.toLocaleString('en-US')} rejects`;
  if (!s.totalBytes) return `${stats}${s.label ? `  ${s.label}` : ''}`;
  // Stored bytes, not decoded ones: a gzip file decodes to several times its size.
  const fraction = Math.min(1, (s.storedBytes ?? s.bytes) / s.totalBytes);
  const filled = Math.round(fraction * BAR_WIDTH);
  return `[${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}] ${(fraction * 100).toFixed(0).padStart(3)}%  ${stats}`;
}

/**
 * Progress on stderr: a bar redrawn in place (at most ~10 times a second) when stderr is a terminal,
 * otherwise a plain line every few seconds, so logs and CI output stay readable.
 */
export class ProgressReporter {
  private last = 0;
  private drawn = false;
  private readonly started = Date.now();
  constructor(
    private readonly out: NodeJS.WritableStream & { isTTY?: boolean },
    private readonly options: { plainEveryMs?: number; now?: () => number } = {},
  ) {}

  get isTTY(): boolean {
    return this.out.isTTY === true;
  }

  update(snapshot: ProgressSnapshot): void {
    const now = (this.options.now ?? Date.now)();
    const every = this.isTTY ? 100 : (this.options.plainEveryMs ?? 5000);
    if (now - this.last < every) return;
    this.last = now;
    const text = formatProgress(snapshot, (now - this.started) / 1000);
    if (this.isTTY) {
      this.out.write(`\r\x1b[2K${text}`);
      this.drawn = true;
    } else this.out.write(`${text}\n`);
  }

  /**
   * Shows the final state (the throttle may have skipped it: a bar left at 36% reads as a stall)
   * and ends the line, so what follows starts on a fresh one.
   */
  done(final?: ProgressSnapshot): void {
    if (final) {
      const text = formatProgress(final, ((this.options.now ?? Date.now)() - this.started) / 1000);
      this.out.write(this.isTTY ? `\r\x1b[2K${text}\n` : `${text}\n`);
    } else if (this.drawn) this.out.write('\r\x1b[2K');
    this.drawn = false;
  }
}
