// Cuts a stream of arbitrary-size byte chunks into fixed-size shards, holding at most one shard in memory.

/** Yields consecutive pieces of exactly `shardSize` bytes (the last may be shorter, never empty). */
export async function* fixedSizeChunks(source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, shardSize: number): AsyncGenerator<Uint8Array> {
  if (!Number.isSafeInteger(shardSize) || shardSize <= 0) throw new RangeError('shardSize must be a positive integer');
  let current = new Uint8Array(shardSize);
  let filled = 0;
  for await (const chunk of source) {
    let offset = 0;
    while (offset < chunk.length) {
      const take = Math.min(shardSize - filled, chunk.length - offset);
      current.set(chunk.subarray(offset, offset + take), filled);
      filled += take;
      offset += take;
      if (filled === shardSize) {
        yield current;
        current = new Uint8Array(shardSize);
        filled = 0;
      }
    }
  }
  if (filled > 0) yield current.subarray(0, filled);
}
