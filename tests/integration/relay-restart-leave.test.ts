// SIGTERM means "restarting", leaving for good is explicit (real relay processes on loopback, k = 2): a relay
// stopped with SIGTERM keeps its place and resumes it; `peertree leave --data DIR` makes a running relay leave
// gracefully and exit; on a stopped relay it makes the next start forget the old tree; --leave-on-stop brings
// back SIGTERM = leave.
// One tree is reused through the steps; every process is killed in afterAll.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  freePort,
  getStatus,
  killAll,
  runCli,
  startRelayProcess,
  tmpDir,
  waitFor,
  within,
  type RelayProcess,
} from './relay-harness.ts';

const K = 2;
const FLAGS = ['--max-peers', String(K), '--log-level', 'info'];
/** Long enough for a join, a removal after the tree's time-out for silent relays, and a rejoin. */
const TREE_WAIT_MS = 40_000;
const EXIT_WAIT_MS = 15_000;

interface Status {
  id: string;
  treeId: string;
  position: number;
  epoch: number;
  parent: string | null;
  children: string[];
  size: number;
  phase: string;
  members: { position: number; id: string; url: string }[];
}

/** A relay as started by this file: the command (data folder, port, flags) stays the same across restarts. */
interface Member {
  readonly data: string;
  readonly port: number;
  readonly args: string[];
  proc: RelayProcess;
}

const dir = tmpDir('peertree-restart-');

async function start(data: string, args: string[]): Promise<Member> {
  const port = await freePort();
  return { data, port, args, proc: await startRelayProcess(data, [...FLAGS, ...args], 30_000, port) };
}

/** Starts the member again with the very same command. */
async function restart(m: Member, args = m.args): Promise<RelayProcess> {
  m.proc = await startRelayProcess(m.data, [...FLAGS, ...args], 30_000, m.port);
  return m.proc;
}

async function statusOf(m: Member): Promise<Status | null> {
  try {
    return (await getStatus(m.proc.ready.url)) as unknown as Status;
  } catch {
    return null;
  }
}

/** The statuses when `members` form one complete tree of exactly them (same tree and epoch, positions 0…n−1). */
async function completeTree(members: readonly Member[]): Promise<Status[] | null> {
  const all = await Promise.all(members.map(statusOf));
  if (all.some((s) => s === null || s.phase !== 'member')) return null;
  const statuses = all as Status[];
  const first = statuses[0]!;
  const order = first.members.map((m) => m.id);
  for (const s of statuses) {
    if (s.size !== members.length || s.treeId !== first.treeId || s.epoch !== first.epoch) return null;
    if (s.members.map((m) => m.id).join() !== order.join() || order[s.position] !== s.id) return null;
    if (s.parent !== (s.position === 0 ? null : order[Math.floor((s.position - 1) / K)])) return null;
    if (s.children.join() !== order.slice(K * s.position + 1, K * s.position + K + 1).join()) return null;
  }
  if (order.length !== members.length || !members.every((m) => order.includes(m.proc.ready.id))) return null;
  return [...statuses].sort((a, b) => a.position - b.position);
}

function waitForTree(members: readonly Member[]): Promise<Status[]> {
  return waitFor(`a complete tree of ${members.length}`, () => completeTree(members), TREE_WAIT_MS);
}

/** The members in tree order (index = position). */
async function inTreeOrder(members: readonly Member[]): Promise<Member[]> {
  const statuses = await waitForTree(members);
  return statuses.map((s) => members.find((m) => m.proc.ready.id === s.id)!);
}

let relays: Member[] = [];

beforeAll(async () => {
  const root = await start(join(dir.path, 'a'), []);
  const joiners = await Promise.all(
    ['b', 'c'].map((name) => start(join(dir.path, name), ['--join', root.proc.ready.url])),
  );
  relays = [root, ...joiners];
  await waitForTree(relays);
}, 90_000);

afterAll(() => {
  killAll();
  dir.remove();
});

describe('stopping and leaving', () => {
  it('keeps a relay stopped with SIGTERM in its tree, and resumes it when started again with the same command', async () => {
    const [root, stopped] = await inTreeOrder(relays);
    const before = { id: stopped!.proc.ready.id, treeId: (await statusOf(stopped!))!.treeId };
    expect(await stopped!.proc.stop('SIGTERM')).toBe(0);
    expect(stopped!.proc.stderr()).not.toMatch(/left the tree/);

    // Right after the stop the tree still lists it: a restart is not a leave.
    const seen = (await statusOf(root!))!;
    expect(seen.size).toBe(3);
    expect(seen.members.map((m) => m.id)).toContain(before.id);

    const again = await restart(stopped!);
    expect(again.ready.id).toBe(before.id);
    expect(again.ready.treeId).toBe(before.treeId);
    const after = await waitForTree(relays);
    expect(after.every((s) => s.treeId === before.treeId)).toBe(true);
    expect(again.stderr()).toMatch(/resuming the persisted tree membership/);
  }, 90_000);

  it('makes a running relay leave gracefully with `peertree leave --data DIR`: both exit 0 and the last relay takes its place', async () => {
    const ordered = await inTreeOrder(relays);
    const leaver = ordered[1]!;
    const last = ordered[2]!;
    const cli = await runCli(['leave', '--data', leaver.data], 40_000);
    expect(cli.code, cli.stderr).toBe(0);
    expect(cli.stdout).toMatch(/left tree [0-9a-f]{32} and stopped/);
    expect(await within('the relay to exit', leaver.proc.exited, EXIT_WAIT_MS)).toBe(0);
    expect(leaver.proc.stderr()).toMatch(/left the tree/);
    expect(existsSync(join(leaver.data, 'running.json'))).toBe(false);

    const rest = relays.filter((m) => m !== leaver);
    const after = await waitForTree(rest);
    expect(after[0]!.size).toBe(2);
    expect(after[1]!.id).toBe(last.proc.ready.id);
    expect(after.some((s) => s.id === leaver.proc.ready.id)).toBe(false);

    // Started again with the same command (--join) it does not resume: it joins the tree anew, at the end.
    const again = await restart(leaver);
    expect(again.stderr()).not.toMatch(/resuming the persisted tree membership/);
    const rejoined = await waitForTree(relays);
    expect(rejoined[2]!.id).toBe(leaver.proc.ready.id);
  }, 120_000);

  it('makes a stopped relay forget its tree with `peertree leave --data DIR`: started again it is the lone root of a new tree', async () => {
    const ordered = await inTreeOrder(relays);
    const root = ordered[0]!;
    const leaver = ordered[1]!;
    const oldTree = (await statusOf(root))!.treeId;
    expect(await leaver.proc.stop('SIGTERM')).toBe(0);

    const cli = await runCli(['leave', '--data', leaver.data]);
    expect(cli.code, cli.stderr).toBe(0);
    expect(cli.stdout).toMatch(new RegExp(`is not running\\. It has left tree ${oldTree} for good`));

    // Without --join, a relay that had not left would resume its tree; this one starts a new one.
    const again = await restart(leaver, []);
    expect(again.ready.id).toBe(leaver.proc.ready.id);
    expect(again.ready.treeId).not.toBe(oldTree);
    expect(await getStatus(again.ready.url)).toMatchObject({
      position: 0,
      size: 1,
      parent: null,
      treeId: again.ready.treeId,
    });

    // The tree it was in removes it as dead after its time-out and stays complete.
    relays = relays.filter((m) => m !== leaver);
    const after = await waitForTree(relays);
    expect(after.every((s) => s.treeId === oldTree && s.size === 2)).toBe(true);
  }, 120_000);

  it('leaves for good on SIGTERM when started with --leave-on-stop (the old behaviour, for operators who want it)', async () => {
    const root = (await inTreeOrder(relays))[0]!;
    const extra = await start(join(dir.path, 'd'), ['--leave-on-stop', '--join', root.proc.ready.url]);
    await waitForTree([...relays, extra]);
    expect(await extra.proc.stop('SIGTERM')).toBe(0);
    expect(extra.proc.stderr()).toMatch(/left the tree/);
    expect(extra.proc.stderr()).not.toMatch(/leave not confirmed/);
    const after = await waitForTree(relays);
    expect(after.some((s) => s.id === extra.proc.ready.id)).toBe(false);
  }, 90_000);

  it('says plainly when DIR is not a relay data folder', async () => {
    const empty = tmpDir('peertree-not-a-relay-');
    try {
      const cli = await runCli(['leave', '--data', empty.path]);
      expect(cli.code).toBe(1);
      expect(cli.stderr).toMatch(/holds no identity\.seed, so it is not a relay's data folder/);
    } finally {
      empty.remove();
    }
  });
});
