// Memories and search on 10 real relays: 500 memories from a fixed corpus, expected top results, duplicates
// collapsed, every memory still found after two relays are killed, hostile queries answered, forget by the
// author only. Clients talk to the relays over signed WebSockets as the CLI does.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { getStatus, killAll, waitFor, runCli, startRelayProcess, tmpDir, type RelayProcess } from './relay-harness.ts';
import { connect } from '../../node-relay/ws/connector.ts';
import type { Link } from '../../node-relay/ws/link.ts';
import { generateIdentity, type Identity } from '../../core/identity/index.ts';
import { memoryId, signMemory, type Memory } from '../../core/search/memory.ts';

const N = 10;
const COUNT = 500;
const dir = tmpDir('peertree-search-');
process.env.PEERTREE_HOME = join(dir.path, 'home');
const relays: RelayProcess[] = [];
const dead = new Set<number>();
let author: Identity;
const corpus: { text: string; token: string; id: string; memory: Memory }[] = [];

const COLOURS = ['red', 'blue', 'green', 'golden', 'silver'];
const THINGS = ['boat', 'kite', 'bicycle', 'piano', 'lantern'];
const PLACES = ['harbour', 'mountain', 'garden', 'market', 'library'];

function textOf(i: number): { text: string; token: string } {
  const token = `item${String(i).padStart(4, '0')}`;
  return {
    token,
    text: `A ${COLOURS[i % 5]} ${THINGS[Math.floor(i / 5) % 5]} at the ${PLACES[Math.floor(i / 25) % 5]} ${token}`,
  };
}

async function search(
  link: Link,
  q: string,
  limit = 10,
): Promise<{ hits: { id: string; score: number }[]; partial: boolean; asked: number; pruned: number }> {
  const reply = await link.request('search.query', { q, limit }, 30_000);
  return reply.body as { hits: { id: string; score: number }[]; partial: boolean; asked: number; pruned: number };
}

beforeAll(async () => {
  author = (await generateIdentity()).identity;
  for (let i = 0; i < N; i++) {
    const args = ['--log-level', 'warn', '--max-peers', '3', ...(i === 0 ? [] : ['--join', relays[0]!.ready.url])];
    relays.push(await startRelayProcess(join(dir.path, `r${i}`), args, 30_000));
  }
  await waitFor('10 relays in one tree', async () =>
    (await Promise.all(relays.map(async (r) => (await getStatus(r.ready.url)).size))).every((s) => s === N)
      ? true
      : null,
  );
  const link = await connect(relays[3]!.ready.url, { identity: author });
  for (let i = 0; i < COUNT; i++) {
    const { text, token } = textOf(i);
    const memory = await signMemory(
      author,
      { text, tags: [PLACES[Math.floor(i / 25) % 5]!], ref: null },
      1_700_000_000_000 + i,
    );
    const reply = await link.request('memory.remember', { memory, replicas: 3 }, 30_000);
    const body = reply.body as { id: string; holders: string[] };
    expect(body.holders).toHaveLength(3);
    corpus.push({ text, token, id: await memoryId(memory), memory });
  }
  link.close();
}, 240_000);

afterAll(async () => {
  await Promise.all(relays.map((r, i) => (dead.has(i) ? null : r.stop('SIGKILL'))));
  killAll();
  dir.remove();
});

describe('search on 10 relays with 500 memories', () => {
  it('returns the expected top results for a unique word and for several words', async () => {
    const link = await connect(relays[7]!.ready.url);
    try {
      const one = await search(link, 'item0123');
      expect(one.hits.map((h) => h.id)).toEqual([corpus[123]!.id]);
      // "golden piano library": exactly the memories with all three words score full coverage.
      const expected = corpus
        .filter((c) => /golden/.test(c.text) && /piano/.test(c.text) && /library/.test(c.text))
        .map((c) => c.id)
        .sort();
      expect(expected.length).toBeGreaterThan(0);
      const many = await search(link, 'golden piano library', 50);
      const full = many.hits
        .filter((h) => h.score >= 1)
        .map((h) => h.id)
        .sort();
      expect(full).toEqual(expected);
      expect(many.partial).toBe(false);
    } finally {
      link.close();
    }
  });

  it('collapses the replicas of a memory into one result, and the same memory stored twice into one', async () => {
    const link = await connect(relays[2]!.ready.url, { identity: author });
    try {
      await link.request('memory.remember', { memory: corpus[42]!.memory, replicas: 3 }, 30_000);
      const r = await search(link, corpus[42]!.token);
      expect(r.hits.map((h) => h.id)).toEqual([corpus[42]!.id]);
    } finally {
      link.close();
    }
  });

  it('asks fewer relays than the tree has when summaries rule subtrees out', async () => {
    const link = await connect(relays[0]!.ready.url);
    try {
      // Summaries travel up once a second; give them a moment, then a unique word should prune most subtrees.
      const r = await waitFor('pruned search', async () => {
        const res = await search(link, corpus[321]!.token);
        return res.asked < N ? res : null;
      });
      expect(r.hits.map((h) => h.id)).toEqual([corpus[321]!.id]);
      expect(r.pruned).toBeGreaterThan(0);
    } finally {
      link.close();
    }
  });

  it('answers hostile queries with results or a clear error, never a crash', async () => {
    const link = await connect(relays[5]!.ready.url);
    try {
      for (const q of [
        `'); DROP TABLE memories; --`,
        'NEAR(a b) AND NOT c OR *',
        '"unterminated',
        'x'.repeat(2000),
        '\u0000\uFFFF\uD800',
      ]) {
        const r = await search(link, q);
        expect(Array.isArray(r.hits)).toBe(true);
      }
      await expect(link.request('search.query', { q: 'x'.repeat(10_000) }, 10_000)).rejects.toMatchObject({
        code: 'BAD_INPUT',
      });
      await expect(link.request('search.query', { q: null }, 10_000)).rejects.toMatchObject({ code: 'BAD_INPUT' });
      expect((await search(link, 'item0001')).hits).toHaveLength(1);
    } finally {
      link.close();
    }
  });

  it('lets only the author forget a memory, through the CLI', async () => {
    const victim = corpus[77]!;
    const mallory = await runCli([
      'forget',
      victim.id,
      '--relay',
      relays[1]!.ready.url,
      '--identity',
      join(dir.path, 'mallory.seed'),
    ]);
    expect(mallory.code).toBe(1);
    expect(mallory.stderr).toMatch(/FORBIDDEN: only the author/);
    const link = await connect(relays[4]!.ready.url, { identity: author });
    try {
      expect((await search(link, victim.token)).hits).toHaveLength(1);
      const { signForget } = await import('../../core/search/forget.ts');
      await link.request('memory.forget', await signForget(author, victim.id, Date.now()), 30_000);
      await waitFor(
        'forgotten everywhere',
        async () => ((await search(link, victim.token)).hits.length === 0 ? true : null),
        20_000,
      );
    } finally {
      link.close();
    }
  });

  it('still finds every memory after two relays are killed', async () => {
    for (const v of [4, 8]) {
      relays[v]!.proc.kill('SIGKILL');
      dead.add(v);
    }
    await waitFor(
      'tree of 8',
      async () => ((await getStatus(relays[0]!.ready.url)).size === N - 2 ? true : null),
      40_000,
    );
    const link = await connect(relays[1]!.ready.url);
    try {
      const missing = new Set(corpus.filter((c) => c.token !== corpus[77]!.token).map((c) => c.token));
      const deadline = Date.now() + 60_000;
      while (missing.size > 0 && Date.now() < deadline) {
        for (const token of [...missing]) {
          const r = await search(link, token);
          if (r.hits.length === 1 && !r.partial) missing.delete(token);
        }
        if (missing.size > 0) await new Promise((r) => setTimeout(r, 1000));
      }
      expect([...missing]).toEqual([]);
    } finally {
      link.close();
    }
  }, 180_000);
});
