// Page side of the thumbnail worker: one worker, one promise per picture or video.
import { posterFrame } from './poster-frame.ts';
import { isThumbReply, type ThumbRequest, type ThumbResult } from './thumb-protocol.ts';

export class Thumbnailer {
  private worker: Worker | null = null;
  private nextJob = 1;
  private readonly pending = new Map<number, { resolve(r: ThumbResult): void; reject(e: Error): void }>();

  /**
   * Makes `file`'s thumbnails and reads its EXIF date in the worker (a video's from its poster frame, taken
   * here). Rejects only when the worker fails.
   */
  async make(file: Blob, mime: string): Promise<ThumbResult> {
    const frame = mime.startsWith('video/') ? await posterFrame(file) : null;
    if (mime.startsWith('video/') && !frame)
      return { grid: null, screen: null, taken: null, orientation: 1, width: null, height: null };
    const worker = this.ensureWorker();
    const job = this.nextJob++;
    return new Promise<ThumbResult>((resolve, reject) => {
      this.pending.set(job, { resolve, reject });
      const request: ThumbRequest = { type: 'thumb', job, file, mime, ...(frame ? { frame } : {}) };
      worker.postMessage(request, frame ? [frame] : []);
    });
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(new URL('./thumb-worker.ts', import.meta.url), {
      type: 'module',
      name: 'peertree-thumbs',
    });
    worker.onmessage = (event: MessageEvent<unknown>) => {
      const m = event.data;
      if (!isThumbReply(m)) return;
      const p = this.pending.get(m.job);
      if (!p) return;
      this.pending.delete(m.job);
      if (m.type === 'done')
        p.resolve({
          grid: m.grid,
          screen: m.screen,
          taken: m.taken,
          orientation: m.orientation,
          width: m.width,
          height: m.height,
        });
      else p.reject(new Error(m.message));
    };
    worker.onerror = (event) => {
      event.preventDefault();
      this.worker = null;
      worker.terminate();
      for (const p of this.pending.values())
        p.reject(new Error(`thumbnail worker failed: ${event.message || 'unknown error'}`));
      this.pending.clear();
    };
    this.worker = worker;
    return worker;
  }
}
