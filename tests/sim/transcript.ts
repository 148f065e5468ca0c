// Golden transcripts of the tree protocol (after etcd/raft's datadriven tests): a file in testdata/ is a
// list of commands, each followed by `----` and the output it must produce, separated by blank lines.
// The runner replays a file in a fresh simulated world and returns the file as it should read; a test
// compares it with the file on disk and `tests/sim/transcript-cli.ts --rewrite` writes it back.
import { COMMANDS, newTranscriptWorld, type TranscriptWorld } from './transcript-commands.ts';

export interface Case {
  /** Comment lines (starting with #) before the command, kept as written. */
  readonly comments: readonly string[];
  readonly command: string;
  readonly expected: readonly string[];
}

const SEPARATOR = '----';

/** Splits a transcript into its cases. Throws on a command without a separator. */
export function parseTranscript(text: string): Case[] {
  const lines = text.replace(/\r\n/g, '\n').split('\n');
  const cases: Case[] = [];
  let i = 0;
  while (i < lines.length) {
    const comments: string[] = [];
    while (i < lines.length && (lines[i]!.trim() === '' || lines[i]!.startsWith('#'))) {
      if (lines[i]!.startsWith('#')) comments.push(lines[i]!);
      i++;
    }
    if (i >= lines.length) {
      if (comments.length > 0) cases.push({ comments, command: '', expected: [] });
      break;
    }
    const command = lines[i++]!.trim();
    if (lines[i] !== SEPARATOR) throw new Error(`line ${i + 1}: expected ${SEPARATOR} after "${command}"`);
    i++;
    const expected: string[] = [];
    while (i < lines.length && lines[i]!.trim() !== '') expected.push(lines[i++]!);
    cases.push({ comments, command, expected });
  }
  return cases;
}

/** Writes cases back in the canonical layout. */
export function formatTranscript(cases: readonly Case[]): string {
  const blocks = cases.map((c) =>
    [...c.comments, ...(c.command === '' ? [] : [c.command, SEPARATOR, ...c.expected])].join('\n'),
  );
  return `${blocks.join('\n\n')}\n`;
}

/** Parses `cmd a b key=value` into its name, positional words and key=value pairs. */
export function parseCommand(line: string): { name: string; words: string[]; opts: Map<string, string> } {
  const [name = '', ...rest] = line.split(/\s+/).filter((w) => w !== '');
  const words: string[] = [];
  const opts = new Map<string, string>();
  for (const w of rest) {
    const eq = w.indexOf('=');
    if (eq > 0) opts.set(w.slice(0, eq), w.slice(eq + 1));
    else words.push(w);
  }
  return { name, words, opts };
}

/** Runs every case of `text` in one fresh world; returns the cases with the output each produced. */
export function runTranscript(text: string): Case[] {
  const t: TranscriptWorld = newTranscriptWorld();
  return parseTranscript(text).map((c) => {
    if (c.command === '') return c;
    const { name, words, opts } = parseCommand(c.command);
    const handler = COMMANDS[name];
    let out: string[];
    if (handler === undefined) out = [`error: unknown command "${name}" (known: ${Object.keys(COMMANDS).join(', ')})`];
    else {
      try {
        out = handler(t, words, opts);
      } catch (e) {
        out = [`error: ${(e as Error).message}`];
      }
    }
    return { ...c, expected: out.length === 0 ? ['ok'] : out };
  });
}
