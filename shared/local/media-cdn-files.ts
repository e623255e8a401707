/** Media CDN entries a local `batched` run puts in one file (Pub/Sub starts a file every few minutes). */
const ENTRIES_PER_MEDIA_CDN_FILE = 1000;

/**
 * Media CDN messages as a Pub/Sub Cloud Storage subscription in text format writes them: each
 * message's data followed by a newline, a file per `perFile` messages. A Logging sink publishes each
 * LogEntry as compact JSON, so a pretty-printed entry (from a user's file) is compacted to stay one
 * line; text that is not JSON stays as it is, to be dead-lettered like the message it stands for.
 */
export function mediaCdnFiles(messages: readonly string[], perFile = ENTRIES_PER_MEDIA_CDN_FILE): { name: string; content: string }[] {
  const files: { name: string; content: string }[] = [];
  for (let i = 0; i < messages.length; i += perFile) {
    const lines = messages.slice(i, i + perFile).map((text) => `${oneLine(text)}\n`);
    files.push({ name: `media-cdn-${String(files.length).padStart(4, '0')}.jsonl`, content: lines.join('') });
  }
  return files;
}

function oneLine(text: string): string {
  if (!text.includes('\n')) return text;
  try {
    return JSON.stringify(JSON.parse(text));
  } catch {
    return text;
  }
}
