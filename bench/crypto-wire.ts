// Suite: sign, verify, hash and frame encode/decode throughput, each beside the pure-@noble baseline of the same run.
import { ed25519 } from '@noble/curves/ed25519.js';
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';
import { createWebCryptoEd25519, nobleEd25519 } from '../core/crypto/ed25519.ts';
import { sha256 } from '../core/crypto/sha256.ts';
import { identityFromSeed } from '../core/identity/identity.ts';
import { encodeFrame } from '../core/wire/encode.ts';
import { FrameVerifier } from '../core/wire/verifier.ts';
import { rate as measureRate, result, type BenchResult } from './measure.ts';

const MiB = 1024 * 1024;

export async function cryptoWireSuite(quick = false): Promise<BenchResult[]> {
  const out: BenchResult[] = [];
  // --quick: a tenth of the operations and fewer samples (it only has to run, not to be precise).
  const rate = (op: () => unknown, o: Parameters<typeof measureRate>[1]) =>
    measureRate(
      op,
      quick
        ? {
            ...o,
            count: Math.max(5, Math.round(o.count / 10)),
            samples: Math.min(o.samples ?? 7, 3),
            warmup: Math.min(o.warmup ?? 2, 1),
          }
        : o,
    );
  const seed = crypto.getRandomValues(new Uint8Array(32));
  const message = crypto.getRandomValues(new Uint8Array(256));
  const web = createWebCryptoEd25519(crypto.subtle);
  const publicKey = ed25519.getPublicKey(seed);
  const signature = ed25519.sign(message, seed);

  // Sign.
  const signWeb = await rate(() => web.sign({ kind: 'seed', seed }, message), { count: 2000 });
  const signNoble = await rate(() => nobleEd25519.sign({ kind: 'seed', seed }, message), { count: 200 });
  out.push(
    result('ed25519 sign (WebCrypto)', signWeb, 'ops/s', 'higher', { name: 'ed25519 sign (@noble)', value: signNoble }),
  );

  // Verify, one at a time and 16 in flight.
  const verifyWeb = await rate(() => web.verify(publicKey, message, signature), { count: 2000 });
  const verifyWeb16 = await rate(() => web.verify(publicKey, message, signature), { count: 4000, inFlight: 16 });
  const verifyNoble = await rate(() => nobleEd25519.verify(publicKey, message, signature), { count: 200 });
  out.push(
    result('ed25519 verify (WebCrypto)', verifyWeb, 'ops/s', 'higher', {
      name: 'ed25519 verify (@noble)',
      value: verifyNoble,
    }),
  );
  out.push(
    result('ed25519 verify (WebCrypto, 16 in flight)', verifyWeb16, 'ops/s', 'higher', {
      name: 'ed25519 verify (@noble)',
      value: verifyNoble,
    }),
  );

  // SHA-256 of 1 MiB (one reused buffer: fresh 1 MiB allocations per call distort the figure).
  const block = new Uint8Array(MiB).fill(0x5a);
  const hashWeb = await rate(() => sha256(block), { count: 200 });
  const hashNoble = await rate(() => nobleSha256(block), { count: 20 });
  out.push(
    result('sha-256 1 MiB (WebCrypto)', hashWeb, 'MiB/s', 'higher', {
      name: 'sha-256 1 MiB (@noble/hashes)',
      value: hashNoble,
    }),
  );

  // Frame encode and verify+decode: small control message and 1 MiB shard payload.
  const identity = await identityFromSeed(seed);
  const nobleIdentity = await identityFromSeed(seed, nobleEd25519);
  const tree = 'ab'.repeat(16);
  const now = Date.now();
  const small = { type: 'bench.small', tree, to: null, body: { hash: 'ff'.repeat(32), n: 1 }, ts: now };
  const big = { ...small, type: 'bench.big', payload: block };
  const encSmall = await rate(() => encodeFrame(small, identity), { count: 2000 });
  const encSmallNoble = await rate(() => encodeFrame(small, nobleIdentity), { count: 200 });
  out.push(
    result('frame encode, control message', encSmall, 'frames/s', 'higher', {
      name: 'same with @noble signing',
      value: encSmallNoble,
    }),
  );
  const encBig = await rate(() => encodeFrame(big, identity), { count: 100 });
  out.push(
    result('frame encode, 1 MiB payload', encBig, 'MiB/s', 'higher', {
      name: 'sha-256 1 MiB (WebCrypto)',
      value: hashWeb,
    }),
  );

  const smallFrames = await Promise.all(Array.from({ length: 2000 }, () => encodeFrame(small, identity)));
  let i = 0;
  const v = new FrameVerifier({ treeId: () => tree, now: () => now });
  const decSmall = await rate(() => v.verify(smallFrames[i++ % smallFrames.length]!), {
    count: 2000,
    samples: 1,
    warmup: 0,
  });
  const nobleFrames = smallFrames.slice(0, 200);
  let j = 0;
  const nobleDecode = await rate(
    async () => {
      const f = nobleFrames[j++ % nobleFrames.length]!;
      // Same checks, with @noble's SHA-256 and Ed25519 instead of WebCrypto's.
      const h = new DataView(f.buffer, f.byteOffset).getUint32(4);
      const header = f.subarray(8, 8 + h);
      JSON.parse(new TextDecoder().decode(header));
      const tag = new TextEncoder().encode('peertree/frame/v1\u0000');
      const signed = new Uint8Array(tag.length + 4 + h + 32);
      signed.set(tag);
      new DataView(signed.buffer).setUint32(tag.length, h);
      signed.set(header, tag.length + 4);
      signed.set(nobleSha256(f.subarray(12 + h, f.length - 64)), tag.length + 4 + h);
      return ed25519.verify(f.subarray(f.length - 64), signed, identity.publicKey);
    },
    { count: 200 },
  );
  out.push(
    result('frame verify+decode, control message', decSmall, 'frames/s', 'higher', {
      name: 'same with @noble',
      value: nobleDecode,
    }),
  );

  const bigFrames = await Promise.all(Array.from({ length: 60 }, () => encodeFrame(big, identity)));
  let k = 0;
  const vb = new FrameVerifier({ treeId: () => tree, now: () => now });
  const decBig = await rate(() => vb.verify(bigFrames[k++]!), { count: 60, samples: 1, warmup: 0 });
  out.push(
    result('frame verify+decode, 1 MiB payload', decBig, 'MiB/s', 'higher', {
      name: 'sha-256 1 MiB (WebCrypto)',
      value: hashWeb,
    }),
  );
  return out;
}
