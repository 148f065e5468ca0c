// The get pipeline: fetch the manifest, then shards with a bounded window in flight, verify each, write in order.
import { PeerTreeError } from '../errors.ts';
import { parseCapability } from './capability.ts';
import { FileDecoder } from './file-codec.ts';
import type { Manifest } from './manifest.ts';
import type { Progress, ShardTransport } from './shard-transport.ts';
import { GET_WINDOW_MAX, GET_WINDOW_MIN } from '../limits.ts';

/** Shards in flight when neither the caller nor the transport says otherwise. */
export const GET_CONCURRENCY = GET_WINDOW_MIN;
/** Attempts per shard: a shard that fails to verify is fetched again (the transport may pick another holder). */
export const GET_ATTEMPTS = 3;

export interface ByteRange {
  /** First byte, inclusive. */
  readonly start: number;
  /** Last byte, inclusive. */
  readonly end: number;
}

export interface GetOptions {
  readonly range?: ByteRange;
  /** A fixed window (shards in flight); absent: the transport's `window()` (a swarming get), else GET_CONCURRENCY. */
  readonly concurrency?: number;
  readonly onManifest?: (m: Manifest) => void | Promise<void>;
  readonly onProgress?: (p: Progress) => void;
}

/** Opens a capability: fetches and verifies its manifest. */
export async function openFile(capabilityText: string, transport: ShardTransport): Promise<FileDecoder> {
  const capability = parseCapability(capabilityText);
  const bytes = await fetchVerified(transport, capability.manifest, async (b, digest) =>
    FileDecoder.open(capability, b, digest),
  );
  return bytes;
}

async function fetchVerified<T>(
  transport: ShardTransport,
  hash: string,
  decode: (bytes: Uint8Array, digest: Uint8Array | undefined) => Promise<T>,
): Promise<T> {
  let lastError: unknown = null;
  for (let attempt = 0; attempt < GET_ATTEMPTS; attempt++) {
    try {
      const bytes = await transport.fetchShard(hash);
      return await decode(bytes, transport.digestOf?.(bytes));
    } catch (err) {
      lastError = err;
      const code = (err as PeerTreeError)?.code;
      // A wrong key or a malformed manifest will not get better by asking again.
      if (code === 'BAD_INPUT') break;
    }
  }
  throw lastError;
}

/**
 * Writes the file (or `range` of it) to `write`, strictly in order, holding at most the window of shards.
 * Every shard is checked against its hash; a full get also checks the whole-file hash before resolving —
 * callers must treat the output as unverified until this resolves (write to a temp name, then rename).
 */
export async function getFile(
  capabilityText: string,
  transport: ShardTransport,
  write: (bytes: Uint8Array) => Promise<void> | void,
  options: GetOptions = {},
): Promise<Manifest> {
  const decoder = await openFile(capabilityText, transport);
  const m = decoder.manifest;
  await options.onManifest?.(m);
  const range = options.range;
  if (range && (range.start < 0 || range.end < range.start || range.end >= m.size))
    throw new PeerTreeError('BAD_INPUT', `range outside 0-${m.size - 1}`);
  const first = range ? Math.floor(range.start / m.shardSize) : 0;
  const last = range ? Math.floor(range.end / m.shardSize) : m.shards.length - 1;
  // More than one shard to fetch: the links to the holders will be needed, so they open now, side by side (as a
  // put's do at its second shard) instead of each when a shard first names its relay.
  if (last > first) transport.prepare?.();
  // Asked again before each shard starts: a swarming transport widens it as it measures its holders. Bounded, so
  // memory is at most GET_WINDOW_MAX shards whatever the transport says.
  const limit = () =>
    Math.min(GET_WINDOW_MAX, Math.max(1, options.concurrency ?? transport.window?.() ?? GET_CONCURRENCY));
  const pending = new Map<number, Promise<Uint8Array>>();
  let next = first;
  let written = 0;
  const total = range ? range.end - range.start + 1 : m.size;

  const start = (i: number) => {
    // An inlined shard came with the manifest (a small file: one request in all); it is verified like any other.
    const inline = decoder.inlineShard(i);
    const p = inline
      ? decoder.decodeShard(i, inline)
      : fetchVerified(transport, m.shards[i]!, (bytes, digest) => decoder.decodeShard(i, bytes, digest));
    p.catch(() => {}); // observed below, in order
    pending.set(i, p);
  };
  for (let i = first; i <= last; i++) {
    while (next <= last && pending.size < limit()) start(next++);
    const plain = await pending.get(i)!;
    pending.delete(i);
    const from = range && i === first ? range.start - i * m.shardSize : 0;
    const to = range && i === last ? range.end - i * m.shardSize + 1 : plain.length;
    const piece = from === 0 && to === plain.length ? plain : plain.subarray(from, to);
    await write(piece);
    written += piece.length;
    options.onProgress?.({ doneBytes: written, totalBytes: total });
  }
  if (!range) await decoder.finish();
  return m;
}
