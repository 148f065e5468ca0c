// The put pipeline: chunk, encrypt, hash and store shards with a bounded number in flight, then the manifest.
// A small file's only shard goes inside the manifest instead, so that getting it takes one request.
import { DEFAULT_REPLICAS, DEFAULT_SHARD_BYTES, INLINE_FILE_BYTES, PUT_WINDOW_MAX } from '../limits.ts';
import { PeerTreeError, toPeerTreeError } from '../errors.ts';
import { fixedSizeChunks } from './chunker.ts';
import { FileEncoder, type StoredShard } from './file-codec.ts';
import type { Identity } from '../identity/identity.ts';
import type { Manifest } from './manifest.ts';
import type { Progress, ShardTransport } from './shard-transport.ts';

/**
 * Shards being stored at once when the transport does not size the window itself (`putWindow`): enough to keep
 * the network busy, few enough to bound memory (4 × 1 MiB).
 */
export const PUT_CONCURRENCY = 4;

export interface PutOptions {
  readonly name: string;
  readonly type?: string;
  readonly public?: boolean;
  readonly replicas?: number;
  readonly shardSize?: number;
  readonly size?: number;
  /** A fixed window (shards in flight); absent: the transport's `putWindow()`, else PUT_CONCURRENCY. */
  readonly concurrency?: number;
  /** Largest file (plaintext bytes, one shard) carried inside its manifest; 0 stores every shard on its own. */
  readonly inlineBytes?: number;
  readonly onProgress?: (p: Progress) => void;
  /** The uploader: signs the manifest, so that only this key can register the file in the ledger. */
  readonly author?: Identity;
  /** Told each shard's hash (the manifest's too) just before it is sent, e.g. to note it durably first. */
  readonly onShard?: (hash: string) => void;
  /** Stops the put (e.g. Ctrl-C): no new shard is sent, and it fails with CLOSED (releasing as any failure). */
  readonly signal?: { readonly aborted: boolean };
}

export interface PutResult {
  readonly capability: string;
  readonly manifest: Manifest;
  /** Holders of the manifest shard. */
  readonly holders: readonly string[];
}

/** Releases sent at once when a failed put takes back what it stored. */
export const RELEASE_CONCURRENCY = 4;

/**
 * Takes back what a failed put sent: the owner's pin on every shard it tried to store (stored or not: a store
 * refused by one holder may have been kept by another). Only for an encrypted file: its key is new, so its
 * shards are this put's alone. A public file's shards are the same for anyone storing the same bytes, and an
 * earlier put of that file by this key may still need them: they stay, and putting the file again finishes it.
 */
async function takeBack(
  transport: ShardTransport,
  hashes: readonly string[],
  isPublic: boolean,
  failure: unknown,
): Promise<never> {
  const e = toPeerTreeError(failure);
  const sent = new Set(hashes);
  if (sent.size === 0) throw e;
  if (isPublic || !transport.unpin) {
    throw new PeerTreeError(
      e.code,
      `${e.message} (the ${sent.size} pieces already sent stay stored: put the same file again to finish it)`,
      { cause: failure, refused: e.refused },
    );
  }
  const queue = [...sent];
  let released = 0;
  let failed = 0;
  const worker = async () => {
    for (let hash = queue.shift(); hash !== undefined; hash = queue.shift()) {
      try {
        await transport.unpin!(hash);
        released++;
      } catch {
        failed++;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(RELEASE_CONCURRENCY, queue.length) }, worker));
  const note =
    failed === 0
      ? `nothing of it stays stored (released ${released} pieces)`
      : `${failed} of ${sent.size} pieces already sent could not be released now`;
  throw new PeerTreeError(e.code, `${e.message}; ${note}`, { cause: failure, refused: e.refused });
}

export async function putFile(
  source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  transport: ShardTransport,
  options: PutOptions,
): Promise<PutResult> {
  const replicas = options.replicas ?? DEFAULT_REPLICAS;
  if (!Number.isSafeInteger(replicas) || replicas < 1)
    throw new PeerTreeError('BAD_INPUT', 'replicas must be a positive integer');
  const shardSize = options.shardSize ?? DEFAULT_SHARD_BYTES;
  const encoder = await FileEncoder.create({
    name: options.name,
    ...(options.type ? { type: options.type } : {}),
    ...(options.public ? { public: true } : {}),
    shardSize,
  });
  // Re-read before each shard: a transport that measures its relays widens the window as it learns them.
  const limit = () =>
    Math.max(1, Math.min(PUT_WINDOW_MAX, options.concurrency ?? transport.putWindow?.() ?? PUT_CONCURRENCY));
  const inFlight = new Set<Promise<void>>();
  let failure: unknown = null;
  const inlineBytes = Math.min(options.inlineBytes ?? INLINE_FILE_BYTES, shardSize);
  let done = 0;
  const progress = (bytes: number) => {
    done += bytes;
    options.onProgress?.({ doneBytes: done, totalBytes: options.size ?? null });
  };
  const attempted: string[] = [];
  const store = async (shard: StoredShard, plainBytes: number) => {
    attempted.push(shard.hash);
    options.onShard?.(shard.hash);
    const task = transport.storeShard(shard.hash, shard.bytes, replicas, shard.digest).then(
      () => progress(plainBytes),
      (err: unknown) => {
        failure ??= err;
      },
    );
    const tracked = task.finally(() => inFlight.delete(tracked));
    inFlight.add(tracked);
    // Bounded: each pass waits for one of at most PUT_WINDOW_MAX shards to settle, and settled ones leave the set.
    while (inFlight.size >= limit()) await Promise.race(inFlight);
  };

  // A small first shard is held back until it is known to be the only one (the source has no length).
  let held: { shard: StoredShard; plainBytes: number } | null = null;
  let count = 0;
  const aborted = () => {
    if (options.signal?.aborted) failure ??= new PeerTreeError('CLOSED', 'the put was interrupted');
    return failure !== null;
  };
  for await (const plain of fixedSizeChunks(source, shardSize)) {
    if (aborted()) break;
    const shard = await encoder.addShard(plain);
    count++;
    // More than one shard: the links to every relay will be needed, so they open now, side by side.
    if (count === 2) transport.prepare?.();
    if (count === 1 && plain.length <= inlineBytes) {
      held = { shard, plainBytes: plain.length };
      continue;
    }
    if (held) {
      await store(held.shard, held.plainBytes);
      held = null;
    }
    await store(shard, plain.length);
  }
  if (aborted()) {
    await Promise.all(inFlight);
    return takeBack(transport, attempted, options.public === true, failure);
  }
  if (held) progress(held.plainBytes);
  const { manifest, manifestShard, capability } = await encoder.finish({
    ...(held ? { inline: held.shard } : {}),
    ...(options.author ? { author: options.author } : {}),
  });
  attempted.push(manifestShard.hash);
  options.onShard?.(manifestShard.hash);
  // The manifest goes out beside the last shards rather than after them (it names them all, and nobody can read it
  // before this returns the capability): a round trip plus its copies and fsync less per put. Still nothing is
  // acknowledged until every shard and the manifest are durable; a failure of either takes back all of them.
  const manifestStored = transport
    .storeShard(manifestShard.hash, manifestShard.bytes, replicas, manifestShard.digest)
    .then(
      (receipt) => ({ receipt, err: null }),
      (err: unknown) => ({ receipt: null, err }),
    );
  await Promise.all(inFlight);
  const { receipt, err } = await manifestStored;
  if (aborted()) return takeBack(transport, attempted, options.public === true, failure);
  if (!receipt) return takeBack(transport, attempted, options.public === true, err);
  return { capability, manifest, holders: receipt.holders };
}
