// Cost of signed epochs in big trees: Ed25519 signatures made and verified per join and per root takeover,
// per relay and in total, and the size of the syncs a joiner is sent. Every relay's env is wrapped to count
// its own sign() and verify() calls, so the counts are what each relay computes (the simulator's memo in
// sim-keys.ts only saves the simulation from repeating identical verifications; it is not counted here).
// `node bin/run-ts.js tests/sim/cli.ts --sign-cost [--max-sim N]`
import { createHash } from 'node:crypto';
import { recordHash, signRecord, type EpochRecord } from '../../core/tree/epoch-record.ts';
import { initialState } from '../../core/tree/machine.ts';
import { MSG, type SyncBody } from '../../core/tree/messages.ts';
import type { TreeEnv } from '../../core/tree/tree-env.ts';
import type { Membership, NodeRef, TreeState } from '../../core/tree/types.ts';
import { treeNeighbours } from '../../core/tree/view.ts';
import { Prng } from './prng.ts';
import { World } from './world.ts';
import { MAX_EPOCH_LOG } from '../../core/limits.ts';

interface Count {
  sign: number;
  verify: number;
}

const hex = (text: string, bytes: number): string =>
  createHash('sha256')
    .update(text)
    .digest('hex')
    .slice(0, 2 * bytes);
const urlOf = (i: number): string => `wss://198.51.${(i >> 8) & 255}.${i & 255}:8443`;

function counted(env: TreeEnv, c: Count): TreeEnv {
  return {
    ...env,
    sign: (bytes) => {
      c.sign++;
      return env.sign(bytes);
    },
    verify: (pub, bytes, sig) => {
      c.verify++;
      return env.verify(pub, bytes, sig);
    },
  };
}

interface Counted {
  world: World;
  counts: Map<string, Count>;
  members: NodeRef[];
}

/**
 * n members with real keys in one consistent tree whose log is full: MAX_EPOCH_LOG records signed by the
 * root, chained, ending in the view (so a checkpoint is as large as on a tree that has lived a while).
 */
function countedWorld(n: number, k: number, timers: boolean): Counted {
  const world = new World(new Prng(1), { k, jsonBodies: false, timers });
  const counts = new Map<string, Count>();
  const ids = Array.from({ length: n }, (_, i) => world.keys.identity(hex(`id${i}`, 8), urlOf(i)));
  const members = ids.map((x) => x.ref);
  const root = ids[0]!;
  const log: EpochRecord[] = [];
  let p = hex('before the log', 32);
  const first = Math.max(1, n - MAX_EPOCH_LOG + 1);
  for (let e = first; e <= n; e++) {
    const r = signRecord(root.env, {
      t: members[0]!.id,
      e,
      p,
      ops: [{ op: 'add', ref: members[e - 1]!, adm: '' }],
      by: members[0]!.id,
      ev: [],
    });
    log.push(r);
    p = recordHash(root.env, r);
  }
  const m: Membership = { epoch: n, digest: p, members };
  for (let i = 0; i < n; i++) {
    const c: Count = { sign: 0, verify: 0 };
    counts.set(members[i]!.id, c);
    const base: TreeState = {
      ...initialState(members[i]!, k),
      phase: 'member',
      treeId: members[0]!.id,
      membership: m,
      log,
    };
    const neighbourMap: Record<string, string> = {};
    for (const [pos, r] of treeNeighbours(base, i)) neighbourMap[pos] = r.id;
    world.addNode(members[i]!, counted(ids[i]!.env, c)).state = { ...base, neighbourMap };
  }
  return { world, counts, members };
}

function reset(counts: Map<string, Count>): void {
  for (const c of counts.values()) {
    c.sign = 0;
    c.verify = 0;
  }
}

interface Totals {
  signs: number;
  verifies: number;
  maxVerifiesPerRelay: number;
  relaysVerifying: number;
}

function totals(counts: Map<string, Count>): Totals {
  let signs = 0;
  let verifies = 0;
  let max = 0;
  let relays = 0;
  for (const c of counts.values()) {
    signs += c.sign;
    verifies += c.verify;
    max = Math.max(max, c.verify);
    if (c.verify > 0) relays++;
  }
  return { signs, verifies, maxVerifiesPerRelay: max, relaysVerifying: relays };
}

export interface JoinCost extends Totals {
  n: number;
  k: number;
  joins: number;
  rootSigns: number;
  rootVerifies: number;
  joinerVerifies: number;
  /** tree.sync messages sent per join, and their sizes as JSON. */
  syncs: number;
  syncRecords: number;
  syncRecordBytes: number;
  syncCheckpointBytes: number;
  syncBytes: number;
  updateBytes: number;
}

/** Joins through random members of a tree of n: per join (averaged), with every relay's calls counted. */
export function joinCost(n: number, k: number, joins = 5): JoinCost {
  const { world, counts, members } = countedWorld(n, k, false);
  const rng = new Prng(7);
  const rootId = members[0]!.id;
  let syncs = 0;
  let syncRecords = 0;
  let syncRecordBytes = 0;
  let syncCheckpointBytes = 0;
  let syncBytes = 0;
  let updateBytes = 0;
  let updates = 0;
  world.onSend = (msgType, body) => {
    if (msgType === MSG.sync) {
      const b = body as SyncBody;
      syncs++;
      syncRecords += b.recs.length;
      syncRecordBytes += JSON.stringify(b.recs).length;
      syncCheckpointBytes += b.m === null ? 0 : JSON.stringify(b.m).length;
      syncBytes += JSON.stringify(body).length;
    } else if (msgType === MSG.update) {
      updates++;
      updateBytes += JSON.stringify(body).length;
    }
  };
  const sum = { signs: 0, verifies: 0, max: 0, relays: 0, rootSigns: 0, rootVerifies: 0, joiner: 0 };
  for (let i = 0; i < joins; i++) {
    const inTree = world.node(rootId).state.membership.members.map((r) => r.id);
    const id = world.keys.identity(hex(`id${n + i}`, 8), urlOf(n + i));
    const c: Count = { sign: 0, verify: 0 };
    counts.set(id.ref.id, c);
    const node = world.addNode(id.ref, counted(id.env, c));
    const contact = world.node(rng.pick(inTree)).ref;
    reset(counts);
    world.apply(node, { type: 'join', now: world.now, contact });
    world.runIdle();
    if (world.node(id.ref.id).state.phase !== 'member') throw new Error(`joiner ${i} did not join`);
    const t = totals(counts);
    sum.signs += t.signs;
    sum.verifies += t.verifies;
    sum.max = Math.max(sum.max, t.maxVerifiesPerRelay);
    sum.relays += t.relaysVerifying;
    sum.rootSigns += counts.get(rootId)!.sign;
    sum.rootVerifies += counts.get(rootId)!.verify;
    sum.joiner += c.verify;
  }
  return {
    n,
    k,
    joins,
    signs: sum.signs / joins,
    verifies: sum.verifies / joins,
    maxVerifiesPerRelay: sum.max,
    relaysVerifying: sum.relays / joins,
    rootSigns: sum.rootSigns / joins,
    rootVerifies: sum.rootVerifies / joins,
    joinerVerifies: sum.joiner / joins,
    syncs: syncs / joins,
    syncRecords: syncRecords / Math.max(1, syncs),
    syncRecordBytes: syncRecordBytes / Math.max(1, syncs),
    syncCheckpointBytes: syncCheckpointBytes / Math.max(1, syncs),
    syncBytes: syncBytes / Math.max(1, syncs),
    updateBytes: updateBytes / Math.max(1, updates),
  };
}

export interface TakeoverCost extends Totals {
  n: number;
  k: number;
  /** Virtual ms from the root's crash until every live relay holds the takeover epoch. */
  installedMs: number;
  suspicionsSigned: number;
  recordsSigned: number;
  evidence: number;
  signerVerifies: number;
}

function counter(world: World, name: string): number {
  let total = 0;
  for (const node of world.nodes.values()) total += node.state.counters[name] ?? 0;
  return total;
}

/** The root of a tree of n crashes; counts until every other relay installed the takeover record. */
export function takeoverCost(n: number, k: number): TakeoverCost {
  const { world, counts, members } = countedWorld(n, k, true);
  for (const node of world.nodes.values()) world.apply(node, { type: 'resume', now: 0 });
  world.runUntil(5_000);
  reset(counts);
  const suspicions0 = counter(world, 'suspicions-signed');
  const records0 = counter(world, 'epochs-sequenced');
  const crashedAt = world.now;
  world.crash(members[0]!.id);
  const target = n + 1;
  const done = (): boolean => [...world.nodes.values()].every((x) => !x.alive || x.state.membership.epoch >= target);
  while (!done() && world.now < crashedAt + 120_000) world.runUntil(world.now + 100);
  if (!done()) throw new Error('no takeover within 120 s');
  const installedMs = world.now - crashedAt;
  const survivor = world.node(members[1]!.id).state;
  const r = survivor.log.find((x) => x.e === target)!;
  return {
    n,
    k,
    ...totals(counts),
    installedMs,
    suspicionsSigned: counter(world, 'suspicions-signed') - suspicions0,
    recordsSigned: counter(world, 'epochs-sequenced') - records0,
    evidence: r.ev.length,
    signerVerifies: counts.get(r.by)!.verify,
  };
}

export function signCostReport(opts: { sizes?: readonly number[]; k?: number } = {}): string {
  const k = opts.k ?? 4;
  const sizes = opts.sizes ?? [1_000, 10_000];
  const lines: string[] = [];
  lines.push("Per join (mean of 5 joins through random members; every relay's env counted):", '');
  lines.push(
    '| N | k | signatures made | verifications, all relays | relays verifying | most by one relay | root verifies | joiner verifies | syncs to the joiner | records per sync | sync bytes (records + checkpoint) | update bytes | run ms |',
  );
  lines.push('|---|---|---|---|---|---|---|---|---|---|---|---|---|');
  for (const n of sizes) {
    const t = Date.now();
    const j = joinCost(n, k);
    lines.push(
      `| ${n} | ${k} | ${j.signs} | ${j.verifies} | ${j.relaysVerifying} | ${j.maxVerifiesPerRelay} | ${j.rootVerifies} | ${j.joinerVerifies} | ${j.syncs} | ${j.syncRecords.toFixed(0)} | ${j.syncBytes.toFixed(0)} (${j.syncRecordBytes.toFixed(0)} + ${j.syncCheckpointBytes.toFixed(0)}) | ${j.updateBytes.toFixed(0)} | ${Date.now() - t} |`,
    );
  }
  lines.push(
    '',
    'Root crash → takeover (timers on, no loss; counted from the crash until every relay holds the takeover epoch):',
    '',
  );
  lines.push(
    '| N | k | suspicions signed | records signed | suspicions in the record | verifications, all relays | relays verifying | most by one relay | signer verifies | installed after (virtual ms) | run ms |',
  );
  lines.push('|---|---|---|---|---|---|---|---|---|---|---|');
  for (const n of sizes) {
    const t = Date.now();
    const c = takeoverCost(n, k);
    lines.push(
      `| ${n} | ${k} | ${c.suspicionsSigned} | ${c.recordsSigned} | ${c.evidence} | ${c.verifies} | ${c.relaysVerifying} | ${c.maxVerifiesPerRelay} | ${c.signerVerifies} | ${c.installedMs} | ${Date.now() - t} |`,
    );
  }
  return `${lines.join('\n')}\n`;
}
