// The joining side: whom a joining relay asks, and how often.
import type { Ctx } from './context.ts';
import { memberAt } from './membership.ts';
import { MSG } from './messages.ts';
import type { NodeRef } from './types.ts';
import { JOIN_RETRY_MS } from '../limits.ts';

/**
 * Sends a join request: even attempts go to the contact, odd ones to the root group of the last
 * known view (so a relay whose contact died, or that was removed, still finds the tree).
 */
export function sendJoin(ctx: Ctx): void {
  const s = ctx.s;
  const size = s.membership.members.length;
  const attempt = s.joinAttempts;
  let target: NodeRef | null = s.contact;
  if ((target === null || attempt % 2 === 1) && size > 0) {
    target = memberAt(s.membership, Math.floor(attempt / 2) % Math.min(size, s.k + 1));
  }
  s.joinAttempts = attempt + 1;
  s.nextJoinAt = ctx.now + JOIN_RETRY_MS;
  if (target === null || target.id === s.self.id) return;
  ctx.send(target, MSG.join, {
    t: s.treeId,
    ref: s.self,
    hops: 0,
    e: s.membership.epoch,
    d: s.membership.digest,
    adm: s.admission,
  });
}
