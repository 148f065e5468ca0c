// Joins a completed multipart upload's parts into one stored file, so that the object has one capability (what the
// library lists and `peertree get` opens). Bytes flow from each part's get into the new put one piece at a time:
// the get waits until the put has taken its piece, so memory stays bounded by one piece plus the put's window.
import type { ByteRange } from '../../core/storage/get-file.ts';
import type { PeerTreeStore, PutOutcome } from './peertree-store.ts';

export interface JoinedPart {
  readonly capability: string;
}

/** The bytes of `capability` (or `range` of it) as a pull stream over the store's push-style get (one piece in flight). */
export async function* pull(store: PeerTreeStore, capability: string, range?: ByteRange): AsyncGenerator<Uint8Array> {
  let piece: Uint8Array | null = null;
  let taken: (() => void) | null = null;
  let arrived: (() => void) | null = null;
  let finished = false;
  let failure: unknown = null;
  let stopped = false;
  const getting = store
    .get(
      capability,
      async (bytes) => {
        if (stopped) throw new Error('the joined put ended');
        piece = bytes;
        arrived?.();
        await new Promise<void>((resolve) => (taken = resolve));
      },
      range,
    )
    .then(
      () => (finished = true),
      (err: unknown) => {
        failure = err;
        finished = true;
      },
    )
    .finally(() => arrived?.());
  try {
    for (;;) {
      if (piece === null && !finished) await new Promise<void>((resolve) => (arrived = resolve));
      arrived = null;
      if (piece !== null) {
        const out: Uint8Array = piece;
        piece = null;
        yield out;
        const next = taken as (() => void) | null;
        taken = null;
        next?.();
        continue;
      }
      if (finished) break;
    }
    if (failure) throw failure;
  } finally {
    // The consumer stopped early: let a waiting get end instead of hanging.
    stopped = true;
    (taken as (() => void) | null)?.();
    await getting;
  }
}

/** Stores the parts' bytes, in order, as one file; `stop.aborted` ends the put (and it releases what it stored). */
export async function joinParts(
  store: PeerTreeStore,
  parts: readonly JoinedPart[],
  name: string,
  type: string,
  stop: { readonly aborted: boolean },
): Promise<PutOutcome> {
  async function* all(): AsyncGenerator<Uint8Array> {
    for (const p of parts) yield* pull(store, p.capability);
  }
  return store.put(all(), name, type, stop);
}
