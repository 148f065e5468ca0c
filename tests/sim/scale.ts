// Scale report: simulate joins, leaves and broadcasts in big trees (timers off, no faults),
// then extrapolate to 10^5–10^6 relays with formulas checked against the simulated sizes.
import { createHash } from 'node:crypto';
import { recordHash, signRecord, GENESIS_PREV } from '../../core/tree/epoch-record.ts';
import { membershipBytes } from '../../core/tree/membership.ts';
import { initialState } from '../../core/tree/machine.ts';
import { depthOf } from '../../core/tree/positions.ts';
import type { Membership, NodeRef, TreeState } from '../../core/tree/types.ts';
import { treeNeighbours } from '../../core/tree/view.ts';
import { Prng } from './prng.ts';
import { World } from './world.ts';

const hex = (text: string, bytes: number): string =>
  createHash('sha256')
    .update(text)
    .digest('hex')
    .slice(0, 2 * bytes);

/**
 * Realistic sizes: a 16-character node id, a 32-byte public key in hex and a wss url with an IPv4 address.
 * Relays that never sign get a key that is only the right size; the ones that do get a real one.
 */
function realisticRef(i: number): NodeRef {
  return { id: hex(`id${i}`, 8), url: `wss://198.51.${(i >> 8) & 255}.${i & 255}:8443`, key: hex(`key${i}`, 32) };
}

interface Measured {
  n: number;
  k: number;
  depth: number;
  joinMsgs: number;
  leaveMsgs: number;
  bcastHops: number;
  bcastMsgs: number;
  memoryBytes: number;
  /** Mean tree size just before the sampled joins and leaves. */
  joinBase: number;
  leaveBase: number;
}

/** A world of n member relays in one consistent tree, as if n joins had completed. */
export function prebuiltWorld(n: number, k: number, seed: number): World {
  const world = new World(new Prng(seed), { k, jsonBodies: false, timers: false });
  const root = world.keys.identity(hex('id0', 8), realisticRef(0).url);
  const members = Array.from({ length: n }, (_, i) => (i === 0 ? root.ref : realisticRef(i)));
  // The record that made the prebuilt view: a stand-in (never checked), so the next epoch can chain to it.
  const head = signRecord(root.env, {
    t: members[0]!.id,
    e: n,
    p: GENESIS_PREV,
    ops: [{ op: 'add', ref: members[n - 1]!, adm: '' }],
    by: members[0]!.id,
    ev: [],
  });
  const m: Membership = { epoch: n, digest: recordHash(root.env, head), members };
  for (let i = 0; i < n; i++) {
    const base: TreeState = {
      ...initialState(members[i]!, k),
      phase: 'member',
      treeId: members[0]!.id,
      membership: m,
      log: [head],
    };
    const neighbourMap: Record<string, string> = {};
    for (const [pos, r] of treeNeighbours(base, i)) neighbourMap[pos] = r.id;
    world.addNode(members[i]!, i === 0 ? root.env : undefined).state = { ...base, neighbourMap };
  }
  return world;
}

function sentTotal(world: World): number {
  let total = 0;
  for (const v of world.sent.values()) total += v;
  return total;
}

/** Messages of all kinds from one action until the network is idle. */
function messagesFor(world: World, action: () => void): number {
  const before = sentTotal(world);
  action();
  world.runIdle();
  return sentTotal(world) - before;
}

export function measure(n: number, k: number, samples = 5, seed = 1): Measured {
  const world = prebuiltWorld(n, k, seed);
  const rng = world.rng;
  const members = (): string[] => world.node([...world.nodes.keys()][0]!).state.membership.members.map((r) => r.id);
  let joinMsgs = 0;
  let joinBase = 0;
  let leaveBase = 0;
  for (let i = 0; i < samples; i++) {
    joinBase += members().length / samples;
    const node = world.addNamed(hex(`id${n + i}`, 8));
    const contact = world.node(rng.pick(members())).ref;
    joinMsgs += messagesFor(world, () => world.apply(node, { type: 'join', now: world.now, contact }));
  }
  let leaveMsgs = 0;
  for (let i = 0; i < samples; i++) {
    const m = members();
    leaveBase += m.length / samples;
    const id = m[1 + rng.int(m.length - 1)]!;
    leaveMsgs += messagesFor(world, () => world.apply(world.node(id), { type: 'leave', now: world.now }));
  }
  const m = members();
  const leaf = m[m.length - 1]!;
  let mid = '';
  const bcastMsgs = messagesFor(world, () => {
    mid = world.apply(world.node(leaf), { type: 'broadcast', now: world.now, msgType: 'probe', body: {} })!.mid!;
  });
  const hops = Math.max(...world.broadcastHops.get(mid)!.values());
  const delivered = world.broadcastDelivered.get(mid)!;
  if (delivered.size !== m.length) throw new Error(`broadcast reached ${delivered.size} of ${m.length}`);
  const root = world.node(m[0]!).state;
  return {
    n: m.length,
    k,
    depth: depthOf(m.length, k),
    joinMsgs: joinMsgs / samples,
    leaveMsgs: leaveMsgs / samples,
    bcastHops: hops,
    bcastMsgs,
    memoryBytes: membershipBytes(root.membership),
    joinBase,
    leaveBase,
  };
}

/** The same figures by formula (see docs/scale.md for the derivation). */
export function formula(n: number, k: number): Omit<Measured, 'joinBase' | 'leaveBase'> {
  const depth = depthOf(n, k);
  const perMember =
    membershipBytes({ epoch: 1, digest: '0'.repeat(64), members: [realisticRef(n - 1)] }) -
    membershipBytes({ epoch: 1, digest: '0'.repeat(64), members: [] });
  return {
    n,
    k,
    depth,
    // n relays before the join: join request (+1 forward unless the contact is the root)
    // + the contact's checkpoint and the sequencer's sync to the joiner + one update per edge of the
    // new tree (n edges)
    joinMsgs: 1 + (1 - 1 / n) + 2 + n,
    // n relays before the leave: leave request + update to the leaver + one update per edge of
    // the smaller tree (n − 2 edges)
    leaveMsgs: 1 + 1 + (n - 2),
    // from the last leaf: up to the root and down to the deepest leaf
    bcastHops: depth + depthOf(n, k),
    // one broadcast and one acknowledgement per tree edge
    bcastMsgs: 2 * (n - 1),
    memoryBytes: 40 + 64 + n * perMember,
  };
}

const fmt = (x: number): string =>
  x >= 1e6 ? `${(x / 1e6).toFixed(2)} M` : x >= 1e4 ? `${(x / 1e3).toFixed(1)} k` : x.toFixed(x % 1 === 0 ? 0 : 1);
const bytes = (b: number): string =>
  b >= 1 << 20 ? `${(b / (1 << 20)).toFixed(1)} MiB` : `${(b / 1024).toFixed(0)} KiB`;

export function scaleReport(opts: { maxSimulated?: number } = {}): string {
  const maxSim = opts.maxSimulated ?? 10_000;
  const lines: string[] = [];
  lines.push(
    '| N | k | depth | msgs/join | msgs/leave | broadcast hops (leaf) | broadcast msgs | membership bytes/relay | source |',
  );
  lines.push('|---|---|---|---|---|---|---|---|---|');
  const checks: string[] = [];
  for (const n of [1_000, 10_000, 100_000, 1_000_000]) {
    for (const k of [2, 4, 8, 16, 64]) {
      const f = formula(n, k);
      if (n <= maxSim) {
        const started = Date.now();
        const s = measure(n, k);
        const fs = formula(s.n, k);
        const fj = formula(s.joinBase, k).joinMsgs;
        const fl = formula(s.leaveBase, k).leaveMsgs;
        checks.push(
          `N=${s.n} k=${k}: join ${s.joinMsgs} vs ${fj.toFixed(1)}, leave ${s.leaveMsgs} vs ${fl.toFixed(1)}, bcast ${s.bcastMsgs} vs ${fs.bcastMsgs}, hops ${s.bcastHops} vs ≤${fs.bcastHops}, bytes ${s.memoryBytes} vs ${fs.memoryBytes} (${Date.now() - started} ms)`,
        );
        lines.push(
          `| ${fmt(n)} | ${k} | ${s.depth} | ${fmt(s.joinMsgs)} | ${fmt(s.leaveMsgs)} | ${s.bcastHops} | ${fmt(s.bcastMsgs)} | ${bytes(s.memoryBytes)} | simulated |`,
        );
      } else {
        lines.push(
          `| ${fmt(n)} | ${k} | ${f.depth} | ${fmt(f.joinMsgs)} | ${fmt(f.leaveMsgs)} | ≤ ${f.bcastHops} | ${fmt(f.bcastMsgs)} | ${bytes(f.memoryBytes)} | formula |`,
        );
      }
    }
  }
  return `${lines.join('\n')}\n\nCross-checks (simulated vs formula):\n${checks.map((c) => `- ${c}`).join('\n')}\n`;
}
