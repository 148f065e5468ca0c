// `node bin/run-ts.js bench/chart.ts [RESULTS.json] [OUT.svg]`: draws every result that has a same-run
// baseline as a bar of its ratio (log scale, > 1 means better than the baseline) into an SVG, so that
// docs/benchmarks.md can show the latest run as a picture generated from the JSON.
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchResult } from './measure.ts';

interface Doc {
  date: string;
  node: string;
  results: BenchResult[];
}

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

export function chart(doc: Doc): string {
  const rows = doc.results.filter(
    (r) => r.ratio !== null && r.baseline !== null && Number.isFinite(r.ratio) && r.ratio > 0,
  );
  const rowH = 22;
  const labelW = 560;
  const plotW = 420;
  const top = 48;
  const width = labelW + plotW + 90;
  const height = top + rows.length * rowH + 40;
  // Log scale from 1/1000 to 1000, 1 in the middle.
  const maxDecades = 3;
  const x = (ratio: number) => {
    const d = Math.max(-maxDecades, Math.min(maxDecades, Math.log10(ratio)));
    return labelW + plotW / 2 + (d / maxDecades) * (plotW / 2);
  };
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
  );
  out.push(`<rect width="100%" height="100%" fill="#fff"/>`);
  out.push(
    `<text x="8" y="18" font-size="14" font-weight="bold">PeerTree benchmarks: ratio to the same-run baseline (log scale; right of 1× is better)</text>`,
  );
  out.push(`<text x="8" y="36" fill="#555">${escape(`${doc.date} · Node ${doc.node}`)}</text>`);
  for (const tick of [0.001, 0.01, 0.1, 1, 10, 100, 1000]) {
    const tx = x(tick);
    out.push(
      `<line x1="${tx}" y1="${top - 4}" x2="${tx}" y2="${top + rows.length * rowH}" stroke="${tick === 1 ? '#333' : '#ddd'}"/>`,
    );
    out.push(`<text x="${tx}" y="${top + rows.length * rowH + 16}" text-anchor="middle" fill="#555">${tick}×</text>`);
  }
  rows.forEach((r, i) => {
    const y = top + i * rowH;
    const ratio = r.ratio!;
    const x0 = x(1);
    const x1 = x(ratio);
    const good = ratio >= 1;
    out.push(`<text x="${labelW - 8}" y="${y + 15}" text-anchor="end">${escape(r.name)}</text>`);
    out.push(
      `<rect x="${Math.min(x0, x1)}" y="${y + 4}" width="${Math.max(1, Math.abs(x1 - x0))}" height="${rowH - 8}" fill="${good ? '#2e8b57' : '#c0392b'}"/>`,
    );
    const tip = `${r.value} ${r.unit} vs ${r.baseline!.name} ${r.baseline!.value}`;
    out.push(`<text x="${labelW + plotW + 6}" y="${y + 15}" fill="#333">${ratio}×<title>${escape(tip)}</title></text>`);
  });
  out.push('</svg>');
  return out.join('\n') + '\n';
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const input = process.argv[2] ?? fileURLToPath(new URL('./results/latest.json', import.meta.url));
  const output = process.argv[3] ?? fileURLToPath(new URL('../docs/benchmarks.svg', import.meta.url));
  writeFileSync(output, chart(JSON.parse(readFileSync(input, 'utf8')) as Doc));
  console.log(`wrote ${output}`);
}
