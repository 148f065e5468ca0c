// The /ws endpoint of a real relay: handshake, ping/pong through the connector, and hostile frames that must be
// dropped and counted while the connection and the relay keep working.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { generateIdentity } from '../../core/identity/index.ts';
import { MAX_FRAME_BYTES, MAX_HEADER_BYTES } from '../../core/limits.ts';
import { FRAME_MAGIC, newMessageId } from '../../core/wire/index.ts';
import { PeerTreeError } from '../../core/errors.ts';
import { connect } from '../../node-relay/ws/connector.ts';
import {
  getStatus,
  killAll,
  openSocket,
  rawSession,
  startRelayProcess,
  tmpDir,
  type RelayProcess,
} from './relay-harness.ts';

let relay: RelayProcess;
const dir = tmpDir();

beforeAll(async () => {
  relay = await startRelayProcess(join(dir.path, 'data'));
});

afterAll(async () => {
  await relay?.stop();
  killAll();
  dir.remove();
});

/** Sends a ping on a raw session and waits for the pong: proves the socket still works, and orders checks. */
async function roundTrip(session: Awaited<ReturnType<typeof rawSession>>): Promise<void> {
  const nonce = randomBytes(8).toString('hex');
  const id = newMessageId();
  session.ws.send(await session.frame('peer.ping', { nonce }, { id }));
  const pong = await session.waitFor((m) => m.type === 'peer.pong' && (m.body as { re?: string }).re === id);
  expect((pong.body as { nonce: string }).nonce).toBe(nonce);
}

describe('WebSocket endpoint', () => {
  it('runs the signed handshake and a ping/pong round trip through the connector over wss', async () => {
    const link = await connect(relay.ready.url, { expectedId: relay.ready.id });
    try {
      expect(link.peerId).toBe(relay.ready.id);
      expect(link.treeId).toBe(relay.ready.treeId);
      const pong = await link.request('peer.ping', { nonce: 'abc123' }, 5_000);
      expect(pong.type).toBe('peer.pong');
      expect(pong.fromId).toBe(relay.ready.id);
      expect(pong.body).toMatchObject({ nonce: 'abc123' });
      // An unknown type is answered with peer.error NOT_FOUND; a bad ping body with BAD_INPUT.
      await expect(link.request('no.such-type', {}, 5_000)).rejects.toMatchObject({ code: 'NOT_FOUND' });
      await expect(link.request('peer.ping', { nonce: 'x'.repeat(500) }, 5_000)).rejects.toMatchObject({
        code: 'BAD_INPUT',
      });
      const status = await getStatus(relay.ready.url);
      expect(status.connections).toBeGreaterThanOrEqual(1);
      expect(status.peers).toEqual(
        expect.arrayContaining([expect.objectContaining({ role: 'client', direction: 'in' })]),
      );
    } finally {
      link.close();
    }
  });

  it('refuses a relay whose node id is not the expected one', async () => {
    const { identity } = await generateIdentity();
    await expect(connect(relay.ready.url, { expectedId: identity.id, timeoutMs: 5_000 })).rejects.toBeInstanceOf(
      PeerTreeError,
    );
    await expect(connect(relay.ready.url, { expectedId: identity.id, timeoutMs: 5_000 })).rejects.toMatchObject({
      code: 'FORBIDDEN',
    });
  });

  it('drops and counts hostile frames while the connection and relay keep working', async () => {
    const session = await rawSession(relay.ready.ws);
    const before = (await getStatus(relay.ready.url)).drops;
    const send = (bytes: Uint8Array | string) => session.ws.send(bytes, { binary: typeof bytes !== 'string' });

    // bad signature: flip one bit of the signature
    const forged = await session.frame('peer.ping', { nonce: 'n1' });
    forged[forged.length - 1]! ^= 1;
    send(forged);
    // foreign tree
    send(await session.frame('peer.ping', { nonce: 'n2' }, { tree: randomBytes(16).toString('hex') }));
    // stale timestamp (ten minutes old)
    send(await session.frame('peer.ping', { nonce: 'n3' }, { ts: Date.now() - 10 * 60_000 }));
    // garbage bytes
    send(new Uint8Array(randomBytes(100)));
    // truncated: a valid frame cut short
    const whole = await session.frame('peer.ping', { nonce: 'n4' });
    send(whole.subarray(0, whole.length - 10));
    // oversized inside the frame: the header length field claims more than the header limit
    const big = new Uint8Array(128);
    big.set(FRAME_MAGIC, 0);
    new DataView(big.buffer).setUint32(4, MAX_HEADER_BYTES + 1);
    send(big);
    // validly signed, but by a different key than the one this connection is bound to
    const { identity: other } = await generateIdentity();
    send(await session.frame('peer.ping', { nonce: 'n5' }, {}, other));
    // text frame
    send('not a binary frame');
    // replay: the same valid frame twice; the first is answered, the second dropped
    const id = newMessageId();
    const replayed = await session.frame('peer.ping', { nonce: 'n6' }, { id });
    send(replayed);
    await session.waitFor((m) => m.type === 'peer.pong' && (m.body as { re?: string }).re === id);
    send(replayed);

    await roundTrip(session); // frames on one socket are handled in order: all of the above were processed
    const after = (await getStatus(relay.ready.url)).drops;
    const delta = (reason: string) => (after[reason] ?? 0) - (before[reason] ?? 0);
    expect(delta('bad-signature')).toBe(1);
    expect(delta('foreign-tree')).toBe(1);
    expect(delta('stale')).toBe(1);
    expect(delta('bad-magic')).toBe(1);
    expect(delta('truncated')).toBe(1);
    expect(delta('too-large')).toBe(1);
    expect(delta('wrong-sender')).toBe(1);
    expect(delta('not-binary')).toBe(1);
    expect(delta('replay')).toBe(1);
    // Only the round-trip pongs and the first replayed ping were answered: nothing forged was acted on.
    expect(session.received.filter((m) => m.type === 'peer.pong')).toHaveLength(2);
    // The foreign and stale frames, which their sender can act on, were refused in words; nothing else was.
    expect(
      session.received.filter((m) => m.type === 'peer.error').map((m) => (m.body as { code: string }).code),
    ).toEqual(['FOREIGN_TREE', 'STALE']);
    expect(delta('refusal-reply')).toBe(2);
    session.ws.close();
  });

  it('closes a connection that sends a message above the transport limit with 1009, and keeps serving others', async () => {
    const session = await rawSession(relay.ready.ws);
    const before = (await getStatus(relay.ready.url)).drops['too-large'] ?? 0;
    session.ws.send(new Uint8Array(MAX_FRAME_BYTES + 1024));
    const { code } = await session.closed;
    expect(code).toBe(1009);
    expect((await getStatus(relay.ready.url)).drops['too-large']).toBe(before + 1);
    const fresh = await rawSession(relay.ready.ws);
    await roundTrip(fresh);
    fresh.ws.close();
  });

  it('ignores application messages before the handshake and refuses a wrong handshake answer', async () => {
    const ws = openSocket(relay.ready.ws);
    const closed = new Promise<number>((r) => ws.on('close', (code) => r(code)));
    ws.on('error', () => {});
    await new Promise((r) => ws.once('message', r)); // the hello
    const { identity } = await generateIdentity();
    const { encodeFrame } = await import('../../core/wire/index.ts');
    const before = (await getStatus(relay.ready.url)).drops;
    ws.send(
      await encodeFrame(
        { type: 'peer.ping', tree: relay.ready.treeId, to: null, ts: Date.now(), body: { nonce: 'early' } },
        identity,
      ),
    );
    ws.send(
      await encodeFrame(
        {
          type: 'peer.auth',
          tree: '',
          to: null,
          ts: Date.now(),
          body: { nonce: 'ab'.repeat(32), challenge: 'cd'.repeat(32), role: 'client', url: null },
        },
        identity,
      ),
    );
    expect(await closed).toBe(4403);
    const after = (await getStatus(relay.ready.url)).drops;
    expect(after.unauthenticated).toBe((before.unauthenticated ?? 0) + 1);
    expect(after['handshake-failed']).toBe((before['handshake-failed'] ?? 0) + 1);
  });

  it('disconnects a peer that never answers the hello, with the TIMEOUT close code', async () => {
    const ws = openSocket(relay.ready.ws);
    ws.on('error', () => {});
    const started = Date.now();
    const code = await new Promise<number>((r) => ws.on('close', (c) => r(c)));
    expect(code).toBe(4408);
    expect(Date.now() - started).toBeGreaterThanOrEqual(9_000);
    expect((await getStatus(relay.ready.url)).drops['handshake-timeout']).toBeGreaterThanOrEqual(1);
  }, 25_000);

  it('refuses upgrades on other paths', async () => {
    const ws = openSocket(relay.ready.ws.replace(/\/ws$/, '/other'));
    const err = await new Promise<Error>((r) => ws.on('error', r));
    expect(err.message).toMatch(/404/);
  });
});
