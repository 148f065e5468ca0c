// LibrarySync.removed on several files at once (the gallery's multi-delete): every tombstone is kept, none lost
// to another removal reading and saving the same state at the same time.
import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { identityFromSeed } from '../../../core/identity/identity.ts';
import { openDatabase } from '../../../pwa/src/data/db.ts';
import { LibrarySync, type LibrarySyncDeps } from '../../../pwa/src/sync/library-sync.ts';

const cap = (n: number): string => `pt1.${n.toString(16).padStart(2, '0').repeat(32)}.${'A'.repeat(43)}`;
const REMOVED_AT_ONCE = 6;

/** Pending tombstones in the saved sync state, by capability. */
async function pendingRemovals(deps: LibrarySyncDeps): Promise<string[]> {
  const state = (await deps.db.get('settings', 'library-state'))?.value as { pending?: { cap: string }[] };
  return (state.pending ?? []).map((p) => p.cap).sort();
}

describe('LibrarySync.removed', () => {
  it('keeps every tombstone when several files are removed at the same time', async () => {
    const db = await openDatabase('library-sync-removed-test');
    // Offline: the sync that each removal schedules returns at once, so only the local state is under test.
    const deps = {
      db,
      identity: await identityFromSeed(new Uint8Array(32).fill(7)),
      socket: { state: 'closed' },
      library: { list: () => [] },
      replicas: () => Promise.resolve(1),
    } as unknown as LibrarySyncDeps;
    const sync = new LibrarySync(deps);
    const caps = Array.from({ length: REMOVED_AT_ONCE }, (_, i) => cap(i + 1));
    await Promise.all(caps.map((c) => sync.removed(c)));
    expect(await pendingRemovals(deps)).toEqual([...caps].sort());
    // A second burst on top of the first keeps both.
    const more = Array.from({ length: REMOVED_AT_ONCE }, (_, i) => cap(i + 100));
    await Promise.all(more.map((c) => sync.removed(c)));
    expect(await pendingRemovals(deps)).toEqual([...caps, ...more].sort());
    sync.stop();
    db.close();
  });
});
