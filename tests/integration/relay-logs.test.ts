// The log lines an operator pages on, read from real relay processes (loopback, k = 2): joins and epoch
// changes, a request line at debug, a SIGTERM restart that does not alarm, and a root failover after kill -9.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  freePort,
  getStatus,
  killAll,
  logLines,
  runCli,
  startRelayProcess,
  tmpDir,
  waitFor,
  type RelayProcess,
} from './relay-harness.ts';

const FLAGS = ['--max-peers', '2'];
const TREE_WAIT_MS = 40_000;

interface Member {
  readonly data: string;
  readonly port: number;
  readonly args: string[];
  proc: RelayProcess;
}

const dir = tmpDir('peertree-logs-');
let relays: Member[] = [];

async function start(name: string, args: string[]): Promise<Member> {
  const data = join(dir.path, name);
  const port = await freePort();
  return { data, port, args, proc: await startRelayProcess(data, [...FLAGS, ...args], 30_000, port) };
}

/** True when every member reports the same epoch and a tree of exactly `members.length`. */
async function oneTree(members: readonly Member[]): Promise<true | null> {
  const all = await Promise.all(members.map((m) => getStatus(m.proc.ready.url).catch(() => null)));
  if (all.some((s) => s === null || s.phase !== 'member' || s.size !== members.length)) return null;
  return new Set(all.map((s) => s!.epoch)).size === 1 ? true : null;
}

const waitForTree = (members: readonly Member[]) =>
  waitFor(`one tree of ${members.length}`, () => oneTree(members), TREE_WAIT_MS);

beforeAll(async () => {
  const root = await start('a', ['--log-level', 'info']);
  const b = await start('b', ['--log-level', 'info', '--join', root.proc.ready.url]);
  const c = await start('c', ['--log-level', 'debug', '--join', root.proc.ready.url]);
  relays = [root, b, c];
  await waitForTree(relays);
}, 90_000);

afterAll(() => {
  killAll();
  dir.remove();
});

describe('relay logs', () => {
  it('logs each epoch change and each relay that joined, as JSON lines with stable event names', () => {
    const [root, b, c] = relays as [Member, Member, Member];
    const epochs = logLines(root.proc, 'tree.epoch_changed');
    expect(epochs.length).toBeGreaterThanOrEqual(2);
    expect(epochs.at(-1)).toMatchObject({ level: 'info', size: 3 });
    const added = logLines(root.proc, 'tree.member_added').map((l) => l.id);
    expect(added).toEqual(expect.arrayContaining([b.proc.ready.id, c.proc.ready.id]));
  });

  it('writes a request line at --log-level debug', async () => {
    const c = relays[2]!;
    const search = await runCli(['search', 'anything', '--relay', c.proc.ready.url]);
    expect(search.code, search.stderr).toBe(0);
    const requests = await waitFor(
      'a request log line',
      async () => {
        const lines = logLines(c.proc, 'request');
        return lines.length > 0 ? lines : null;
      },
      10_000,
    );
    expect(requests[0]).toMatchObject({ level: 'debug', outcome: expect.any(String), type: expect.any(String) });
    expect(logLines(relays[0]!.proc, 'request')).toEqual([]);
  }, 30_000);

  it('does not say "removed from the tree" when a relay restarts after SIGTERM', async () => {
    const b = relays[1]!;
    expect(await b.proc.stop('SIGTERM')).toBe(0);
    b.proc = await startRelayProcess(b.data, [...FLAGS, ...b.args], 30_000, b.port);
    await waitForTree(relays);
    expect(b.proc.stderr()).not.toMatch(/removed from the tree/);
    expect(logLines(b.proc).filter((l) => l.level === 'error')).toEqual([]);
  }, 90_000);

  it('logs the failover when the root is killed: became_root on the new root, member_removed and a new epoch', async () => {
    const statuses = await Promise.all(relays.map((m) => getStatus(m.proc.ready.url)));
    const rootIndex = statuses.findIndex((s) => s.position === 0);
    const root = relays[rootIndex]!;
    const survivors = relays.filter((m) => m !== root);
    const epochBefore = statuses[rootIndex]!.epoch as number;
    root.proc.proc.kill('SIGKILL');
    await root.proc.exited;
    await waitForTree(survivors);
    const newRoot = await waitFor(
      'a survivor that logged tree.became_root',
      async () => survivors.find((m) => logLines(m.proc, 'tree.became_root').length > 0) ?? null,
      10_000,
    );
    expect(logLines(newRoot.proc, 'tree.became_root')[0]).toMatchObject({
      level: 'warn',
      previous: root.proc.ready.id,
    });
    for (const m of survivors) {
      expect(logLines(m.proc, 'tree.member_removed').map((l) => l.id)).toContain(root.proc.ready.id);
      expect(logLines(m.proc, 'tree.epoch_changed').some((l) => (l.epoch as number) > epochBefore)).toBe(true);
    }
  }, 90_000);
});
