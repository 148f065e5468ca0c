// running.json in the data folder: the pid and URL of the relay running on it, so `peertree leave` can reach it.
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { DATA_FILES, SECRET_FILE_MODE, type DataDir } from './data-dir.ts';

/** What a running relay says about itself in its data folder. Advisory: a relay killed hard leaves it behind. */
export interface RunningRelay {
  readonly pid: number;
  readonly url: string;
  readonly id: string;
  readonly startedAt: string;
}

/** Writes running.json (temporary file, fsync, rename: a reader never sees half of it). */
export function writeRunningFile(dir: DataDir, running: RunningRelay): void {
  const path = dir.file(DATA_FILES.running);
  const tmp = `${path}.${process.pid}.tmp`;
  const fd = openSync(tmp, 'w', SECRET_FILE_MODE);
  try {
    writeSync(fd, JSON.stringify(running) + '\n');
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}

/** The running file's content, or null when there is none or it is not one we wrote (treated as absent). */
export function readRunningFile(dir: DataDir): RunningRelay | null {
  let text: string;
  try {
    text = readFileSync(dir.file(DATA_FILES.running), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  try {
    const v = JSON.parse(text) as Partial<RunningRelay>;
    if (!Number.isSafeInteger(v.pid) || (v.pid as number) <= 0 || typeof v.url !== 'string' || typeof v.id !== 'string')
      return null;
    return {
      pid: v.pid as number,
      url: v.url,
      id: v.id,
      startedAt: typeof v.startedAt === 'string' ? v.startedAt : '',
    };
  } catch {
    return null;
  }
}

/** Removes running.json if it still names `pid` (a relay started later on the same folder keeps its own). */
export function removeRunningFile(dir: DataDir, pid: number): void {
  if (readRunningFile(dir)?.pid !== pid) return;
  try {
    unlinkSync(dir.file(DATA_FILES.running));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}

/** True when a process with this pid exists (EPERM: it exists but belongs to someone else). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
