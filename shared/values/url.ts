interface UrlParts {
  host: string | null;
  path: string | null;
  query: string | null;
}

// scheme://[userinfo@]host[:port]/path?query#fragment; a hand-rolled split is several times faster
// than `new URL()` and keeps the path exactly as logged (no re-encoding).
const ABSOLUTE = /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\/(?:[^/?#@]*@)?([^/?#]*)([^?#]*)(?:\?([^#]*))?/;
const RELATIVE = /^([^?#]*)(?:\?([^#]*))?/;

/** Splits a logged request URL into host, path and query (without `?`; null when empty). */
export function splitUrl(url: string): UrlParts {
  const abs = ABSOLUTE.exec(url);
  if (abs) {
    return { host: abs[1] || null, path: abs[2] || '/', query: abs[3] || null };
  }
  const rel = RELATIVE.exec(url)!;
  return { host: null, path: rel[1] || null, query: rel[2] || null };
}
