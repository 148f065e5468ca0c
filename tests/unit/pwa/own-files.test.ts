// Searching one's own library finds files by name, type and what one wrote about them, best match first.
import { describe, expect, it } from 'vitest';
import type { FileRecord } from '../../../pwa/src/data/db.ts';
import { queryWords, searchOwnFiles } from '../../../pwa/src/search/own-files.ts';

function file(id: string, name: string, addedAt: number, extra: Partial<FileRecord> = {}): FileRecord {
  return {
    id,
    origin: 'added',
    name,
    size: 1,
    type: 'application/octet-stream',
    addedAt,
    status: 'stored',
    capability: null,
    fileHash: null,
    shards: [],
    replicas: 3,
    error: null,
    public: false,
    ...extra,
  };
}

const files = [
  file('a', 'invoice.pdf', 1, { type: 'application/pdf' }),
  file('b', 'Holiday photo.jpg', 2, {
    type: 'image/jpeg',
    searchable: { text: 'the lighthouse at dawn', tags: ['coast'] },
  }),
  file('c', 'invoices-2026.xlsx', 3),
  file('d', 'notes.txt', 4, { type: 'text/plain' }),
];

describe('searchOwnFiles', () => {
  it('finds "invoice" in file names, the exact word first', () => {
    expect(searchOwnFiles(files, 'invoice').map((f) => f.id)).toEqual(['a', 'c']);
  });

  it('finds a file by its type, its description or its tags', () => {
    expect(searchOwnFiles(files, 'pdf').map((f) => f.id)).toEqual(['a']);
    expect(searchOwnFiles(files, 'jpeg').map((f) => f.id)).toEqual(['b']);
    expect(searchOwnFiles(files, 'lighthouse').map((f) => f.id)).toEqual(['b']);
    expect(searchOwnFiles(files, 'coast').map((f) => f.id)).toEqual(['b']);
  });

  it('finds a file by the note the person wrote on it', () => {
    const noted = [...files, file('e', 'scan-0042.pdf', 5, { note: 'Accountant: send before March', noteAt: 6 })];
    expect(searchOwnFiles(noted, 'accountant').map((f) => f.id)).toEqual(['e']);
    expect(searchOwnFiles(noted, 'send march').map((f) => f.id)).toEqual(['e']);
  });

  it('needs every word to match, in any case', () => {
    expect(searchOwnFiles(files, 'HOLIDAY dawn').map((f) => f.id)).toEqual(['b']);
    expect(searchOwnFiles(files, 'holiday invoice')).toEqual([]);
  });

  it('lists the newest files for an empty query, at most the limit', () => {
    expect(searchOwnFiles(files, '').map((f) => f.id)).toEqual(['d', 'c', 'b', 'a']);
    expect(searchOwnFiles(files, '  ', 2).map((f) => f.id)).toEqual(['d', 'c']);
  });

  it('splits a query into words at punctuation', () => {
    expect(queryWords('Invoice.PDF, 2026!')).toEqual(['invoice', 'pdf', '2026']);
  });
});
