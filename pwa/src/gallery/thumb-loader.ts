// Fetches, verifies and decrypts thumbnails (their own small files) on demand, a few at a time, and keeps a
// bounded set of object URLs: the grid asks only for the tiles in the DOM, so scrolling 2,000 photos never
// holds 2,000 pictures.
import { MAX_THUMB_URLS, THUMB_FETCH_CONCURRENCY } from '../../../core/limits.ts';
import type { ShardTransport } from '../../../core/storage/shard-transport.ts';
import { openCapability } from '../sync/open-file.ts';

export class ThumbLoader {
  private readonly urls = new Map<string, string>();
  private readonly loading = new Map<string, Promise<string>>();
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly transport: () => ShardTransport) {}

  /** An object URL of the decrypted thumbnail named by `cap` (`size` only orders the queue: grid first). */
  url(cap: string, size: 'grid' | 'screen'): Promise<string> {
    const ready = this.urls.get(cap);
    if (ready) {
      // Most recently used last, so that the oldest is revoked first.
      this.urls.delete(cap);
      this.urls.set(cap, ready);
      return Promise.resolve(ready);
    }
    const pending = this.loading.get(cap);
    if (pending) return pending;
    const p = this.slot(size === 'screen')
      .then(async () => {
        try {
          const opened = await openCapability(cap, this.transport());
          const url = URL.createObjectURL(opened.blob);
          this.keep(cap, url);
          return url;
        } finally {
          this.release();
        }
      })
      .finally(() => this.loading.delete(cap));
    this.loading.set(cap, p);
    return p;
  }

  private keep(cap: string, url: string): void {
    this.urls.set(cap, url);
    while (this.urls.size > MAX_THUMB_URLS) {
      const [oldest, oldUrl] = this.urls.entries().next().value as [string, string];
      this.urls.delete(oldest);
      // An <img> that already shows it keeps its pixels.
      URL.revokeObjectURL(oldUrl);
    }
  }

  private slot(urgent: boolean): Promise<void> {
    if (this.active < THUMB_FETCH_CONCURRENCY) {
      this.active++;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const go = (): void => {
        this.active++;
        resolve();
      };
      if (urgent) this.waiting.unshift(go);
      else this.waiting.push(go);
    });
  }

  private release(): void {
    this.active--;
    this.waiting.shift()?.();
  }
}
