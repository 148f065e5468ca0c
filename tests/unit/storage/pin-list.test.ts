import { describe, expect, it } from 'vitest';
import {
  PIN_LIST_BYTES,
  pinListBytes,
  readPinList,
  signPinList,
  verifyPinList,
} from '../../../core/storage/pin-list.ts';
import { readListed } from '../../../core/protocol/shard-messages.ts';
import { generateIdentity } from '../../../core/identity/identity.ts';
import { PeerTreeError } from '../../../core/errors.ts';

const owner = (await generateIdentity()).identity;
const other = (await generateIdentity()).identity;
const h = (byte: string) => byte.repeat(32);

describe('pin-list statements', () => {
  it('have a fixed 61-byte layout under their own domain tag', () => {
    const bytes = pinListBytes(owner.publicKey, 1000);
    expect(bytes.length).toBe(PIN_LIST_BYTES);
    expect(new TextDecoder().decode(bytes.slice(0, 20))).toBe('peertree/pin-list/v1');
    expect(bytes[20]).toBe(0);
  });

  it('verify when signed by the owner they name', async () => {
    const list = await signPinList(owner, 1000);
    expect(await verifyPinList(list)).toBe(true);
    expect(readPinList(JSON.parse(JSON.stringify(list)))).toEqual(list);
  });

  it('do not verify with another time or when another key claims them', async () => {
    const list = await signPinList(owner, 1000);
    expect(await verifyPinList({ ...list, ts: 1001 })).toBe(false);
    expect(await verifyPinList({ ...list, owner: Buffer.from(other.publicKey).toString('hex') })).toBe(false);
  });

  it('are refused when malformed', () => {
    for (const v of [
      null,
      'x',
      {},
      { owner: 'ab'.repeat(32), ts: -1, sig: 'ab'.repeat(64) },
      { owner: 'AB'.repeat(32), ts: 1, sig: 'ab'.repeat(64) },
      { owner: 'ab'.repeat(32), ts: 1, sig: 'ab' },
    ]) {
      expect(readPinList(v)).toBeNull();
    }
  });
});

describe("a relay's page of pins, as the client checks it", () => {
  const pin = (hash: string) => ({ hash, size: 10, ts: 5 });

  it('is taken when hashes ascend after the cursor and next is the last one listed', () => {
    expect(readListed({ pins: [pin(h('01')), pin(h('02'))], next: h('02') }, null, 2)).toEqual({
      pins: [pin(h('01')), pin(h('02'))],
      next: h('02'),
    });
    expect(readListed({ pins: [], next: null }, h('05'), 2)).toEqual({ pins: [], next: null });
  });

  it('is refused when it goes backwards, repeats, overruns the limit or never ends', () => {
    const bad = [
      [{ pins: [pin(h('02')), pin(h('01'))], next: null }, null],
      [{ pins: [pin(h('01')), pin(h('01'))], next: null }, null],
      [{ pins: [pin(h('01'))], next: null }, h('05')],
      [{ pins: [pin(h('01')), pin(h('02')), pin(h('03'))], next: null }, null],
      [{ pins: [pin(h('01'))], next: h('09') }, null],
      [{ pins: [{ hash: h('01'), size: -1, ts: 0 }], next: null }, null],
      [null, null],
    ] as const;
    for (const [body, after] of bad) expect(() => readListed(body, after, 2)).toThrow(PeerTreeError);
  });
});
