// Search over the person's own library, on this device, as they type: file names, types, and what they wrote
// about a file (its note, its findable description and tags). Pure: the view passes the files in and renders the answer.
import type { FileRecord } from '../data/db.ts';
import { MAX_OWN_RESULTS } from '../../../core/limits.ts';

/** The words of a query, lowercased; punctuation separates words (so "invoice.pdf" is "invoice" "pdf"). */
export function queryWords(query: string): string[] {
  return query
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter((w) => w !== '')
    .slice(0, 16);
}

function wordsOf(text: string): string[] {
  return text
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter((w) => w !== '');
}

/** How well `file` matches every query word (0: it does not); a word at the start of a name word counts most. */
function score(file: FileRecord, words: readonly string[]): number {
  const name = wordsOf(file.name);
  const about = [
    ...wordsOf(file.type),
    ...wordsOf(file.note ?? ''),
    ...wordsOf(file.searchable?.text ?? ''),
    ...(file.searchable?.tags ?? []).flatMap(wordsOf),
  ];
  let total = 0;
  for (const q of words) {
    if (name.some((w) => w === q)) total += 4;
    else if (name.some((w) => w.startsWith(q))) total += 3;
    else if (about.some((w) => w.startsWith(q))) total += 2;
    else if (name.some((w) => w.includes(q)) || about.some((w) => w.includes(q))) total += 1;
    else return 0;
  }
  return total;
}

/**
 * The person's files that match `query`, best first (then newest); for an empty query the newest files. Files
 * opened from someone else's link are included: they are in this library too.
 */
export function searchOwnFiles(files: readonly FileRecord[], query: string, limit = MAX_OWN_RESULTS): FileRecord[] {
  const words = queryWords(query);
  const newest = (a: FileRecord, b: FileRecord) => b.addedAt - a.addedAt;
  if (words.length === 0) return [...files].sort(newest).slice(0, limit);
  return files
    .map((file) => ({ file, score: score(file, words) }))
    .filter((r) => r.score > 0)
    .sort((a, b) => b.score - a.score || newest(a.file, b.file))
    .slice(0, limit)
    .map((r) => r.file);
}
