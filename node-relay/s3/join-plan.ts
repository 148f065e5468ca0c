// The progressive join's decisions, apart from its I/O: whose turn it is to stream in, and what Complete must do
// with the parts it names given what the join holds (append the rest, or read every part back into a new file).
import type { ByteRange } from '../../core/storage/get-file.ts';
import { s3Error } from './errors.ts';

/** What the index records as the "capability" of a part that lives inside its upload's join (never released). */
export function joinMarker(uploadId: string, partNumber: number): string {
  return `joined:${uploadId}:${partNumber}`;
}

export function isJoinMarker(capability: string): boolean {
  return capability.startsWith('joined:');
}

/** A part inside the joined file: where its bytes are, and the index row (marker or file) they came from. */
export interface JoinedEntry {
  readonly partNumber: number;
  readonly etag: string;
  readonly size: number;
  readonly offset: number;
  readonly source: string;
}

/** A chosen part of a Complete: its index row. */
export interface ChosenPart {
  readonly partNumber: number;
  readonly capability: string;
  readonly size: number;
  readonly etag: string;
}

/** What the join looks like to a part asking for its turn. */
export interface TurnState {
  readonly closed: boolean;
  /** The part number whose turn it is. */
  readonly next: number;
  /** A part streams in right now (it is always the `next` one). */
  readonly busy: boolean;
  /** Part `n` is already waiting for its turn (a second upload of it must not wait too). */
  readonly waiting: boolean;
}

/** Part `n`'s answer: stream in now, wait for its turn, or be stored on its own. */
export function turnOf(state: TurnState, n: number): 'now' | 'wait' | 'refuse' {
  if (state.closed || n < state.next || state.waiting || (n === state.next && state.busy)) return 'refuse';
  return n === state.next ? 'now' : 'wait';
}

/** How many of `chosen`, from the first, are the join's entries in order (same row, same ETag). */
export function joinedPrefix(chosen: readonly ChosenPart[], entries: readonly JoinedEntry[]): number {
  let k = 0;
  while (k < chosen.length && k < entries.length) {
    const c = chosen[k]!;
    const e = entries[k]!;
    if (c.partNumber !== e.partNumber || c.capability !== e.source || c.etag !== e.etag) break;
    k++;
  }
  return k;
}

/** One piece of the object's bytes: a stored file, or a range of one. */
export interface Slice {
  readonly capability: string;
  readonly range?: ByteRange;
}

/**
 * Complete's plan: append the parts after the joined ones when the chosen parts begin with exactly what the
 * (still open) join holds; otherwise rejoin every chosen part into a new file.
 */
export function completePlan(
  chosen: readonly ChosenPart[],
  entries: readonly JoinedEntry[],
  open: boolean,
): { readonly append: Slice[] } | { readonly rejoin: true } {
  if (open && joinedPrefix(chosen, entries) === entries.length)
    return { append: chosen.slice(entries.length).map((p) => ({ capability: p.capability })) };
  return { rejoin: true };
}

/**
 * The slices of a rejoin, in order: a part stored on its own is its file, a joined part its range of the joined
 * file (`joined`, null when that file was never ended). A joined part not found there is InvalidPart.
 */
export function rejoinSlices(
  chosen: readonly ChosenPart[],
  entries: readonly JoinedEntry[],
  joined: string | null,
): Slice[] {
  return chosen
    .filter((p) => p.size > 0)
    .map((p) => {
      if (!isJoinMarker(p.capability)) return { capability: p.capability };
      const entry = entries.find((e) => e.source === p.capability && e.etag === p.etag);
      if (joined === null || !entry)
        throw s3Error(
          'InvalidPart',
          `part ${p.partNumber} was lost (the gateway stopped before it was stored): upload it again`,
        );
      return { capability: joined, range: { start: entry.offset, end: entry.offset + entry.size - 1 } };
    });
}
