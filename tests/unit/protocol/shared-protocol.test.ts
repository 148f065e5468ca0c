// The shells speak the application protocols through core/protocol: neither the PWA nor the CLI spells a
// message type of its own, so a renamed or added type cannot drift between them.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as ledger from '../../../core/protocol/ledger-messages.ts';
import * as library from '../../../core/protocol/library-messages.ts';
import * as memory from '../../../core/protocol/memory-messages.ts';
import * as shard from '../../../core/protocol/shard-messages.ts';
import * as audit from '../../../core/protocol/audit-messages.ts';
import { ERROR_TYPE } from '../../../core/protocol/replies.ts';

const ROOT = join(import.meta.dirname, '..', '..', '..');

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sources(path) : path.endsWith('.ts') ? [path] : [];
  });
}

const TYPES = new Set<string>(
  [ledger, library, memory, shard, audit]
    .flatMap((m) => Object.values(m).filter((v): v is string => typeof v === 'string' && /^[a-z]+\.[a-z.-]+$/.test(v)))
    .concat(ERROR_TYPE),
);

describe('the application protocols', () => {
  it('are named in core/protocol (every message type of storage, search, ledger and library)', () => {
    for (const t of [
      'shard.store',
      'shard.get',
      'shard.unpin',
      'memory.remember',
      'search.query',
      'memory.forget',
      'ledger.submit',
      'ledger.history',
      'peer.error',
    ])
      expect(TYPES.has(t), t).toBe(true);
  });

  it('are never spelled out by the PWA or the CLI', () => {
    const spelled: string[] = [];
    for (const file of [...sources(join(ROOT, 'pwa', 'src')), ...sources(join(ROOT, 'node-relay', 'cli'))]) {
      for (const [, literal] of readFileSync(file, 'utf8').matchAll(/'([a-z]+\.[a-z.-]+)'/g)) {
        if (TYPES.has(literal!)) spelled.push(`${relative(ROOT, file)}: '${literal}'`);
      }
    }
    expect(spelled).toEqual([]);
  });
});
