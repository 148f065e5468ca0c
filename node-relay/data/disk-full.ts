// A write refused for lack of room is a refusal (FULL), not a fault: the file system says ENOSPC, SQLite (the
// relay's database lives on the same disk) says SQLITE_FULL. Either may come first when a disk fills.
import { PeerTreeError } from '../../core/errors.ts';

const DISK_FULL_CODES: ReadonlySet<unknown> = new Set(['ENOSPC', 'SQLITE_FULL']);

/** Whether `err` (or the error it wraps) is the disk being full. */
export function isDiskFull(err: unknown): boolean {
  for (let e = err, depth = 0; e !== null && typeof e === 'object' && depth < 4; depth++) {
    if (DISK_FULL_CODES.has((e as { code?: unknown }).code)) return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}

/** `err` as the FULL refusal a full disk is, or null when it is something else. */
export function diskFullError(err: unknown): PeerTreeError | null {
  if (err instanceof PeerTreeError && err.code === 'FULL') return isDiskFull(err) ? err : null;
  return isDiskFull(err) ? new PeerTreeError('FULL', 'disk is full', { cause: err }) : null;
}
