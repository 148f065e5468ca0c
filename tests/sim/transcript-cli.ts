// Runs the golden tree transcripts: prints the diff of each that changed, or with --rewrite writes the
// output back into the files (review the diff before committing). Usage:
//   node bin/run-ts.js tests/sim/transcript-cli.ts [--rewrite] [file.txt …]
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatTranscript, runTranscript } from './transcript.ts';

const DIR = join(import.meta.dirname, 'testdata');
const args = process.argv.slice(2);
const rewrite = args.includes('--rewrite');
const named = args.filter((a) => !a.startsWith('--'));
const files =
  named.length > 0
    ? named
    : readdirSync(DIR)
        .filter((f) => f.endsWith('.txt'))
        .sort();
let changed = 0;
for (const file of files) {
  const path = join(DIR, file);
  const before = readFileSync(path, 'utf8');
  const after = formatTranscript(runTranscript(before));
  if (after === before) continue;
  changed++;
  if (rewrite) writeFileSync(path, after);
  console.log(`${rewrite ? 'rewrote' : 'differs'}: ${file}`);
}
console.log(`${files.length} transcripts, ${changed} ${rewrite ? 'rewritten' : 'differ'}`);
process.exitCode = changed > 0 && !rewrite ? 1 : 0;
