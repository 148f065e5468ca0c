// Replays every golden transcript in testdata/ and compares it with the file: a change in what the tree
// protocol does shows as a diff of readable lines. Regenerate with
// `node bin/run-ts.js tests/sim/transcript-cli.ts --rewrite` and review the diff.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatTranscript, parseTranscript, runTranscript } from './transcript.ts';

const DIR = join(import.meta.dirname, 'testdata');
const files = readdirSync(DIR)
  .filter((f) => f.endsWith('.txt'))
  .sort();

describe('tree transcripts', () => {
  it('exist for the cases the protocol must get right', () => {
    expect(files).toEqual(
      expect.arrayContaining([
        'join.txt',
        'leave.txt',
        'root-failure.txt',
        'restart.txt',
        'partition.txt',
        'adversary.txt',
      ]),
    );
  });

  for (const file of files) {
    it(`replay ${file} exactly as written`, () => {
      const text = readFileSync(join(DIR, file), 'utf8');
      expect(formatTranscript(runTranscript(text))).toBe(formatTranscript(parseTranscript(text)));
    });
  }
});

describe('the transcript format', () => {
  it('keeps comments, commands and outputs through a parse and a format', () => {
    const text = '# a comment\nadd-nodes 2\n----\nn0 n1\n\nstatus n0\n----\nn0 idle e0 n0\n';
    expect(formatTranscript(parseTranscript(text))).toBe(text);
  });

  it('reports an unknown command as an output line, not a crash', () => {
    expect(runTranscript('jump n0\n----\n')[0]!.expected[0]).toMatch(/^error: unknown command "jump"/);
  });

  it('refuses a command without its separator', () => {
    expect(() => parseTranscript('status\nn0\n')).toThrow(/expected ----/);
  });
});
