// Anti-entropy of deletes: a relay that released a shard hands the owners' own signed releases of it to a relay
// that still holds a copy (one that missed the release, e.g. it was down when the owner deleted the file). The
// relay learns that the other still holds it from that relay's audit of it (ShardAudits.onAudit), and passes
// on nothing but what the owners signed: the holder checks each release as any other (`shard.unpin`, local: the
// owner's signature, and newer than the pin it holds), so a relay never vouches for a release.
import { toPeerTreeError } from '../../core/errors.ts';
import { RELEASE_PUSH_TIMEOUT_MS, RELEASES_PUSHED_PER_AUDIT } from '../../core/limits.ts';
import { UNPIN } from '../../core/protocol/shard-messages.ts';
import type { Logger } from '../log-contract.ts';
import type { Link } from '../ws/link.ts';
import type { PinIndex } from './pin-index.ts';

/**
 * Sends `link`'s relay the owners' signed releases of `hash` kept in `pins` (the newest RELEASES_PUSHED_PER_AUDIT)
 * and waits for its answers, at most RELEASE_PUSH_TIMEOUT_MS (or `timeoutMs` when shorter), so that the audit it
 * came with is still answered in time. A refusal is only logged: the next audit hands them again. Returns how
 * many releases were sent.
 */
export async function handOnReleases(
  pins: Pick<PinIndex, 'signedReleases'>,
  link: Pick<Link, 'request' | 'peerId'>,
  hash: string,
  timeoutMs: number,
  logger: Logger,
): Promise<number> {
  const releases = pins.signedReleases(hash, RELEASES_PUSHED_PER_AUDIT);
  if (releases.length === 0) return 0;
  const timeout = Math.min(timeoutMs, RELEASE_PUSH_TIMEOUT_MS);
  const results = await Promise.allSettled(
    releases.map((unpin) => link.request(UNPIN, { unpin, local: true }, timeout)),
  );
  for (const r of results)
    if (r.status === 'rejected')
      logger.debug('a release handed on was not taken', {
        to: link.peerId,
        hash,
        error: toPeerTreeError(r.reason).message,
      });
  return releases.length;
}
