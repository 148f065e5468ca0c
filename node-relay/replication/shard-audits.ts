// Storage audits between relays of one tree: a relay challenges another to prove it holds a shard now (a fresh
// nonce, answered with SHA-256 over the nonce, the holder's id and every byte: core/storage/audit.ts), and answers
// such challenges for the shards it keeps. An audit of a shard this relay released (the auditor still holds a
// copy: it missed the release, e.g. it was down) is answered with the owners' signed releases first
// (`shard.unpin`, local), which the auditor checks as any release: anti-entropy of deletes, no vouching.
import { randomBytes } from 'node:crypto';
import { fromHex } from '../../core/bytes.ts';
import { PeerTreeError, toPeerTreeError } from '../../core/errors.ts';
import { AUDIT_NONCE_BYTES, MAX_PINS_PER_MESSAGE, REPAIR_AUDIT_TIMEOUT_MS } from '../../core/limits.ts';
import { AUDIT, PROOF, readAudit, readProof } from '../../core/protocol/audit-messages.ts';
import { auditProof } from '../../core/storage/audit.ts';
import type { AuditResult } from '../../core/storage/repair-plan.ts';
import type { ShardStore } from '../../core/storage/shard-store.ts';
import type { Message } from '../../core/wire/index.ts';
import type { Logger } from '../log-contract.ts';
import type { Link } from '../ws/link.ts';
import type { Peers } from './peers.ts';
import type { PinIndex } from './pin-index.ts';
import { handOnReleases } from './release-handoff.ts';

export interface ShardAuditDeps {
  readonly store: ShardStore;
  readonly pins: PinIndex;
  readonly peers: Peers;
  readonly logger: Logger;
  /** The relay's request time-out; an audit waits at most the shorter of it and REPAIR_AUDIT_TIMEOUT_MS. */
  readonly timeoutMs: number;
}

export interface AuditCounters {
  auditsPassed: number;
  auditsFailed: number;
  /** Audits of this relay by others that it answered with a proof. */
  auditsAnswered: number;
  /** Owners' signed releases handed to an auditor that still held a shard this relay released. */
  releasesPushed: number;
}

export class ShardAudits {
  constructor(
    private readonly deps: ShardAuditDeps,
    private readonly counters: AuditCounters,
  ) {}

  /**
   * Challenges `id` to prove it holds `hash` now; this relay's own verified copy gives the expected answer. A relay
   * in `unreachable` is not asked (its audit fails); one that does not answer (no link, time-out) is added to it.
   */
  async audit(id: string, hash: string, bytes: Uint8Array, unreachable: Set<string>): Promise<AuditResult> {
    if (!unreachable.has(id)) {
      const nonce = new Uint8Array(randomBytes(AUDIT_NONCE_BYTES));
      try {
        const expected = await auditProof(nonce, id, bytes);
        const link = await this.deps.peers.linkTo(id);
        const reply = await link.request(
          AUDIT,
          { hash, nonce: Buffer.from(nonce).toString('hex') },
          Math.min(this.deps.timeoutMs, REPAIR_AUDIT_TIMEOUT_MS),
        );
        const answer = readProof(reply, hash);
        if (answer && answer.proof === expected) {
          this.counters.auditsPassed++;
          return { id, ok: true, owners: answer.owners };
        }
      } catch (err) {
        // NOT_FOUND: it answered that it does not hold it. Anything else (no link, time-out): it is not asked again.
        if (toPeerTreeError(err).code !== 'NOT_FOUND') unreachable.add(id);
      }
    }
    this.counters.auditsFailed++;
    return { id, ok: false };
  }

  /** Answers another member's `shard.audit`: a proof and the pin owners kept, or NOT_FOUND after its releases. */
  async onAudit(m: Message, link: Link): Promise<void> {
    const { peers, store, pins } = this.deps;
    if (link.peerId === peers.selfId || !peers.members().some((x) => x.id === link.peerId)) {
      throw new PeerTreeError('FORBIDDEN', `${AUDIT} is for relays of this tree`);
    }
    const { hash, nonce } = readAudit(m);
    const bytes = await store.get(hash);
    if (!bytes) {
      this.counters.releasesPushed += await handOnReleases(pins, link, hash, this.deps.timeoutMs, this.deps.logger);
      throw new PeerTreeError('NOT_FOUND', `shard ${hash.slice(0, 12)}… is not here`);
    }
    const proof = await auditProof(fromHex(nonce), peers.selfId, bytes);
    this.counters.auditsAnswered++;
    await link.reply(m, PROOF, {
      hash,
      proof,
      owners: pins
        .pins(hash)
        .map((p) => p.owner)
        .slice(0, MAX_PINS_PER_MESSAGE),
    });
  }
}
