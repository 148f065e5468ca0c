// Suite 7: a tree of real relays — time for n relays to join, broadcast latency to every relay, and time to
// heal after kill -9 of a middle relay and of the root. `during` runs other measurements (small assets) on
// the complete tree before anything is killed.
import { PEER_TIMEOUT_MS } from '../core/limits.ts';
import { connect } from '../node-relay/ws/connector.ts';
import { isCompleteTree, startTree, status, waitFor, type Relay, type Tree } from './cluster.ts';
import { median } from './measure.ts';

export interface TreeTimes {
  relays: number;
  joinMs: number;
  broadcastMs: number;
  healMiddleMs: number;
  healRootMs: number;
  /** The heal goal: heartbeat timeout + 2 s. */
  healGoalMs: number;
}

interface Receipt {
  mid: string;
}

/** Ms from asking `from` to broadcast until every relay lists the note (polled; resolution ≈ one poll round). */
async function broadcastOnce(from: Relay, relays: readonly Relay[], text: string): Promise<number> {
  const link = await connect(from.ready.url, { timeoutMs: 10_000 });
  try {
    const t = performance.now();
    const reply = await link.request('diag.broadcast', { text }, 10_000);
    const mid = (reply.body as { mid: string }).mid;
    const seen = new Set<number>();
    await waitFor(
      'the broadcast at every relay',
      async () => {
        await Promise.all(
          relays.map(async (r, i) => {
            if (seen.has(i)) return;
            const s = (await status(r.ready.url)) as { diag?: { receipts: Receipt[] } } | null;
            if (s?.diag?.receipts.some((x) => x.mid === mid)) seen.add(i);
          }),
        );
        return seen.size === relays.length ? true : null;
      },
      30_000,
      5,
    );
    return performance.now() - t;
  } finally {
    link.close(1000, 'done');
  }
}

async function positions(relays: readonly Relay[]): Promise<Map<number, Relay>> {
  const out = new Map<number, Relay>();
  await Promise.all(
    relays.map(async (r) => {
      const s = (await status(r.ready.url)) as { position: number } | null;
      if (s) out.set(s.position, r);
    }),
  );
  return out;
}

/** kill -9 `victim`, then ms until the others report one complete tree without it. */
async function heal(alive: Relay[], victim: Relay): Promise<number> {
  const t = performance.now();
  victim.proc.kill('SIGKILL');
  await victim.exited;
  const rest = alive.filter((r) => r !== victim);
  await waitFor('the tree to heal', async () => ((await isCompleteTree(rest)) ? true : null), 60_000, 50);
  alive.splice(0, alive.length, ...rest);
  return performance.now() - t;
}

export async function treeSuite(opts: {
  relays: number;
  broadcasts: number;
  during?: (tree: Tree) => Promise<void>;
}): Promise<TreeTimes> {
  const tree = await startTree(opts.relays, { args: ['--diag'] });
  const alive = [...tree.relays];
  const byPos = await positions(alive);
  const leaf = byPos.get(opts.relays - 1)!;
  await broadcastOnce(leaf, alive, 'warm-up');
  const times: number[] = [];
  for (let i = 0; i < opts.broadcasts; i++) times.push(await broadcastOnce(leaf, alive, `note ${i}`));
  if (opts.during) await opts.during(tree);
  // A middle relay: one with a parent and children (position 1 in a tree of more than k+1 relays).
  const middle = byPos.get(1)!;
  const healMiddleMs = await heal(alive, middle);
  const root = (await positions(alive)).get(0)!;
  const healRootMs = await heal(alive, root);
  return {
    relays: opts.relays,
    joinMs: tree.formedMs,
    broadcastMs: median(times),
    healMiddleMs,
    healRootMs,
    healGoalMs: PEER_TIMEOUT_MS + 2_000,
  };
}
