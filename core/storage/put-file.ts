// The put pipeline: chunk, encrypt, hash and store shards with a bounded number in flight, then the manifest.
import { DEFAULT_REPLICAS, DEFAULT_SHARD_BYTES } from '../limits.ts';
import { PeerTreeError } from '../errors.ts';
import { fixedSizeChunks } from './chunker.ts';
import { FileEncoder } from './file-codec.ts';
import type { Manifest } from './manifest.ts';
import type { Progress, ShardTransport } from './shard-transport.ts';

/** Shards being stored at once: enough to keep the network busy, few enough to bound memory (4 × 1 MiB). */
export const PUT_CONCURRENCY = 4;

export interface PutOptions {
  readonly name: string;
  readonly type?: string;
  readonly public?: boolean;
  readonly replicas?: number;
  readonly shardSize?: number;
  readonly size?: number;
  readonly concurrency?: number;
  readonly onProgress?: (p: Progress) => void;
}

export interface PutResult {
  readonly capability: string;
  readonly manifest: Manifest;
  /** Holders of the manifest shard. */
  readonly holders: readonly string[];
}

export async function putFile(source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, transport: ShardTransport, options: PutOptions): Promise<PutResult> {
  const replicas = options.replicas ?? DEFAULT_REPLICAS;
  if (!Number.isSafeInteger(replicas) || replicas < 1) throw new PeerTreeError('BAD_INPUT', 'replicas must be a positive integer');
  const shardSize = options.shardSize ?? DEFAULT_SHARD_BYTES;
  const encoder = await FileEncoder.create({ name: options.name, ...(options.type ? { type: options.type } : {}), ...(options.public ? { public: true } : {}), shardSize });
  const limit = Math.max(1, options.concurrency ?? PUT_CONCURRENCY);
  const inFlight = new Set<Promise<void>>();
  let failure: unknown = null;
  let done = 0;

  for await (const plain of fixedSizeChunks(source, shardSize)) {
    if (failure) break;
    const shard = await encoder.addShard(plain);
    const task = transport.storeShard(shard.hash, shard.bytes, replicas, shard.digest).then(
      () => {
        done += plain.length;
        options.onProgress?.({ doneBytes: done, totalBytes: options.size ?? null });
      },
      (err: unknown) => {
        failure ??= err;
      },
    );
    const tracked = task.finally(() => inFlight.delete(tracked));
    inFlight.add(tracked);
    if (inFlight.size >= limit) await Promise.race(inFlight);
  }
  await Promise.all(inFlight);
  if (failure) throw failure;
  const { manifest, manifestShard, capability } = await encoder.finish();
  const receipt = await transport.storeShard(manifestShard.hash, manifestShard.bytes, replicas, manifestShard.digest);
  return { capability, manifest, holders: receipt.holders };
}
