import { createHash, timingSafeEqual } from 'node:crypto';

const digest = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();

/**
 * Whether the presented header value is one of the accepted secrets. Digests make every comparison
 * the same length (timingSafeEqual needs that, and lengths must not leak either), and every secret is
 * compared, so the time taken says nothing about which one matched or how much of it did.
 */
export function secretAccepted(presented: string | undefined, secrets: readonly string[]): boolean {
  if (presented === undefined || presented === '') return false;
  const given = digest(presented.trim());
  let accepted = false;
  for (const secret of secrets) accepted = timingSafeEqual(given, digest(secret)) || accepted;
  return accepted;
}
