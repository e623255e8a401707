/**
 * Errors the input is to blame for, which a retry cannot fix: a corrupt or truncated gzip stream
 * (zlib's Z_* codes), or an object that is gone (404: deleted, or a newer generation replaced it).
 * Everything else (5xx after the download's retries, resets, stalls) may pass later. Shared by the functions
 * and `cdnlog ingest`, so a cut-off file is handled the same on both paths.
 */
export function inputError(err: unknown): string | null {
  if (typeof err !== 'object' || err === null) return null;
  const { code, message } = err as { code?: unknown; message?: unknown };
  if (typeof code === 'string' && code.startsWith('Z_')) return `gzip stream is corrupt: ${String(message)}`;
  // Brotli's own error names, as Node reports them (ERR__ERROR_FORMAT_...); a cut stream is Z_BUF_ERROR.
  if (typeof code === 'string' && code.startsWith('ERR__ERROR_')) return `brotli stream is corrupt: ${String(message)}`;
  if (code === 404) return `object not found (deleted or replaced before it was read): ${String(message)}`;
  return null;
}
