// The library merge rule: an add-wins set keyed by capability with per-field timestamps and tombstones.
import { describe, expect, it } from 'vitest';
import {
  addedEntry,
  isPresent,
  mergeLibraries,
  removedEntry,
  renamedEntry,
  sameLibrary,
  type LibraryEntry,
} from '../../../core/library/merge.ts';

const cap = (n: number): string => `pt1.${n.toString(16).padStart(64, '0')}`;
const file = (n: number, at: number): LibraryEntry =>
  addedEntry({ cap: cap(n), name: `f${n}.txt`, type: 'text/plain', size: n, date: at }, at);
const present = (lib: readonly LibraryEntry[]): string[] =>
  lib
    .filter(isPresent)
    .map((e) => e.name)
    .sort();

describe('mergeLibraries', () => {
  const base = [file(1, 100), file(2, 100), file(3, 100)];

  it('keeps adds, removes and renames made on two devices', () => {
    const a = mergeLibraries([...base, file(4, 200)], []).map((e) => (e.cap === cap(2) ? removedEntry(e, 210) : e));
    const b = mergeLibraries([...base, file(5, 205)], []).map((e) =>
      e.cap === cap(3) ? renamedEntry(e, 'renamed.txt', 220) : e.cap === cap(1) ? removedEntry(e, 230) : e,
    );
    const ab = mergeLibraries(a, b);
    expect(present(ab)).toEqual(['f4.txt', 'f5.txt', 'renamed.txt']);
    expect(sameLibrary(ab, mergeLibraries(b, a))).toBe(true);
  });

  it('is commutative, associative and idempotent', () => {
    const a = [file(1, 1), renamedEntry(file(2, 1), 'x', 5)];
    const b = [removedEntry(file(2, 1), 4), file(3, 2)];
    const c = [renamedEntry(file(2, 1), 'y', 5), removedEntry(file(1, 1), 9)];
    expect(sameLibrary(mergeLibraries(a, b), mergeLibraries(b, a))).toBe(true);
    expect(sameLibrary(mergeLibraries(mergeLibraries(a, b), c), mergeLibraries(a, mergeLibraries(b, c)))).toBe(true);
    expect(sameLibrary(mergeLibraries(a, a), mergeLibraries(a, []))).toBe(true);
    // Equal rename times: both sides pick the same name.
    expect(mergeLibraries(a, c).find((e) => e.cap === cap(2))!.name).toBe('y');
  });

  it('lets an add win a removal at the same time, and a later removal win an earlier add', () => {
    const e = file(7, 10);
    const tie: LibraryEntry = { ...e, removedAt: e.addedAt };
    expect(isPresent(tie)).toBe(true);
    const readded: LibraryEntry = { ...e, addedAt: 50 };
    expect(present(mergeLibraries([removedEntry(e, 40)], [readded]))).toEqual(['f7.txt']);
    expect(present(mergeLibraries([removedEntry(e, 60)], [readded]))).toEqual([]);
  });

  it('keeps the tombstone so that an old copy cannot bring a removed file back', () => {
    const old = [file(1, 1)];
    const removed = mergeLibraries(old, []).map((e) => removedEntry(e, 2));
    expect(present(mergeLibraries(removed, old))).toEqual([]);
    expect(mergeLibraries(removed, old)).toHaveLength(1);
  });

  it('keeps the first date and the fixed type and size', () => {
    const early = file(1, 5);
    const late = { ...file(1, 9), type: 'x/y' };
    const m = mergeLibraries([late], [early])[0]!;
    expect(m.date).toBe(5);
    expect(m.type).toBe('text/plain');
  });

  it('keeps thumbnails and the date taken, the same pair on every device, whatever the order', () => {
    const thumbs = (n: number) => ({ grid: cap(100 + n), screen: cap(200 + n) });
    const plain = file(1, 10);
    const fromA: LibraryEntry = { ...plain, thumbs: thumbs(2), taken: 500 };
    const fromB: LibraryEntry = { ...plain, thumbs: thumbs(1), taken: 400 };
    // An entry written before thumbnails existed does not erase them.
    expect(mergeLibraries([plain], [fromA])[0]).toMatchObject({ thumbs: thumbs(2), taken: 500 });
    expect(mergeLibraries([fromA], [plain])[0]).toMatchObject({ thumbs: thumbs(2), taken: 500 });
    // Two devices made their own thumbnails: both keep the pair whose grid capability sorts first.
    const ab = mergeLibraries([fromA], [fromB]);
    expect(ab[0]).toMatchObject({ thumbs: thumbs(1), taken: 400 });
    expect(sameLibrary(ab, mergeLibraries([fromB], [fromA]))).toBe(true);
    expect(
      sameLibrary(
        mergeLibraries(mergeLibraries([plain], [fromA]), [fromB]),
        mergeLibraries([plain], mergeLibraries([fromA], [fromB])),
      ),
    ).toBe(true);
    expect(sameLibrary(mergeLibraries([fromA], [fromA]), [fromA])).toBe(true);
  });

  it('leaves entries without thumbnails exactly as before (no new fields)', () => {
    expect(Object.keys(mergeLibraries([file(1, 1)], [file(1, 2)])[0]!)).toEqual([
      'cap',
      'name',
      'nameAt',
      'type',
      'size',
      'date',
      'note',
      'noteAt',
      'addedAt',
      'removedAt',
    ]);
  });
});
