// Leaving a tree for good while the relay is stopped: forget the persisted membership and take a fresh tree
// id, so the next start does not resume the old tree (the tree removes the silent relay after its time-out).
import type { Rng } from '../components.ts';
import { DATA_FILES, type DataDir } from '../data/data-dir.ts';
import { getMeta, openRelayDb, setMeta } from '../data/relay-db.ts';
import { newTreeId, replaceTreeId } from '../data/tree-id-store.ts';
import { TreeStore } from './tree-store.ts';

/** Phases a start resumes (the tree service rejoins the tree it was in). */
const RESUMED_PHASES: ReadonlySet<string> = new Set(['member', 'leaving', 'joining']);

export interface Forgotten {
  /** The tree the relay was in, or null when it had no membership to resume (never joined, or already left). */
  readonly oldTreeId: string | null;
  /** The fresh tree id the relay has at its next start (unless --join makes it adopt another). */
  readonly treeId: string;
}

/** Must run while no relay has the folder open (the running relay would write its state back). */
export function forgetMembership(dir: DataDir, rng: Rng, now: Date = new Date()): Forgotten {
  const db = openRelayDb(dir.file(DATA_FILES.db));
  try {
    const store = new TreeStore(db);
    let resumable = false;
    try {
      const state = store.load();
      resumable = state !== null && RESUMED_PHASES.has(state.phase);
    } catch {
      // A damaged state would not be resumed either; it is cleared below all the same.
    }
    const previous = getMeta(db, 'tree_id');
    const treeId = newTreeId(rng);
    store.clear();
    replaceTreeId(dir, treeId);
    setMeta(db, 'tree_id', treeId);
    if (resumable && previous !== null) setMeta(db, 'left_tree', previous);
    setMeta(db, 'left_at', now.toISOString());
    return { oldTreeId: resumable ? previous : null, treeId };
  } finally {
    db.close();
  }
}
