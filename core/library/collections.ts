// The library record's `collections`: the S3 gateway's bucket index (bucket → key → capability), shape and
// bounds. Only the gateway writes it; record.ts reads and writes it as an optional top-level field.
import { PeerTreeError } from '../errors.ts';
import { LIBRARY_MAX_COLLECTIONS, LIBRARY_MAX_COLLECTION_ITEMS, MAX_LIBRARY_TEXT } from '../limits.ts';
import { CAP_RE } from './capability-text.ts';

function bad(what: string): never {
  throw new PeerTreeError('BAD_INPUT', `library: ${what}`);
}

/** A named collection (an S3 bucket): its keys and the capability each names. */
export interface LibraryCollection {
  readonly name: string;
  readonly items: readonly { readonly key: string; readonly cap: string }[];
}

/** Reads an untrusted value as the collections field (shape only); throws BAD_INPUT. */
export function readCollections(value: unknown): LibraryCollection[] {
  if (!Array.isArray(value) || value.length > LIBRARY_MAX_COLLECTIONS) bad('collections');
  let items = 0;
  return value.map((c: unknown) => {
    const o = c as { name?: unknown; items?: unknown } | null;
    if (
      typeof o !== 'object' ||
      o === null ||
      typeof o.name !== 'string' ||
      o.name.length === 0 ||
      o.name.length > 255 ||
      !Array.isArray(o.items)
    )
      bad('collection');
    items += o.items.length;
    if (items > LIBRARY_MAX_COLLECTION_ITEMS) bad(`at most ${LIBRARY_MAX_COLLECTION_ITEMS} collection items`);
    return {
      name: o.name,
      items: o.items.map((i: unknown) => {
        const it = i as { key?: unknown; cap?: unknown } | null;
        if (
          typeof it !== 'object' ||
          it === null ||
          typeof it.key !== 'string' ||
          it.key.length === 0 ||
          it.key.length > MAX_LIBRARY_TEXT ||
          typeof it.cap !== 'string' ||
          it.cap.length > 512 ||
          !CAP_RE.test(it.cap)
        )
          bad('collection item');
        return { key: it.key, cap: it.cap };
      }),
    };
  });
}
