// The example application (the guestbook of docs/apps.md) on 3 real relays: registered through the app API
// alone, its broadcast reaches every relay once, its status shows under apps, its data is read back.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getStatus, killAll, startRelayProcess, tmpDir, type RelayProcess } from './relay-harness.ts';
import { connect } from '../../node-relay/ws/connector.ts';

const dir = tmpDir('peertree-apps-');
const relays: RelayProcess[] = [];
process.env.PEERTREE_APPS = 'guestbook';

type AppsStatus = { apps: Record<string, Record<string, number>>; size: number };

beforeAll(async () => {
  for (let i = 0; i < 3; i++) {
    relays.push(
      await startRelayProcess(
        join(dir.path, `r${i}`),
        ['--log-level', 'warn', ...(i === 0 ? [] : ['--join', relays[0]!.ready.url])],
        30_000,
      ),
    );
  }
  const deadline = Date.now() + 30_000;
  while (
    Date.now() < deadline &&
    !(await Promise.all(relays.map((r) => getStatus(r.ready.url)))).every((s) => s.size === 3)
  )
    await new Promise((r) => setTimeout(r, 250));
}, 60_000);

afterAll(async () => {
  await Promise.all(relays.map((r) => r.stop('SIGKILL')));
  killAll();
  dir.remove();
});

describe('an application written against the app API', () => {
  it('runs beside storage, search, the ledger and the library, and its broadcast reaches every relay once', async () => {
    const status = (await getStatus(relays[0]!.ready.url)) as unknown as AppsStatus;
    expect(Object.keys(status.apps).sort()).toEqual(['guestbook', 'ledger', 'library', 'mailbox', 'search', 'storage']);
    const link = await connect(relays[2]!.ready.url);
    try {
      const reply = await link.request('guestbook.sign', { text: 'hello from the example app' }, 10_000);
      expect((reply.body as { mid: string }).mid).toMatch(/.+/);
      await expect(link.request('guestbook.sign', { text: null }, 10_000)).rejects.toMatchObject({ code: 'BAD_INPUT' });
    } finally {
      link.close();
    }
    const deadline = Date.now() + 20_000;
    let counts: number[] = [];
    while (Date.now() < deadline) {
      counts = await Promise.all(
        relays.map(async (r) => ((await getStatus(r.ready.url)) as unknown as AppsStatus).apps.guestbook!.entries!),
      );
      if (counts.every((c) => c === 1)) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(counts).toEqual([1, 1, 1]);
    const reader = await connect(relays[0]!.ready.url);
    try {
      const entries = ((await reader.request('guestbook.read', {}, 10_000)).body as { entries: { text: string }[] })
        .entries;
      expect(entries.map((e) => e.text)).toEqual(['hello from the example app']);
    } finally {
      reader.close();
    }
  }, 60_000);
});
