// Page side of the sealing worker: one worker, one promise per file, progress callbacks.
import { DEFAULT_SHARD_BYTES } from '../../../core/limits.ts';
import { isSealReply, type SealRequest, type SealResult } from './seal-protocol.ts';

interface Pending {
  resolve(result: SealResult): void;
  reject(err: Error): void;
  onProgress?: (bytesDone: number) => void;
}

export interface SealOptions {
  readonly name: string;
  readonly mime: string;
  readonly public?: boolean;
  readonly onProgress?: (bytesDone: number) => void;
}

export class Sealer {
  private worker: Worker | null = null;
  private nextJob = 1;
  private readonly pending = new Map<number, Pending>();

  /** The uploader's key, once the identity is loaded: manifests sealed from then on are signed by it. */
  private author: SealRequest['author'];

  constructor(private readonly shardBytes = DEFAULT_SHARD_BYTES) {}

  /** Signs the manifests of files sealed from now on with this key (the identity's stored CryptoKey). */
  setAuthor(privateKey: CryptoKey, publicKey: Uint8Array): void {
    this.author = { privateKey, publicKey };
  }

  /** Seals `file` into shards in the worker (stored in IndexedDB there); resolves with its capability. */
  seal(file: Blob, options: SealOptions): Promise<SealResult> {
    const worker = this.ensureWorker();
    const job = this.nextJob++;
    return new Promise<SealResult>((resolve, reject) => {
      this.pending.set(
        job,
        options.onProgress ? { resolve, reject, onProgress: options.onProgress } : { resolve, reject },
      );
      const request: SealRequest = {
        type: 'seal',
        job,
        file,
        name: options.name,
        mime: options.mime,
        public: options.public === true,
        shardBytes: this.shardBytes,
        ...(this.author ? { author: this.author } : {}),
      };
      worker.postMessage(request);
    });
  }

  /** Starts the worker now, so that its script is loaded while the network is there (offline later is fine). */
  warm(): void {
    this.ensureWorker();
  }

  terminate(): void {
    this.worker?.terminate();
    this.worker = null;
    this.failAll(new Error('sealing stopped'));
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(new URL('./seal-worker.ts', import.meta.url), { type: 'module', name: 'peertree-seal' });
    worker.onmessage = (event: MessageEvent<unknown>) => {
      const message = event.data;
      if (!isSealReply(message)) return;
      const pending = this.pending.get(message.job);
      if (!pending) return;
      if (message.type === 'progress') {
        pending.onProgress?.(message.bytesDone);
        return;
      }
      this.pending.delete(message.job);
      if (message.type === 'done')
        pending.resolve({
          capability: message.capability,
          fileHash: message.fileHash,
          shards: message.shards,
          size: message.size,
        });
      else pending.reject(new Error(message.message));
    };
    worker.onerror = (event) => {
      event.preventDefault();
      this.worker = null;
      worker.terminate();
      this.failAll(new Error(`sealing worker failed: ${event.message || 'unknown error'}`));
    };
    this.worker = worker;
    return worker;
  }

  private failAll(err: Error): void {
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
  }
}
