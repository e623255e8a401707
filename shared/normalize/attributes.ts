/**
 * `attributes` keeps every source field that no column took, under its original name, so nothing a
 * vendor logs is lost.
 */

/**
 * Copies `source` without the `mapped` keys (and with `clean` applied to each kept value). A
 * `__proto__` key from JSON is copied as plain data, never as the object's prototype.
 */
export function remainder(
  source: Record<string, unknown>,
  mapped: ReadonlySet<string>,
  clean?: (value: unknown) => unknown,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key in source) {
    if (mapped.has(key)) continue;
    const value = clean ? clean(source[key]) : source[key];
    if (key === '__proto__') {
      Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
    } else {
      out[key] = value;
    }
  }
  return out;
}

export function isEmptyObject(value: Record<string, unknown>): boolean {
  for (const _ in value) return false;
  return true;
}

/** JSON text for the JSON column, or null when nothing is left over. */
export function attributesJson(value: Record<string, unknown>): string | null {
  return isEmptyObject(value) ? null : JSON.stringify(value);
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
