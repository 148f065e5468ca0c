// Cuts a stream of arbitrary-size byte chunks into fixed-size shards, holding at most one shard in memory.

/**
 * Yields consecutive pieces of exactly `shardSize` bytes (the last may be shorter, never empty). A whole shard
 * that lies inside one source chunk is yielded as a view of that chunk, without a copy (a file read in
 * shard-size chunks is never copied); pieces spanning chunks are gathered into a new buffer. So the source
 * must not reuse a chunk's memory after yielding it (Node and web streams never do).
 */
export async function* fixedSizeChunks(
  source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  shardSize: number,
): AsyncGenerator<Uint8Array> {
  if (!Number.isSafeInteger(shardSize) || shardSize <= 0) throw new RangeError('shardSize must be a positive integer');
  let current: Uint8Array | null = null;
  let filled = 0;
  for await (const chunk of source) {
    let offset = 0;
    while (offset < chunk.length) {
      if (filled === 0 && chunk.length - offset >= shardSize) {
        yield chunk.subarray(offset, offset + shardSize);
        offset += shardSize;
        continue;
      }
      current ??= new Uint8Array(shardSize);
      const take = Math.min(shardSize - filled, chunk.length - offset);
      current.set(chunk.subarray(offset, offset + take), filled);
      filled += take;
      offset += take;
      if (filled === shardSize) {
        yield current;
        current = null;
        filled = 0;
      }
    }
  }
  if (current && filled > 0) yield current.subarray(0, filled);
}
