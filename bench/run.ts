// `npm run bench`: runs every suite, prints a table and writes bench/results/latest.json.
import { mkdirSync, writeFileSync } from 'node:fs';
import { cryptoWireSuite } from './crypto-wire.ts';
import { printTable, type BenchResult } from './measure.ts';

const results: BenchResult[] = [];
results.push(...(await cryptoWireSuite()));
printTable(results);
const dir = new URL('./results/', import.meta.url);
mkdirSync(dir, { recursive: true });
const doc = { date: new Date().toISOString(), node: process.version, results };
writeFileSync(new URL('latest.json', dir), JSON.stringify(doc, null, 2) + '\n');
console.log(`\nwrote bench/results/latest.json (${results.length} results)`);
