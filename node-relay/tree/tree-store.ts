// Durable TreeState in relay.db (table tree_state, migration 2): the state is split into parts so a step
// that only touches the outbox does not rewrite the whole membership. Writes are synchronous and
// transactional (better-sqlite3, WAL): once persist() returns, a kill -9 loses nothing.
import { restoreState, type TreeState } from '../../core/tree/index.ts';
import type { RelayDb } from '../data/relay-db.ts';

/** Large fields stored in rows of their own; everything else goes into the `core` row. */
const SPLIT = ['membership', 'log', 'outbox', 'seen', 'recent'] as const;
type SplitKey = (typeof SPLIT)[number];
const CORE = 'core';
/**
 * Fields not written: link state, timers and counters that `resume` rebuilds (or that only count). Leaving
 * them out means a heartbeat step, which only touches these, writes nothing.
 */
const VOLATILE: readonly (keyof TreeState)[] = [
  'now',
  'lastHeard',
  'connected',
  'suspects',
  'lastSyncSent',
  'orphanSince',
  'probeCursor',
  'hops',
  'neighbourMap',
  'nextHeartbeatAt',
  'nextProbeAt',
  'leaveRetryAt',
  'counters',
  'evidence',
  'quorumSince',
  'checks',
];

export class TreeStore {
  private last: TreeState | null = null;
  private lastCore = '';
  private readonly upsert;
  private readonly writeMany;

  constructor(private readonly db: RelayDb) {
    this.upsert = db.prepare(
      'INSERT INTO tree_state (part, value, updated_at) VALUES (?, ?, ?) ON CONFLICT(part) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at',
    );
    this.writeMany = db.transaction((rows: [string, string][], at: number) => {
      for (const [part, value] of rows) this.upsert.run(part, value, at);
    });
  }

  /** The persisted state, checked by the state machine's restoreState; null when none was saved. */
  load(): TreeState | null {
    const rows = this.db.prepare('SELECT part, value FROM tree_state').all() as { part: string; value: string }[];
    if (rows.length === 0) return null;
    const parts = new Map(rows.map((r) => [r.part, r.value]));
    const core = parts.get(CORE);
    if (core === undefined) throw new Error('relay.db holds a damaged tree state (no core row)');
    const value = JSON.parse(core) as Record<string, unknown>;
    for (const key of SPLIT) {
      const text = parts.get(key);
      if (text !== undefined) value[key] = JSON.parse(text);
    }
    const state = restoreState(value);
    this.last = state;
    this.lastCore = core;
    return state;
  }

  /**
   * Writes the parts of `state` that differ from the last persisted state, in one transaction: the large
   * parts when replaced (the state machine replaces what it changes), the core when its JSON changed.
   * Returns the number of parts written (0 when nothing durable changed).
   */
  persist(state: TreeState, now: number): number {
    const rows: [string, string][] = [];
    const prev = this.last;
    for (const key of SPLIT)
      if (prev === null || prev[key] !== state[key]) rows.push([key, JSON.stringify(state[key])]);
    const core: Partial<Record<keyof TreeState, unknown>> = { ...state };
    for (const key of [...SPLIT, ...VOLATILE]) delete core[key as SplitKey];
    const coreJson = JSON.stringify(core);
    if (coreJson !== this.lastCore) rows.push([CORE, coreJson]);
    if (rows.length > 0) this.writeMany(rows, now);
    this.last = state;
    this.lastCore = coreJson;
    return rows.length;
  }

  /** Forgets the saved state (a relay that starts a new tree). */
  clear(): void {
    this.db.prepare('DELETE FROM tree_state').run();
    this.last = null;
    this.lastCore = '';
  }
}
