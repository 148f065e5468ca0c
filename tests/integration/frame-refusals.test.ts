// A frame a relay refuses must not leave its sender waiting for a time-out: a device whose clock is off and a
// key over its replay share fail at once with the refusal's code and words that say what to do, while a flood
// of garbage and forgeries makes the relay sign nothing, or no more than MAX_REFUSAL_REPLIES_PER_SOCKET answers
// before it closes the socket.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { LIMITS, MAX_REFUSAL_REPLIES_PER_SOCKET, MESSAGE_BURST_PER_KEY } from '../../core/limits.ts';
import { newMessageId } from '../../core/wire/index.ts';
import { parseRelayArgs } from '../../node-relay/config/relay-config.ts';
import { defaultComponents } from '../../node-relay/default-components.ts';
import { silentLogger } from '../../node-relay/log-contract.ts';
import { startRelay, type Relay } from '../../node-relay/relay.ts';
import { connect } from '../../node-relay/ws/connector.ts';
import { getStatus, killAll, rawSession, startRelayProcess, tmpDir, type RelayProcess } from './relay-harness.ts';

const MINUTE = 60_000;
/** Longer than any refusal takes, shorter than the test: a request that waited it out would fail TIMEOUT. */
const PATIENT_MS = 60_000;
/** The smallest per-key replay share validateLimits allows, so a test can fill it. */
const SHARE = MESSAGE_BURST_PER_KEY;

const dir = tmpDir('peertree-refusals-');
let relay: RelayProcess;

beforeAll(async () => {
  relay = await startRelayProcess(join(dir.path, 'data'));
});

afterAll(async () => {
  await relay?.stop();
  killAll();
  dir.remove();
});

/** A clock this test can set ahead, as a device whose clock is wrong. */
function skewedClock() {
  const clock = { offsetMs: 0, now: () => Date.now() + clock.offsetMs, monotonic: () => performance.now() };
  return clock;
}

describe('refused frames', () => {
  it('fails a device whose clock is 10 minutes ahead with STALE, in words that name the clock, at connect', async () => {
    const clock = skewedClock();
    clock.offsetMs = 10 * MINUTE;
    const error = await connect(relay.ready.url, { components: { clock }, timeoutMs: PATIENT_MS }).catch((e) => e);
    expect(error).toMatchObject({
      code: 'STALE',
      message: "this device's clock is 10 minutes ahead of the relay's; set the clock and try again",
    });
  }, 20_000);

  it('fails a request sent after the clock jumped 10 minutes ahead with STALE, not a time-out', async () => {
    const clock = skewedClock();
    const link = await connect(relay.ready.url, { components: { clock } });
    await link.request('peer.ping', { nonce: 'before' }, 5_000);
    clock.offsetMs = 10 * MINUTE;
    const error = await link.request('peer.ping', { nonce: 'after' }, PATIENT_MS).catch((e) => e);
    expect(error).toMatchObject({
      code: 'STALE',
      message: "this device's clock is 10 minutes ahead of the relay's; set the clock and try again",
    });
    // The relay's signed STALE answer cannot be read as fresh here: its time, the relay's, says how far off we are.
    clock.offsetMs = 0;
    expect((await link.request('peer.ping', { nonce: 'fixed' }, 5_000)).type).toBe('peer.pong'); // still connected
    link.close(1000, 'done');
  }, 20_000);

  it('signs nothing for a flood of garbage and forged frames, and keeps the connection working', async () => {
    const before = (await getStatus(relay.ready.url)).drops;
    const session = await rawSession(relay.ready.ws);
    for (let i = 0; i < 300; i++) {
      session.ws.send(new Uint8Array(randomBytes(200)));
      const forged = await session.frame('peer.ping', { nonce: `f${i}` });
      forged[forged.length - 1]! ^= 1;
      session.ws.send(forged);
    }
    const id = newMessageId();
    session.ws.send(await session.frame('peer.ping', { nonce: 'after' }, { id }));
    await session.waitFor((m) => m.type === 'peer.pong' && (m.body as { re?: string }).re === id);
    expect(session.received.map((m) => m.type)).toEqual(['peer.pong']); // the flood was answered with nothing
    const after = (await getStatus(relay.ready.url)).drops;
    const delta = (reason: string) => (after[reason] ?? 0) - (before[reason] ?? 0);
    expect(delta('bad-signature')).toBe(300);
    expect(delta('refusal-reply')).toBe(0);
    expect(delta('refusal-close')).toBe(0);
    session.ws.close();
  }, 30_000);

  describe('on a relay whose replay share per key is shrunk to a burst', () => {
    let small: Relay;

    beforeAll(async () => {
      const parsed = parseRelayArgs([
        '--port',
        '0',
        '--data',
        join(dir.path, 'small-share'),
        '--http',
        '--log-level',
        'error',
        '--rate-limit',
        String(SHARE * 4), // the key's message rate is not what this test meets
      ]);
      if (parsed.ok !== true) throw new Error('bad flags');
      small = await startRelay(parsed.value, defaultComponents({ logger: silentLogger }), {
        limits: { ...LIMITS, maxReplayEntries: SHARE * 2, maxReplayEntriesPerSender: SHARE },
      });
    });

    afterAll(async () => {
      await small?.close();
    });

    it('fails a request of a key over its replay share with RATE_LIMITED and words to wait, not a time-out', async () => {
      const link = await connect(small.url);
      for (let i = 0; i < SHARE; i++) void link.send('peer.ping', { nonce: `p${i}` }).catch(() => {});
      const error = await link.request('peer.ping', { nonce: 'over' }, PATIENT_MS).catch((e) => e);
      expect(error).toMatchObject({
        code: 'RATE_LIMITED',
        refused: true,
        message: 'too many requests from this key in the last 5 minutes; wait and retry',
      });
      expect(small.connections.verifier.drops['replay-sender-full']).toBeGreaterThanOrEqual(1);
      link.close(1000, 'done');
    }, 30_000);

    it('signs at most the bound of answers for a flood of forged frames naming a full key, then closes 4429', async () => {
      const replies = small.connections.counters['refusal-reply'];
      const session = await rawSession(small.wsUrl);
      // Fill this key's share (its peer.auth took one entry) in rounds the socket's queue holds, then flood with
      // frames whose signatures are wrong, signed beforehand so they arrive at once (the bound forgives one a second).
      for (let sent = 0; sent < SHARE - 1;) {
        const round = Math.min(50, SHARE - 1 - sent);
        const ids = Array.from({ length: round }, () => newMessageId());
        for (const id of ids) session.ws.send(await session.frame('peer.ping', { nonce: 'fill' }, { id }));
        await session.waitFor((m) => (m.body as { re?: string }).re === ids.at(-1));
        sent += round;
      }
      const flood = await Promise.all(
        Array.from({ length: 100 }, async (_, i) => {
          const forged = await session.frame('peer.ping', { nonce: `f${i}` });
          forged[forged.length - 1]! ^= 1;
          return forged;
        }),
      );
      for (const f of flood) session.ws.send(f);
      const { code } = await session.closed;
      expect(code).toBe(4429);
      // The harness verifies what arrived after the close event: wait for it, then for anything later.
      const refusals = () => session.received.filter((m) => m.type === 'peer.error');
      await vi.waitFor(() => expect(refusals().length).toBeGreaterThanOrEqual(MAX_REFUSAL_REPLIES_PER_SOCKET));
      await new Promise((r) => setTimeout(r, 200));
      expect(refusals().map((m) => (m.body as { code: string }).code)).toEqual(
        Array(MAX_REFUSAL_REPLIES_PER_SOCKET).fill('RATE_LIMITED'),
      );
      expect(refusals()[0]!.body).toMatchObject({ code: 'RATE_LIMITED' });
      expect(small.connections.counters['refusal-reply'] - replies).toBe(MAX_REFUSAL_REPLIES_PER_SOCKET);
      expect(small.connections.verifier.drops['replay-sender-full']).toBeGreaterThan(MAX_REFUSAL_REPLIES_PER_SOCKET);
    }, 30_000);
  });
});
