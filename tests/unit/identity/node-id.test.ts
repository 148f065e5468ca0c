import { describe, expect, it } from 'vitest';
import { base32, isNodeId, nodeIdOf } from '../../../core/identity/node-id.ts';
import { fromHex, utf8 } from '../../../core/bytes.ts';

describe('node id', () => {
  it('encodes base32 as RFC 4648 does (lowercase, no padding)', () => {
    expect(base32(utf8('foobar'))).toBe('mzxw6ytboi');
    expect(base32(utf8('f'))).toBe('my');
    expect(base32(new Uint8Array(0))).toBe('');
  });

  it('is 16 printable characters, stable for a key and different for another key', () => {
    const a = nodeIdOf(fromHex('d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a'));
    const b = nodeIdOf(fromHex('3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c'));
    expect(a).toMatch(/^[a-z2-7]{16}$/);
    expect(nodeIdOf(fromHex('d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a'))).toBe(a);
    expect(b).not.toBe(a);
  });

  it('recognises only well-formed ids', () => {
    expect(isNodeId('abcdefghijklmnop')).toBe(true);
    expect(isNodeId('ABCDEFGHIJKLMNOP')).toBe(false);
    expect(isNodeId('abcdefghijklmno')).toBe(false);
    expect(isNodeId('abcdefghijklmn01')).toBe(false);
    expect(isNodeId(null)).toBe(false);
  });

  it('throws on a public key of the wrong length', () => {
    expect(() => nodeIdOf(new Uint8Array(10))).toThrow(/32 bytes/);
  });
});
