// The relay's Node flags are one constant, and every way this repository starts a relay or the benchmarks uses them.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { RELAY_NODE_FLAGS } from '../../../node-relay/relay-node-flags.ts';

const scripts = (
  JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as {
    scripts: Record<string, string>;
  }
).scripts;

describe('relay node flags', () => {
  it('are only V8 heap sizing flags, each given once', () => {
    expect(RELAY_NODE_FLAGS.length).toBeGreaterThan(0);
    for (const flag of RELAY_NODE_FLAGS) expect(flag).toMatch(/^--[a-z-]+-space-size=\d+$/);
    expect(new Set(RELAY_NODE_FLAGS).size).toBe(RELAY_NODE_FLAGS.length);
  });

  it('are what npm start runs the relay with, and what the benchmarks run their own process with', () => {
    // npm start runs scripts/start.js, which spawns the relay with these flags before its own arguments.
    expect(scripts.start).toBe('node scripts/start.js');
    const start = readFileSync(new URL('../../../scripts/start.js', import.meta.url), 'utf8');
    expect(start).toContain(`[${RELAY_NODE_FLAGS.map((f) => `'${f}'`).join(', ')}, 'bin/peertree.js', 'relay',`);
    expect(scripts.bench).toContain(`node ${RELAY_NODE_FLAGS.join(' ')} bin/run-ts.js bench/run.ts`);
  });
});
