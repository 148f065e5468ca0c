// The routed transport on a tree of 5 real relays: shards go to and come from the relay ranked first for their
// hash, the entry relay forwards nothing, and a dead or impostor route falls back to the entry relay.
import { existsSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateIdentity } from '../../core/identity/index.ts';
import { getFile } from '../../core/storage/get-file.ts';
import { putFile } from '../../core/storage/put-file.ts';
import { rendezvousHolders } from '../../core/storage/placement.ts';
import { RoutedTransport, type RoutedTransportInit } from '../../node-relay/storage/routed-transport.ts';
import { routeMembers } from '../../node-relay/storage/route-members.ts';
import { connect, type ConnectOptions } from '../../node-relay/ws/connector.ts';
import { getStatus, killAll, startRelayProcess, tmpDir, waitFor, type RelayProcess } from './relay-harness.ts';

const N = 5;
const MiB = 1024 * 1024;
const root = tmpDir('peertree-routed-');
const relays: RelayProcess[] = [];
const dirs: string[] = [];

function forwardedBy(status: Record<string, unknown>): number {
  return ((status.apps as { storage?: { forwarded?: number } } | undefined)?.storage?.forwarded ?? NaN) as number;
}

async function getAll(capability: string, transport: RoutedTransport): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  await getFile(capability, transport, (b) => {
    parts.push(b.slice());
  });
  return Buffer.concat(parts);
}

/**
 * Runs `use` with a transport entered at `entryUrl` (members: the entry relay's list, links: plain connects unless
 * `init` says otherwise), then closes the transport and its entry link whatever happened; returns the transport.
 */
async function withTransport(
  entryUrl: string,
  init: Partial<Omit<RoutedTransportInit, 'entry'>> & { entryOptions?: ConnectOptions },
  use: (transport: RoutedTransport) => Promise<void>,
): Promise<RoutedTransport> {
  const { entryOptions, ...rest } = init;
  const entry = await connect(entryUrl, entryOptions);
  const transport = new RoutedTransport({
    entry,
    members: rest.members ?? (await routeMembers(entryUrl)),
    connect: (url) => connect(url),
    ...rest,
  });
  try {
    await use(transport);
  } finally {
    transport.close();
    entry.close(1000, 'done');
  }
  return transport;
}

beforeAll(async () => {
  for (let i = 0; i < N; i++) {
    dirs.push(join(root.path, `r${i}`));
    relays.push(
      await startRelayProcess(
        dirs[i]!,
        ['--log-level', 'warn', ...(i === 0 ? [] : ['--join', relays[0]!.ready.url])],
        30_000,
      ),
    );
  }
  await waitFor('5 relays in one tree', async () =>
    (await Promise.all(relays.map(async (r) => (await getStatus(r.ready.url)).size))).every((s) => s === N)
      ? true
      : null,
  );
}, 120_000);

afterAll(async () => {
  killAll();
  root.remove();
});

describe('a client routing shards by their hash', () => {
  const bytes = randomBytes(6 * MiB + 123);
  let capability = '';
  let shards: string[] = [];

  it("lists the whole tree from the entry relay's public status, as a remote client reads it", async () => {
    const members = await routeMembers(relays[1]!.ready.url);
    expect(members.map((m) => m.id).sort()).toEqual(relays.map((r) => r.ready.id).sort());
  });

  it('puts every shard through its first-ranked relay, onto the three relays ranked first for it', async () => {
    const { identity } = await generateIdentity();
    const init = {
      entryOptions: { identity },
      connect: (url: string, id?: typeof identity) => connect(url, id ? { identity: id } : {}),
      owner: { identity, now: Date.now },
    };
    const transport = await withTransport(relays[1]!.ready.url, init, async (t) => {
      const result = await putFile([bytes], t, { name: 'routed.bin', replicas: 3 });
      capability = result.capability;
      shards = [...result.manifest.shards];
    });
    // Relay 1 ranks first for about a fifth of the shards: those go through the entry link, the rest directly.
    expect(transport.counts.direct).toBeGreaterThan(0);
    expect(transport.counts.direct + transport.counts.entry).toBe(shards.length + 1);
    const members = relays.map((r, i) => ({ id: r.ready.id, i }));
    for (const hash of shards) {
      const expected = rendezvousHolders(hash, members, 3)
        .map((m) => m.i)
        .sort();
      const onDisk = dirs
        .map((d, i) => (existsSync(join(d, 'shards', hash.slice(0, 2), hash)) ? i : -1))
        .filter((i) => i >= 0);
      expect(onDisk).toEqual(expected);
    }
  }, 120_000);

  it('gets every shard from a holder once the links are up, so the entry relay forwards none', async () => {
    const entryUrl = relays[3]!.ready.url;
    await withTransport(entryUrl, {}, async (transport) => {
      // The first get opens the links (shards asked before they are up go through the entry relay meanwhile).
      expect((await getAll(capability, transport)).equals(bytes)).toBe(true);
      const before = forwardedBy(await getStatus(entryUrl));
      const counts = { ...transport.counts };
      expect((await getAll(capability, transport)).equals(bytes)).toBe(true);
      expect(transport.counts.entry - counts.entry + transport.counts.direct - counts.direct).toBe(shards.length + 1);
      expect(forwardedBy(await getStatus(entryUrl))).toBe(before);
    });
  }, 60_000);

  it("asks the entry relay for a shard while none of its holders' links is up, instead of waiting for one", async () => {
    const entryUrl = relays[3]!.ready.url;
    let opened = 0;
    const init = {
      // Routed over the other four relays, so that no shard names the entry relay as a holder (its link is up:
      // were it a holder, it would be asked as one, and a shard it was busy with could go to another holder).
      members: (await routeMembers(entryUrl)).filter((m) => m.id !== relays[3]!.ready.id),
      // Links that take 3 s to come up: the get must not wait for them.
      connect: async (url: string) => {
        await new Promise((r) => setTimeout(r, 3_000));
        opened++;
        return connect(url);
      },
    };
    await withTransport(entryUrl, init, async (transport) => {
      expect((await getAll(capability, transport)).equals(bytes)).toBe(true);
      // Had any shard waited for a link, that link would be open by the time the get ended.
      expect(opened).toBe(0);
      expect(transport.counts.direct).toBe(0);
    });
  }, 60_000);

  it('falls back to the entry relay for every shard when each member URL proves another key', async () => {
    const entryUrl = relays[0]!.ready.url;
    const real = await routeMembers(entryUrl);
    // Each id paired with the next member's URL: every direct link would reach the wrong relay.
    const shifted = real.map((m, i) => ({ id: m.id, url: real[(i + 1) % real.length]!.url }));
    const transport = await withTransport(entryUrl, { members: shifted }, async (t) => {
      expect((await getAll(capability, t)).equals(bytes)).toBe(true);
    });
    expect(transport.counts.direct).toBe(0);
    expect(transport.counts.entry).toBe(shards.length + 1);
  }, 60_000);

  it('still gets the file, from the other holders, when a first-ranked relay was killed', async () => {
    const members = relays.map((r) => ({ id: r.ready.id, url: r.ready.url })); // the dead one stays listed
    const victim = relays.findIndex((r) => r.ready.id === rendezvousHolders(shards[0]!, members, 1)[0]!.id);
    const entryUrl = relays[victim === 2 ? 3 : 2]!.ready.url;
    await relays[victim]!.stop('SIGKILL');
    const init = { members, connect: (url: string) => connect(url, { timeoutMs: 3_000 }) };
    const transport = await withTransport(entryUrl, init, async (t) => {
      expect((await getAll(capability, t)).equals(bytes)).toBe(true);
    });
    // Shard 0 (ranked first on the dead relay) came from another of its holders; nothing from the dead one.
    expect(transport.fetchedFrom.has(relays[victim]!.ready.id)).toBe(false);
    expect(transport.counts.entry + transport.counts.direct).toBe(shards.length + 1);
  }, 90_000);
});
