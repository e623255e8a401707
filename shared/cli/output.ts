import { once } from 'node:events';

/**
 * Buffers text for a stream and writes it in ~64 KB chunks, waiting for 'drain' when the stream is
 * full, so a fast producer never piles up memory in front of a slow pipe.
 */
export class ChunkedWriter {
  private parts: string[] = [];
  private size = 0;
  constructor(
    private readonly stream: NodeJS.WritableStream,
    private readonly chunkBytes = 64 * 1024,
  ) {}

  /** Queues text without waiting (call drain() once per batch of pushes). */
  push(text: string): void {
    this.parts.push(text);
    this.size += text.length;
  }

  /** Writes the queue once it holds a chunk's worth, waiting for the stream if it is full. */
  async drain(): Promise<void> {
    if (this.size >= this.chunkBytes) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.parts.length === 0) return;
    const text = this.parts.join('');
    this.parts = [];
    this.size = 0;
    if (!this.stream.write(text)) await once(this.stream, 'drain');
  }
}
