// The library record's fixed layout, encryption and signature, and the head acceptance rule.
import { describe, expect, it } from 'vitest';
import { fromHex, toHex, utf8 } from '../../../core/bytes.ts';
import { sha256 } from '../../../core/crypto/sha256.ts';
import { generateIdentity } from '../../../core/identity/index.ts';
import { addedEntry } from '../../../core/library/merge.ts';
import {
  judgeHead,
  LIBRARY_RECORD_TAG,
  readEntry,
  newLibraryKey,
  openRecord,
  readHead,
  sealRecord,
  signHead,
  verifyRecord,
  headBytes,
  newestHead,
} from '../../../core/library/record.ts';

const CAP = `pt1.${'ab'.repeat(32)}.${'A'.repeat(43)}`;
const entry = addedEntry({ cap: CAP, name: 'photo.jpg', type: 'image/jpeg', size: 1234, date: 1000 }, 1000);

describe('library record', () => {
  it('has the fixed layout, is signed by the owner and decrypts with the library key', async () => {
    const { identity } = await generateIdentity();
    const key = newLibraryKey();
    const { bytes, hash } = await sealRecord(identity, key, { version: 1, prev: null }, [entry]);
    expect(hash).toBe(toHex(await sha256(bytes)));
    expect(bytes.subarray(0, LIBRARY_RECORD_TAG.length)).toEqual(LIBRARY_RECORD_TAG);
    expect(toHex(bytes.subarray(20, 52))).toBe(toHex(identity.publicKey));
    expect(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(52, false)).toBe(1n);
    expect(bytes.subarray(60, 92)).toEqual(new Uint8Array(32));
    // No plaintext in the record.
    expect(Buffer.from(bytes).includes(Buffer.from('photo.jpg'))).toBe(false);
    const opened = await openRecord(bytes, key, toHex(identity.publicKey));
    expect(opened).toMatchObject({ version: 1, prev: null, entries: [entry] });

    const next = await sealRecord(identity, key, { version: 2, prev: hash }, []);
    expect(await verifyRecord(next.bytes)).toEqual({ owner: toHex(identity.publicKey), version: 2, prev: hash });
  });

  it('refuses a changed byte, another key, another owner and a wrong library key', async () => {
    const { identity } = await generateIdentity();
    const { identity: other } = await generateIdentity();
    const key = newLibraryKey();
    const { bytes } = await sealRecord(identity, key, { version: 1, prev: null }, [entry]);
    const owner = toHex(identity.publicKey);
    for (const at of [25, 55, 95, 110, bytes.length - 70, bytes.length - 1]) {
      const changed = bytes.slice();
      changed[at]! ^= 1;
      await expect(openRecord(changed, key, owner)).rejects.toThrow();
    }
    await expect(verifyRecord(bytes, toHex(other.publicKey))).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(openRecord(bytes, newLibraryKey(), owner)).rejects.toMatchObject({ code: 'HASH_MISMATCH' });
    // The same layout signed by someone else under the owner's key does not verify.
    const forged = (await sealRecord(other, key, { version: 1, prev: null }, [entry])).bytes;
    forged.set(identity.publicKey, 20);
    await expect(verifyRecord(forged)).rejects.toMatchObject({ code: 'BAD_SIGNATURE' });
    await expect(openRecord(utf8('{"v":1}'), key, owner)).rejects.toMatchObject({ code: 'BAD_INPUT' });
    await expect(sealRecord(identity, key, { version: 2, prev: null }, [])).rejects.toMatchObject({
      code: 'BAD_INPUT',
    });
  });
});

describe('library record entries with thumbnails', () => {
  const thumbs = {
    grid: `pt1.${'cd'.repeat(32)}.${'B'.repeat(43)}`,
    screen: `pt1.${'ef'.repeat(32)}.${'C'.repeat(43)}`,
  };

  it('round-trips thumbnails and the date taken, and still reads entries without them', async () => {
    const { identity } = await generateIdentity();
    const key = newLibraryKey();
    const photo = { ...entry, thumbs, taken: 1_600_000_000_000 };
    const { bytes } = await sealRecord(identity, key, { version: 1, prev: null }, [
      photo,
      { ...entry, cap: `pt1.${'12'.repeat(32)}` },
    ]);
    const opened = await openRecord(bytes, key, toHex(identity.publicKey));
    expect(opened.entries.find((e) => e.cap === CAP)).toEqual(photo);
    expect(opened.entries.find((e) => e.cap !== CAP)).not.toHaveProperty('thumbs');
  });

  it('refuses a thumbnail that is not a capability, and ignores fields it does not know', () => {
    expect(() => readEntry({ ...entry, thumbs: { grid: 'http://x', screen: thumbs.screen } })).toThrow(/thumbs.grid/);
    expect(() => readEntry({ ...entry, thumbs: 'x' })).toThrow(/thumbs/);
    expect(() => readEntry({ ...entry, taken: -1 })).toThrow(/taken/);
    expect(readEntry({ ...entry, album: 'later' })).toEqual(entry);
  });
});

describe('library head', () => {
  it('signs the fixed layout', async () => {
    const { identity } = await generateIdentity();
    const h = await signHead(identity, 3, 'cd'.repeat(32), 77);
    const bytes = headBytes(identity.publicKey, 3, h.record, 77);
    expect(bytes.length).toBe(25 + 32 + 8 + 32 + 8);
    expect(toHex(bytes.subarray(57, 65))).toBe('0000000000000003');
    expect(readHead(JSON.parse(JSON.stringify(h)))).toEqual(h);
  });

  it('accepts only a newer seq signed by the owner', async () => {
    const { identity } = await generateIdentity();
    const { identity: other } = await generateIdentity();
    const r1 = '11'.repeat(32);
    const r2 = '22'.repeat(32);
    const h1 = await signHead(identity, 1, r1, 1);
    const h2 = await signHead(identity, 2, r2, 2);
    expect(await judgeHead(null, h1)).toEqual({ accept: true, changed: true });
    expect(await judgeHead(h1, h2)).toEqual({ accept: true, changed: true });
    expect(await judgeHead(h2, h2)).toEqual({ accept: true, changed: false });
    // Older seq: a rollback.
    expect(await judgeHead(h2, h1)).toMatchObject({ accept: false, code: 'CONFLICT' });
    // Same seq, another record.
    expect(await judgeHead(h2, await signHead(identity, 2, r1, 3))).toMatchObject({ accept: false, code: 'CONFLICT' });
    // Another key's head for this owner's slot, and one claiming the owner's key but signed by another.
    expect(await judgeHead(h1, await signHead(other, 5, r1, 1))).toMatchObject({ accept: false, code: 'BAD_INPUT' });
    const forged = { ...(await signHead(other, 5, r1, 1)), owner: toHex(identity.publicKey) };
    expect(await judgeHead(h1, forged)).toMatchObject({ accept: false, code: 'BAD_SIGNATURE' });
    // A changed seq breaks the signature.
    expect(await judgeHead(h1, { ...h2, seq: 9 })).toMatchObject({ accept: false, code: 'BAD_SIGNATURE' });
    expect(await judgeHead(null, { ...h1, sig: 'zz' })).toMatchObject({ accept: false, code: 'BAD_INPUT' });
    expect(await judgeHead(null, h1, toHex(other.publicKey))).toMatchObject({ accept: false, code: 'BAD_INPUT' });
    expect(newestHead([h1, null, h2])).toEqual(h2);
    expect(fromHex(h1.owner)).toEqual(identity.publicKey);
  });
});
