// Page side of the hashing worker: one worker, one promise per file, progress callbacks.
import { DEFAULT_SHARD_BYTES } from '../../core/limits.ts';
import { isHashReply, type HashRequest } from './hash-protocol.ts';

export interface HashResult {
  readonly sha256: string;
  readonly sliceHashes: readonly string[];
}

interface Pending {
  resolve(result: HashResult): void;
  reject(err: Error): void;
  onProgress?: (bytesDone: number) => void;
}

export class FileHasher {
  private worker: Worker | null = null;
  private nextJob = 1;
  private readonly pending = new Map<number, Pending>();

  constructor(private readonly sliceBytes = DEFAULT_SHARD_BYTES) {}

  /** Hashes `file` in slices in the worker; `onProgress` gets the bytes hashed so far. */
  hash(file: Blob, onProgress?: (bytesDone: number) => void): Promise<HashResult> {
    const worker = this.ensureWorker();
    const job = this.nextJob++;
    return new Promise<HashResult>((resolve, reject) => {
      this.pending.set(job, onProgress ? { resolve, reject, onProgress } : { resolve, reject });
      const request: HashRequest = { type: 'hash', job, file, sliceBytes: this.sliceBytes };
      worker.postMessage(request);
    });
  }

  terminate(): void {
    this.worker?.terminate();
    this.worker = null;
    this.failAll(new Error('hashing stopped'));
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(new URL('./hash-worker.ts', import.meta.url), { type: 'module', name: 'peertree-hash' });
    worker.onmessage = (event: MessageEvent<unknown>) => {
      const message = event.data;
      if (!isHashReply(message)) return;
      const pending = this.pending.get(message.job);
      if (!pending) return;
      if (message.type === 'progress') {
        pending.onProgress?.(message.bytesDone);
        return;
      }
      this.pending.delete(message.job);
      if (message.type === 'done') pending.resolve({ sha256: message.sha256, sliceHashes: message.sliceHashes });
      else pending.reject(new Error(message.message));
    };
    worker.onerror = (event) => {
      event.preventDefault();
      this.worker = null;
      worker.terminate();
      this.failAll(new Error(`hashing worker failed: ${event.message || 'unknown error'}`));
    };
    this.worker = worker;
    return worker;
  }

  private failAll(err: Error): void {
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
  }
}
