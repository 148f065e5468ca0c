// Keeps the CLI's peak memory bounded while it moves a large file: a young-generation collection every few MiB.
//
// Each 1 MiB shard leaves several dead 1 MiB buffers behind (the plaintext read, ciphertext, frame, WebSocket
// copy; on get the received frame and plaintext). They live outside the JS heap, which stays small (≈ 11 MiB),
// so V8 collects them late (tens of MiB later), and glibc keeps the high-water mark of its heap as RSS. A
// scavenge of the small young generation frees the buffers that died since the last one.
// Measured on the 2-vCPU VM (shared, noisy), replicas 1, compiled CLI: 1 GiB put peak RSS 145 → 121 MiB, get
// 124 → 120 MiB; 256 MiB, 3 runs each: put 128-138 → 112-119 MiB every 4 MiB (CPU 1.6-1.9 → 1.2-1.7 s user;
// every 2 MiB cost ≈ 20 % more client CPU for no lower peak), get 115-126 → 106-121 MiB every 8 MiB.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

type Collect = (options?: { type?: 'minor' | 'major' }) => void;

let collect: Collect | null | undefined;

/** V8's gc() (with --expose-gc, or made available once here); null if this runtime has none. */
function collector(): Collect | null {
  if (collect !== undefined) return collect;
  const existing = (globalThis as { gc?: unknown }).gc;
  if (typeof existing === 'function') return (collect = existing as Collect);
  try {
    // --expose-gc only installs gc() in contexts created after it is set; it changes nothing else.
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as unknown;
    collect = typeof gc === 'function' ? (gc as Collect) : null;
  } catch {
    collect = null;
  }
  return collect;
}

/** Bytes between collections (more often costs CPU and lowers the peak no further). */
export const PUT_GC_BYTES = 4 * 1024 * 1024;
export const GET_GC_BYTES = 8 * 1024 * 1024;

/**
 * Returns a callback to feed with the bytes done so far (monotonic, e.g. from onProgress); it runs a minor
 * collection each time another `everyBytes` are done. Returns how many collections it ran (for tests).
 */
export function gcPacer(everyBytes: number): (doneBytes: number) => number {
  let last = 0;
  let runs = 0;
  return (done) => {
    if (done - last >= everyBytes) {
      last = done;
      const gc = collector();
      if (gc) {
        gc({ type: 'minor' });
        runs++;
      }
    }
    return runs;
  };
}
