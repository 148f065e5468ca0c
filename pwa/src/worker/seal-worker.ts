// Web Worker: reads a file in slices, seals each with core's FileEncoder (AES-256-GCM + SHA-256 in WebCrypto)
// and writes the sealed shards and the manifest into the IndexedDB shard store. Memory: one slice at a time.
import { identityFromCryptoKey } from '../../../core/identity/identity.ts';
import { FileEncoder } from '../../../core/storage/file-codec.ts';
import { openPeerTreeDB } from '../data/db.ts';
import { IdbShardStore } from '../data/idb-shard-store.ts';
import type { SealReply, SealRequest } from './seal-protocol.ts';
import { SEAL_PROGRESS_INTERVAL_MS } from '../../../core/limits.ts';

const reply = (message: SealReply): void => (self as unknown as Worker).postMessage(message);

let storePromise: Promise<IdbShardStore> | null = null;
function shardStore(): Promise<IdbShardStore> {
  storePromise ??= openPeerTreeDB().then((db) => new IdbShardStore(db));
  return storePromise;
}

async function seal(request: SealRequest): Promise<void> {
  const { job, file, shardBytes } = request;
  const store = await shardStore();
  const encoder = await FileEncoder.create({
    name: request.name,
    type: request.mime,
    public: request.public,
    shardSize: shardBytes,
  });
  const shards: string[] = [];
  let lastProgress = 0;
  // Reading the next slice overlaps with sealing and storing this one: at most two slices in memory.
  let next: Promise<ArrayBuffer> | null =
    file.size > 0 ? file.slice(0, Math.min(file.size, shardBytes)).arrayBuffer() : null;
  for (let offset = 0; next !== null;) {
    const plain = new Uint8Array(await next);
    const end = offset + plain.length;
    next = end < file.size ? file.slice(end, Math.min(file.size, end + shardBytes)).arrayBuffer() : null;
    if (plain.length === 0) throw new Error('the file became shorter while it was being read');
    const sealed = await encoder.addShard(plain);
    await store.put(sealed.hash, sealed.bytes);
    shards.push(sealed.hash);
    offset = end;
    const now = performance.now();
    if (now - lastProgress >= SEAL_PROGRESS_INTERVAL_MS) {
      lastProgress = now;
      reply({ type: 'progress', job, bytesDone: offset });
    }
  }
  const author = request.author
    ? identityFromCryptoKey(request.author.privateKey, request.author.publicKey)
    : undefined;
  const { manifest, manifestShard, capability } = await encoder.finish(author ? { author } : {});
  if (manifest.size !== file.size) throw new Error('the file changed size while it was being read');
  await store.put(manifestShard.hash, manifestShard.bytes);
  shards.push(manifestShard.hash);
  reply({ type: 'done', job, capability, fileHash: manifest.hash, shards, size: manifest.size });
}

// Jobs run one after another: two large files never hold their slices at once.
let queue: Promise<void> = Promise.resolve();

self.onmessage = (event: MessageEvent<unknown>) => {
  const request = event.data as Partial<SealRequest> | null;
  if (!request || request.type !== 'seal' || typeof request.job !== 'number' || !(request.file instanceof Blob)) return;
  const valid = request as SealRequest;
  queue = queue.then(() =>
    seal(valid).catch((err: unknown) => {
      reply({ type: 'error', job: valid.job, message: err instanceof Error ? err.message : String(err) });
    }),
  );
};
