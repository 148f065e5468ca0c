// The sync runner is the only writer of outbox items (issue #15): no other PWA file writes the `outbox` store
// or imports the runner's write module; the rest asks OutboxSync (enqueueUpload, enqueueMemory, remove, retry).
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const PWA = join(import.meta.dirname, '..', '..', '..', 'pwa', 'src');
/** The runner and the module of its writes. */
const WRITERS = new Set(['outbox-sync.ts', 'outbox-store.ts']);
/** Writes to the outbox store: idb shortcuts, object-store writes, read-write transactions over it. */
const WRITE = [
  /\b(put|add|delete|clear)\(\s*'outbox'/,
  /objectStore\(\s*'outbox'\s*\)\s*\.\s*(put|add|delete|clear)\(/,
  /transaction\(\s*(\[[^\]]*'outbox'[^\]]*\]|'outbox')\s*,\s*'readwrite'/,
];

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

describe('outbox writes', () => {
  it('happen only in the sync runner', () => {
    const writers = sources(PWA).filter((f) => WRITE.some((re) => re.test(readFileSync(f, 'utf8'))));
    expect(writers.map((f) => relative(PWA, f)).filter((f) => !WRITERS.has(f.split('/').at(-1)!))).toEqual([]);
    // The check sees the runner's own writes (it would pass vacuously otherwise).
    expect(writers.map((f) => f.split('/').at(-1))).toEqual(
      expect.arrayContaining(['outbox-sync.ts', 'outbox-store.ts']),
    );
  });

  it("the runner's write module is imported by the runner only", () => {
    const importers = sources(PWA).filter((f) => /from '[^']*outbox-store\.ts'/.test(readFileSync(f, 'utf8')));
    expect(importers.map((f) => f.split('/').at(-1))).toEqual(['outbox-sync.ts']);
  });
});
