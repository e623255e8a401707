/** A protobuf Duration in its JSON form: decimal seconds with up to 9 fractional digits, then `s`. */
const PATTERN = /^(-?)(\d+)(?:\.(\d{1,9}))?s$/;

/** Converts `"0.157228207s"` to milliseconds (157.228207); null when the text is not a Duration. */
export function durationToMs(text: string): number | null {
  const m = PATTERN.exec(text);
  if (!m) return null;
  const [, sign, secs, frac = ''] = m;
  // Integer nanoseconds first, one division last: keeps as many exact digits as a double allows.
  const nanos = Number(secs) * 1e9 + Number(frac.padEnd(9, '0'));
  const ms = nanos / 1e6;
  return sign ? -ms : ms;
}
