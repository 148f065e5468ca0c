// Relays started in-process with startRelay(): one dials the other through its ConnectionManager (the seam the
// tree protocol uses), and both dispatch verified messages to handlers registered with on(type, handler).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultComponents } from '../../node-relay/default-components.ts';
import { parseRelayArgs, type RelayConfig } from '../../node-relay/config/relay-config.ts';
import { silentLogger } from '../../node-relay/log-contract.ts';
import { startRelay, type Relay } from '../../node-relay/relay.ts';
import type { PeerEvent } from '../../node-relay/ws/connection-manager.ts';
import { tmpDir } from './relay-harness.ts';

const dir = tmpDir();
let a: Relay;
let b: Relay;

function config(data: string): RelayConfig {
  const parsed = parseRelayArgs(['--port', '0', '--data', data, '--static', join(dir.path, 'no-dist')]);
  if (parsed.ok !== true) throw new Error('bad config');
  return parsed.value;
}

beforeAll(async () => {
  const components = defaultComponents({ logger: silentLogger });
  a = await startRelay(config(join(dir.path, 'a')), components);
  // Until joining exists, put b in a's tree by giving it a's tree id before its first start.
  mkdirSync(join(dir.path, 'b'), { recursive: true, mode: 0o700 });
  writeFileSync(join(dir.path, 'b', 'tree-id'), a.treeId + '\n', { mode: 0o600 });
  b = await startRelay(config(join(dir.path, 'b')), components, { handshakeTimeoutMs: 1_000 });
});

afterAll(async () => {
  await Promise.all([a?.close(), b?.close()]);
  dir.remove();
});

describe('relay-to-relay links', () => {
  it('dials another relay, binds the link to its key, and exchanges messages both ways', async () => {
    expect(b.treeId).toBe(a.treeId);
    const upOnB = new Promise<PeerEvent>((resolve) => b.connections.onPeer((e) => e.kind === 'up' && resolve(e)));
    b.dispatcher.on('test.echo', async (message, link) => {
      await link.reply(message, 'test.echoed', { text: (message.body as { text: string }).text, by: 'b' });
    });

    const link = await a.connections.dial(b.url, { expectedId: b.id });
    expect(link.peerId).toBe(b.id);
    expect(link.direction).toBe('out');

    const up = await upOnB;
    expect(up.link.peerId).toBe(a.id);
    expect(up.link.role).toBe('relay');
    expect(up.link.url).toBe(a.url);

    const echoed = await link.request('test.echo', { text: 'hello' }, 5_000);
    expect(echoed.body).toMatchObject({ text: 'hello', by: 'b', re: expect.any(String) });
    // b can ask a over the same connection: a answers pings like any relay.
    const pong = await up.link.request('peer.ping', { nonce: 'from-b' }, 5_000);
    expect(pong.fromId).toBe(a.id);
    expect(a.connections.linksTo(b.id)).toHaveLength(1);

    const down = new Promise<PeerEvent>((resolve) => b.connections.onPeer((e) => e.kind === 'down' && resolve(e)));
    link.close(1000, 'done');
    expect((await down).kind).toBe('down');
    expect(b.status().drops['wrong-sender']).toBe(0);
  });

  it('uses the shortened handshake timeout given programmatically', async () => {
    const { WebSocket } = await import('ws');
    const ws = new WebSocket(b.wsUrl, { rejectUnauthorized: false });
    ws.on('error', () => {});
    const code = await new Promise<number>((r) => ws.on('close', (c) => r(c)));
    expect(code).toBe(4408);
  });

  it('reports the lone-root tree until the tree protocol supplies its own picture', () => {
    expect(a.status()).toMatchObject({ position: 0, size: 1, depth: 0, parent: null, children: [] });
    b.setTreeStatus(() => ({ position: 1, epoch: 3, parent: a.id, children: [], size: 2, depth: 1 }));
    expect(b.status()).toMatchObject({ position: 1, epoch: 3, parent: a.id, size: 2, depth: 1 });
  });
});

describe('per-address connection limit', () => {
  it('refuses upgrades beyond the limit with 429 and counts them, and accepts again once a slot frees', async () => {
    const { connect } = await import('../../node-relay/ws/connector.ts');
    const c = await startRelay(config(join(dir.path, 'c')), defaultComponents({ logger: silentLogger }), {
      maxConnectionsPerAddress: 2,
    });
    try {
      const first = await connect(c.url);
      const second = await connect(c.url);
      await expect(connect(c.url, { timeoutMs: 5_000 })).rejects.toMatchObject({ code: 'RATE_LIMITED' });
      expect(c.status().drops['connection-limit']).toBe(1);
      const closed = new Promise<void>((r) => first.onClose(() => r()));
      first.close();
      await closed;
      // The server releases the slot when its side of the socket closes; retry briefly (bounded).
      let third = null;
      for (let i = 0; i < 20 && third === null; i++) {
        third = await connect(c.url, { timeoutMs: 2_000 }).catch(() => null);
        if (third === null) await new Promise((r) => setTimeout(r, 50));
      }
      expect(third).not.toBeNull();
      third?.close();
      second.close();
    } finally {
      await c.close();
    }
  });
});
