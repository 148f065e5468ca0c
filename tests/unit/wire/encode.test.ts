import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { generateIdentity } from '../../../core/identity/identity.ts';
import { encodeFrame } from '../../../core/wire/encode.ts';
import { FrameVerifier } from '../../../core/wire/verifier.ts';
import { LIMITS } from '../../../core/limits.ts';
import { toHex } from '../../../core/bytes.ts';

const NOW = 1_800_000_000_000;
const identity = (await generateIdentity()).identity;

const typeArb = fc.stringMatching(/^[a-z][a-z0-9.-]{0,20}$/);
const treeArb = fc.oneof(fc.constant(''), fc.stringMatching(/^[0-9a-f]{32}$/));
const toArb = fc.oneof(fc.constant(null), fc.stringMatching(/^[a-z2-7]{16}$/));
const bodyArb = fc.jsonValue({ maxDepth: 3 });
const payloadArb = fc.option(fc.uint8Array({ maxLength: 2048 }), { nil: undefined });

describe('encodeFrame', () => {
  it('round-trips every field through the verifier (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        typeArb,
        treeArb,
        toArb,
        bodyArb,
        payloadArb,
        fc.integer({ min: -1000, max: 1000 }),
        async (type, tree, to, body, payload, skew) => {
          const frame = await encodeFrame(
            { type, tree, to, body, ts: NOW + skew, ...(payload ? { payload } : {}) },
            identity,
          );
          const v = new FrameVerifier({ treeId: () => null, now: () => NOW });
          const result = await v.verify(frame);
          if (!result.ok) return false;
          const m = result.message;
          // JSON turns -0 into 0; compare through JSON as the receiver sees it.
          return (
            m.type === type &&
            m.tree === tree &&
            m.to === to &&
            m.ts === NOW + skew &&
            JSON.stringify(m.body) === JSON.stringify(body === undefined ? null : body) &&
            (m.payload ? toHex(m.payload) : '') === (payload ? toHex(payload) : '') &&
            m.fromId === identity.id
          );
        },
      ),
      { numRuns: 300 },
    );
  });

  it('gives every message a fresh random id unless one is given', async () => {
    const ids = new Set<string>();
    for (let i = 0; i < 50; i++) {
      const frame = await encodeFrame({ type: 'a', tree: '', to: null, body: null, ts: NOW }, identity);
      const r = await new FrameVerifier({ treeId: () => null, now: () => NOW }).verify(frame);
      if (r.ok) ids.add(r.message.id);
    }
    expect(ids.size).toBe(50);
  });

  it('throws on misuse: bad type, bad tree, bad recipient, bad time, oversized payload', async () => {
    const base = { type: 'a', tree: '', to: null, body: null, ts: NOW };
    await expect(encodeFrame({ ...base, type: 'Bad Type' }, identity)).rejects.toMatchObject({ code: 'BAD_INPUT' });
    await expect(encodeFrame({ ...base, tree: 'xyz' }, identity)).rejects.toMatchObject({ code: 'BAD_INPUT' });
    await expect(encodeFrame({ ...base, to: 'nobody' }, identity)).rejects.toMatchObject({ code: 'BAD_INPUT' });
    await expect(encodeFrame({ ...base, ts: -5 }, identity)).rejects.toMatchObject({ code: 'BAD_INPUT' });
    await expect(
      encodeFrame({ ...base, payload: new Uint8Array(LIMITS.maxPayloadBytes + 1) }, identity),
    ).rejects.toMatchObject({ code: 'TOO_LARGE' });
  });
});
