// Suite 6: signed messages per second through one relay. Clients send `peer.ping` requests on several links
// with many in flight; the relay verifies each frame (Ed25519 + SHA-256), dispatches it and signs a reply.
import { generateIdentity } from '../core/identity/index.ts';
import { FrameVerifier, HANDSHAKE_TYPES } from '../core/wire/index.ts';
import { createNodeEd25519 } from '../node-relay/crypto/node-ed25519.ts';
import { connect } from '../node-relay/ws/connector.ts';
import type { Link } from '../node-relay/ws/link.ts';
import { startRelay, tempDir } from './cluster.ts';
import { median } from './measure.ts';

/** The relay's per-key message rate (--rate-limit): far above what one machine can send, so the suite
 * measures the relay's verify/dispatch/sign path, not the default limit of 500 messages/s per key. */
const BENCH_RATE_LIMIT = 1_000_000;

export async function messagesSuite(opts: {
  count: number;
  samples: number;
  links?: number;
  inFlight?: number;
}): Promise<number> {
  const relay = await startRelay(tempDir('messages'), ['--rate-limit', String(BENCH_RATE_LIMIT)]);
  // The clients are a Node process too: they sign requests and verify replies with the provider the relay uses
  // (node:crypto), so that less of the shared CPU goes to the load generator. Only these links use it.
  const ed25519 = createNodeEd25519();
  const verifier = new FrameVerifier({
    treeId: () => relay.ready.treeId,
    now: () => Date.now(),
    treeExemptTypes: HANDSHAKE_TYPES,
    verifySignature: (key, message, signature) => ed25519.verify(key, message, signature),
  });
  const nLinks = opts.links ?? 4;
  const inFlight = opts.inFlight ?? 32;
  const links: Link[] = [];
  try {
    for (let i = 0; i < nLinks; i++)
      links.push(await connect(relay.ready.url, { identity: (await generateIdentity(ed25519)).identity, verifier }));
    let nonce = 0;
    const run = async (count: number): Promise<number> => {
      let started = 0;
      const t = performance.now();
      const worker = async (link: Link) => {
        while (started < count) {
          started++;
          await link.request('peer.ping', { nonce: `n${nonce++}` }, 30_000);
        }
      };
      await Promise.all(links.flatMap((l) => Array.from({ length: inFlight }, () => worker(l))));
      return count / ((performance.now() - t) / 1000);
    };
    await run(Math.min(opts.count, 500)); // warm-up
    const rates: number[] = [];
    for (let s = 0; s < opts.samples; s++) rates.push(await run(opts.count));
    return median(rates);
  } finally {
    for (const l of links) l.close(1000, 'done');
    relay.proc.kill('SIGKILL');
  }
}
