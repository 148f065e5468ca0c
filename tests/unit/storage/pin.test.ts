import { describe, expect, it } from 'vitest';
import { readPin, signPin, verifyPin } from '../../../core/storage/pin.ts';
import { generateIdentity } from '../../../core/identity/identity.ts';

const owner = (await generateIdentity()).identity;
const other = (await generateIdentity()).identity;
const HASH = 'cd'.repeat(32);

describe('pin statements', () => {
  it('verify when signed by their owner', async () => {
    const pin = await signPin(owner, 'pin', HASH, 1000);
    expect(await verifyPin(pin)).toBe(true);
    expect(readPin(JSON.parse(JSON.stringify(pin)))).toEqual(pin);
  });

  it('do not verify when any field is changed or another key claims them', async () => {
    const pin = await signPin(owner, 'unpin', HASH, 1000);
    expect(await verifyPin({ ...pin, op: 'pin' })).toBe(false);
    expect(await verifyPin({ ...pin, ts: 1001 })).toBe(false);
    expect(await verifyPin({ ...pin, hash: 'ce'.repeat(32) })).toBe(false);
    expect(await verifyPin({ ...pin, owner: Buffer.from(other.publicKey).toString('hex') })).toBe(false);
  });

  it('are refused when malformed', () => {
    for (const v of [
      null,
      1,
      {},
      { op: 'pin', hash: HASH, owner: 'x', ts: 1, sig: 'y' },
      { op: 'drop', hash: HASH, owner: 'ab'.repeat(32), ts: 1, sig: 'ab'.repeat(64) },
    ]) {
      expect(readPin(v)).toBeNull();
    }
  });
});
