// Joins a completed multipart upload's parts into one stored file, so that the object has one capability (what the
// library lists and `peertree get` opens): appending to the progressive join when it holds the first parts, else
// anew. Bytes flow from each part's get into the put one piece at a time: the get waits until the put has taken its
// piece, so memory stays bounded by one piece plus the put's window.
import type { ByteRange } from '../../core/storage/get-file.ts';
import type { PeerTreeStore } from './peertree-store.ts';
import { s3Error } from './errors.ts';
import type { UploadRow } from './object-index.ts';
import { fileNameOf, stopOnClose, type S3Context } from './context.ts';
import { Join } from './progressive-join.ts';
import type { SavedJoin } from './saved-joins.ts';
import { completePlan, rejoinSlices, type ChosenPart } from './join-plan.ts';

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

/** The bytes of `list` in order: each a part file, or the given range of one, as one pull stream. */
export async function* slices(
  store: PeerTreeStore,
  list: readonly { capability: string; range?: ByteRange }[],
): AsyncGenerator<Uint8Array> {
  for (const slice of list) yield* pull(store, slice.capability, slice.range);
}

/**
 * The one file of a completed upload, with `chosen` in order. When the chosen parts begin with exactly what the
 * progressive join holds, only the rest (parts stored on their own) is appended; otherwise the join's file is
 * ended and every chosen part is read back (a joined part as its range of that file) into a new file.
 */
export async function joinedFile(
  ctx: S3Context,
  upload: UploadRow,
  chosen: readonly ChosenPart[],
  found: Join | SavedJoin | undefined,
): Promise<{ capability: string; appended: boolean }> {
  const { store } = ctx.gw;
  const name = fileNameOf(upload.key);
  const join = found instanceof Join ? found : undefined;
  const entries = found?.entries ?? [];
  const plan = completePlan(chosen, entries, join?.open ?? false);
  if (join && 'append' in plan) {
    const outcome = await join.complete(slices(store, plan.append));
    if (!outcome) throw s3Error('ServiceUnavailable', 'the joined file could not be stored: upload the parts again');
    return { capability: outcome.capability, appended: true };
  }
  // A join saved at a stop is released with its upload (savedJoins.drop), a live one once read back here.
  const spec = join ? await join.finish() : null;
  const joined = join ? (spec?.capability ?? null) : found && 'capability' in found ? found.capability : null;
  const stop = stopOnClose(ctx);
  try {
    const list = rejoinSlices(chosen, entries, joined);
    const outcome = await store.put(slices(store, list), name, upload.contentType, stop);
    return { capability: outcome.capability, appended: false };
  } finally {
    if (spec) ctx.gw.releaser.release([spec.capability]);
  }
}
