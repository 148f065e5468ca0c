// Audits between relays: a holder passes only with the proof over the fresh nonce, its own id and every byte; one
// that says it does not hold the shard fails and is asked again; one that does not answer is not asked again in
// that sweep; a relay answers only members, with its proof and the pin owners it keeps.
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../../core/bytes.ts';
import { sha256 } from '../../../core/crypto/sha256.ts';
import { PeerTreeError } from '../../../core/errors.ts';
import { AUDIT, PROOF } from '../../../core/protocol/audit-messages.ts';
import { auditProof } from '../../../core/storage/audit.ts';
import { MemoryShardStore } from '../../../core/storage/memory-shard-store.ts';
import type { Message } from '../../../core/wire/index.ts';
import { silentLogger } from '../../../node-relay/log-contract.ts';
import { PinIndex } from '../../../node-relay/replication/pin-index.ts';
import { ShardAudits, type AuditCounters } from '../../../node-relay/replication/shard-audits.ts';
import type { Link } from '../../../node-relay/ws/link.ts';

const OWNER = '0a'.repeat(32);
const bytes = new TextEncoder().encode('a shard of some file');

/** Relay `self` with the shard; `answer(nonce)` is what member `holder` sends back to an audit. */
async function setup(answer: (nonce: string, hash: string) => Promise<unknown>) {
  const hash = toHex(await sha256(bytes));
  const store = new MemoryShardStore();
  await store.put(hash, bytes);
  const pins = new PinIndex(new Database(':memory:'));
  pins.add(hash, { owner: OWNER, ts: 1000, sig: 'cd'.repeat(64) }, 4096);
  const asked: string[] = [];
  const counters: AuditCounters = { auditsPassed: 0, auditsFailed: 0, auditsAnswered: 0, releasesPushed: 0 };
  const audits = new ShardAudits(
    {
      store,
      pins,
      logger: silentLogger,
      timeoutMs: 1000,
      peers: {
        selfId: 'self',
        members: () => [
          { id: 'self', url: 'wss://self' },
          { id: 'holder', url: 'wss://holder' },
        ],
        linkTo: async (id) =>
          ({
            request: async (type: string, body: { nonce: string }) => {
              asked.push(`${id} ${type}`);
              return { type: PROOF, body: await answer(body.nonce, hash) };
            },
          }) as never as Link,
        onDeparted: () => {},
      },
    },
    counters,
  );
  return { hash, audits, counters, asked };
}

describe('ShardAudits', () => {
  it('passes a holder whose proof binds the nonce, its own id and every byte, and reads the owners it keeps', async () => {
    const s = await setup(async (nonce, hash) => ({
      hash,
      proof: await auditProof(fromHex(nonce), 'holder', bytes),
      owners: [OWNER],
    }));
    expect(await s.audits.audit('holder', s.hash, bytes, new Set())).toEqual({
      id: 'holder',
      ok: true,
      owners: [OWNER],
    });
    expect(s.counters).toMatchObject({ auditsPassed: 1, auditsFailed: 0 });
  });

  it("fails a proof computed for another holder's id, and a relay that answers it does not hold the shard", async () => {
    const other = await setup(async (nonce, hash) => ({
      hash,
      proof: await auditProof(fromHex(nonce), 'someone-else', bytes),
    }));
    const unreachable = new Set<string>();
    expect(await other.audits.audit('holder', other.hash, bytes, unreachable)).toEqual({ id: 'holder', ok: false });
    const gone = await setup(async () => {
      throw new PeerTreeError('NOT_FOUND', 'not here');
    });
    expect((await gone.audits.audit('holder', gone.hash, bytes, unreachable)).ok).toBe(false);
    // Neither is left out of the rest of the sweep: they answered.
    expect(unreachable.size).toBe(0);
  });

  it('asks a relay that did not answer no more in the same sweep', async () => {
    const s = await setup(async () => {
      throw new PeerTreeError('TIMEOUT', 'no reply');
    });
    const unreachable = new Set<string>();
    await s.audits.audit('holder', s.hash, bytes, unreachable);
    await s.audits.audit('holder', s.hash, bytes, unreachable);
    expect(unreachable.has('holder')).toBe(true);
    expect(s.asked).toEqual([`holder ${AUDIT}`]);
    expect(s.counters.auditsFailed).toBe(2);
  });

  it('answers a member with its own proof and pin owners, and refuses a relay of another tree', async () => {
    const s = await setup(async () => ({}));
    const nonce = '11'.repeat(32);
    const replies: { type: string; body: Record<string, unknown> }[] = [];
    const link = (peerId: string) =>
      ({
        peerId,
        reply: async (_m: Message, type: string, body: Record<string, unknown>) => replies.push({ type, body }),
      }) as never as Link;
    const m = { type: AUDIT, body: { hash: s.hash, nonce } } as never as Message;
    await s.audits.onAudit(m, link('holder'));
    expect(replies).toEqual([
      {
        type: PROOF,
        body: { hash: s.hash, proof: await auditProof(fromHex(nonce), 'self', bytes), owners: [OWNER] },
      },
    ]);
    expect(s.counters.auditsAnswered).toBe(1);
    await expect(s.audits.onAudit(m, link('stranger'))).rejects.toMatchObject({ code: 'FORBIDDEN' });
  });
});
