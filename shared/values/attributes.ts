/**
 * `attributes` keeps every source field that no column took, under its original name, so nothing a
 * vendor logs is lost.
 */

/**
 * Copies `source` without the `mapped` keys (and with `clean` applied to each kept value). A
 * `__proto__` key from JSON is copied as plain data, never as the object's prototype.
 */
export function remainder(source: Record<string, unknown>, mapped: ReadonlySet<string>, clean?: (value: unknown) => unknown): Record<string, unknown> {
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

/**
 * Deepest nesting accepted in `attributes` (the object itself is level 1). Real logs nest a few
 * levels; BigQuery's JSON type stops at 500, and JSON.stringify recurses, so a hostile field nested
 * thousands of levels deep would otherwise overflow the stack instead of being rejected.
 */
export const MAX_ATTRIBUTE_DEPTH = 100;

/** The key of `value` under which nesting goes past `limit` levels, or null; never recurses. */
export function tooDeep(value: Record<string, unknown>, limit: number): string | null {
  const stack: Array<[unknown, number, string]> = [];
  for (const key in value) stack.push([value[key], 2, key]);
  while (stack.length > 0) {
    const [item, depth, key] = stack.pop()!;
    if (typeof item !== 'object' || item === null) continue;
    if (depth > limit) return key;
    if (Array.isArray(item)) for (const child of item) stack.push([child, depth + 1, key]);
    else for (const k in item) stack.push([(item as Record<string, unknown>)[k], depth + 1, key]);
  }
  return null;
}

/**
 * JSON text for the JSON column, or null when nothing is left over. Nesting past
 * MAX_ATTRIBUTE_DEPTH is an issue (the record is rejected, never half-stored).
 */
export function attributesJson(value: Record<string, unknown>, issues: string[]): string | null {
  if (isEmptyObject(value)) return null;
  const deep = tooDeep(value, MAX_ATTRIBUTE_DEPTH);
  if (deep !== null) {
    issues.push(`${deep}: nested deeper than ${MAX_ATTRIBUTE_DEPTH} levels (the bound for unmapped fields kept in attributes)`);
    return null;
  }
  return JSON.stringify(value);
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
