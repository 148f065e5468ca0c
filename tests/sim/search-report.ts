// `npm run sim -- --search`: messages per search with subtree summaries against plain flooding.
import { runSearchSim } from './search-sim.ts';

const QUERIES: [string, string][] = [
  ['one unique word', 'token17'],
  ['another unique word', 'token1234'],
  ['a common phrase', '"river harbour"'],
  ['a word no one has', 'nothingmatches'],
  ['mixed', 'violin glacier token5'],
];

export async function searchReport(): Promise<string> {
  const lines = [
    '| relays | k | memories | query | flooding msgs | with summaries | ratio | same results |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const [relays, memories] of [
    [128, 2000],
    [1024, 8000],
  ] as const) {
    const results = await runSearchSim(
      { relays, k: 4, memories, replicas: 3, seed: 7 },
      QUERIES.map((q) => q[1]),
    );
    results.forEach((r, i) => {
      lines.push(
        `| ${relays} | 4 | ${memories} | ${QUERIES[i]![0]} (\`${r.query}\`) | ${r.floodMessages} | ${r.summaryMessages} | ${(r.floodMessages / Math.max(1, r.summaryMessages)).toFixed(1)}× | ${r.sameResults ? 'yes' : 'NO'} |`,
      );
    });
  }
  return lines.join('\n') + '\n';
}
