// What a file looks like to the person, derived in one pure function from its record, its outbox item and live progress.
import type { FileRecord, FileStatus, OutboxItem } from '../data/db.ts';
import { progressFigures, progressLine } from './progress-figures.ts';

/** Live progress of sealing (bytes) or uploading (shards acknowledged); kept in memory by the page, never persisted. */
export interface Progress {
  readonly phase: 'sealing' | 'uploading';
  readonly done: number;
  readonly total: number;
  /** When this phase started on this page (ms) and how much was done then: for speed and time left. */
  readonly startedAt: number;
  readonly startDone: number;
}

/** Whether the file was made findable: stored by a relay, waiting to be sent, refused; null when not asked. */
export type Findable = 'findable' | 'waiting' | 'refused' | null;

/** Everything a view shows of one file. Views render this and keep no status of their own. */
export interface FileState extends FileRecord {
  /** Live progress, or (uploading in another context) the acknowledged pieces from the outbox item; null when idle. */
  readonly progress: Progress | null;
  /** The status line under the name. */
  readonly statusText: string;
  /** The short badge ("Stored ×3", "Uploading", "Problem"). */
  readonly badge: string;
  readonly findable: Findable;
  /** A Retry button helps: the file can be sealed again, its upload sent again, or its search entry sent again. */
  readonly canRetry: boolean;
  /** The upload has not finished: Cancel instead of Delete. */
  readonly cancellable: boolean;
  /** The upload waiting in the outbox (null when none): pieces acknowledged of all, attempts, next attempt time. */
  readonly upload: {
    readonly acked: number;
    readonly total: number;
    readonly attempts: number;
    readonly nextAttemptAt: number | null;
  } | null;
}

/** What only the page knows: whether the file's bytes are still in memory (a failed seal can be retried). */
export interface LiveFacts {
  readonly resealable: boolean;
}

const STATUS_LABEL: Record<FileStatus, string> = {
  local: 'Preparing',
  queued: 'Waiting for a relay',
  uploading: 'Uploading',
  stored: 'Stored on the tree',
  error: 'Problem',
};

function findableOf(r: FileRecord): Findable {
  if (r.memoryId) return 'findable';
  if (r.memoryError) return 'refused';
  return r.searchable ? 'waiting' : null;
}

function storedText(r: FileRecord): string {
  if (r.origin === 'opened') return 'Opened from a link · kept on this device';
  // A file listed from the library (another device stored it) has no count here.
  if (r.replicas === null) return 'Stored on the relays';
  const stored = `Stored on ${r.replicas} relay${r.replicas === 1 ? '' : 's'}`;
  const missing = r.wanted ? r.wanted - r.replicas : 0;
  // Below the target (a small tree): say that the copies come by themselves (sync/top-up.ts).
  return missing > 0
    ? `${stored} · ${missing} more cop${missing === 1 ? 'y is' : 'ies are'} made as relays join`
    : stored;
}

function statusTextOf(r: FileRecord, progress: Progress | null, now: number): string {
  if (r.status === 'stored') return storedText(r);
  if (r.status === 'error')
    return r.error
      ? `${r.error.charAt(0).toUpperCase()}${r.error.slice(1)}.`
      : 'Something went wrong with this file. Delete it and add it again.';
  if (progress?.phase === 'sealing')
    return `Encrypting on this device… ${r.size === 0 ? '' : `${Math.floor((100 * progress.done) / Math.max(1, progress.total))}%`}${r.waiting ? ` · ${r.waiting}` : ''}`;
  if (r.status === 'uploading')
    return progress ? `Uploading ${progressLine(progressFigures(progress, r.size, now))}` : 'Sending…';
  if (r.status === 'queued' && r.waiting) return `Saved here, ${r.waiting}; it will be sent on its own`;
  if (r.status === 'queued') return 'Encrypted and saved here; it will be sent when a relay is reachable';
  return 'Preparing…';
}

/**
 * Derives a file's view state. `item` is the file's `store` outbox item (or undefined), `progress` the page's
 * live progress (or null), `now` the clock (ms) for speed and time left. Pure: same inputs, same state.
 */
export function deriveFileState(
  record: FileRecord,
  item: OutboxItem | undefined,
  progress: Progress | null,
  now: number,
  live: LiveFacts = { resealable: false },
): FileState {
  const upload =
    item && item.kind === 'store'
      ? {
          acked: Object.keys(item.acked).length,
          total: item.shards.length,
          attempts: item.attempts,
          nextAttemptAt: item.nextAttemptAt ?? null,
        }
      : null;
  // Another context (a tab, the service worker) is uploading: the persisted acknowledgements are the progress here.
  const shown =
    progress ??
    (record.status === 'uploading' && upload && upload.total > 0
      ? {
          phase: 'uploading' as const,
          done: upload.acked,
          total: upload.total,
          startedAt: now,
          startDone: upload.acked,
        }
      : null);
  const canRetry =
    (record.status === 'error' && (live.resealable || record.capability !== null)) || Boolean(record.memoryError);
  const badge =
    record.status === 'stored' && record.origin === 'added'
      ? record.replicas === null
        ? 'Stored'
        : `Stored ×${record.replicas}`
      : STATUS_LABEL[record.status];
  return {
    ...record,
    progress: shown,
    statusText: statusTextOf(record, shown, now),
    badge,
    findable: findableOf(record),
    canRetry,
    cancellable:
      record.origin === 'added' &&
      (record.status === 'local' || record.status === 'queued' || record.status === 'uploading'),
    upload,
  };
}
