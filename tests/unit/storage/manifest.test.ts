import { describe, expect, it } from 'vitest';
import {
  cleanFileName,
  inlineShard,
  parseManifest,
  serializeManifest,
  storedShards,
  validateManifest,
} from '../../../core/storage/manifest.ts';
import { toBase64Url, toHex, utf8 } from '../../../core/bytes.ts';
import { MAX_INLINE_STORED_BYTES } from '../../../core/limits.ts';

const good = {
  v: 1,
  name: 'a.txt',
  size: 5000,
  type: 'text/plain',
  hash: 'aa'.repeat(32),
  shardSize: 4096,
  shards: ['bb'.repeat(32), 'cc'.repeat(32)],
  enc: null,
};

describe('manifest', () => {
  it('serializes with a fixed field order whatever order the object was built in', () => {
    const shuffled = {
      enc: null,
      shards: good.shards,
      shardSize: 4096,
      hash: good.hash,
      type: 'text/plain',
      size: 5000,
      name: 'a.txt',
      v: 1 as const,
    };
    expect(new TextDecoder().decode(serializeManifest(validateManifest(shuffled)))).toBe(
      new TextDecoder().decode(serializeManifest(validateManifest(good))),
    );
    expect(parseManifest(serializeManifest(validateManifest(good)))).toEqual(good);
  });

  it('refuses hostile manifests with BAD_INPUT', () => {
    const cases = [
      null,
      [],
      { ...good, v: 2 },
      { ...good, name: '../x' },
      { ...good, size: -1 },
      { ...good, type: 'text/<script>' },
      { ...good, shards: [good.hash] },
      { ...good, shardSize: 1 },
      { ...good, enc: { alg: 'ROT13' } },
      { ...good, hash: 'zz' },
    ];
    for (const c of cases)
      expect(() => validateManifest(c), JSON.stringify(c)).toThrow(expect.objectContaining({ code: 'BAD_INPUT' }));
    expect(() => parseManifest(utf8('{'))).toThrow(expect.objectContaining({ code: 'BAD_INPUT' }));
    expect(() => parseManifest(Uint8Array.of(0xff))).toThrow(expect.objectContaining({ code: 'BAD_INPUT' }));
  });

  it('serializes a manifest without inline data exactly as before the field existed, so old hashes still match', () => {
    const text = new TextDecoder().decode(serializeManifest(validateManifest(good)));
    expect(text).toBe(
      `{"v":1,"name":"a.txt","size":5000,"type":"text/plain","hash":"${good.hash}","shardSize":4096,"shards":["${good.shards[0]}","${good.shards[1]}"],"enc":null}`,
    );
    expect(storedShards(validateManifest(good))).toEqual(good.shards);
    expect(inlineShard(validateManifest(good), 0)).toBeNull();
  });

  it('keeps inline data of a one-shard file last, and counts its shard as not stored on its own', () => {
    const data = Uint8Array.of(1, 2, 3, 250);
    const small = { ...good, size: 4, shards: [good.shards[0]!], inline: toBase64Url(data) };
    const m = parseManifest(serializeManifest(validateManifest(small)));
    expect(m).toEqual(small);
    expect(new TextDecoder().decode(serializeManifest(m))).toMatch(/"enc":null,"inline":"AQID-g"}$/);
    expect(toHex(inlineShard(m, 0)!)).toBe(toHex(data));
    expect(storedShards(m)).toEqual([]);
  });

  it('refuses inline data that is not base64url, too large, or in a file of several shards', () => {
    const small = { ...good, size: 4, shards: [good.shards[0]!] };
    const tooLarge = toBase64Url(new Uint8Array(MAX_INLINE_STORED_BYTES + 1));
    for (const c of [
      { ...small, inline: 'a+b/' },
      { ...small, inline: 7 },
      { ...small, inline: 'a' },
      { ...small, inline: tooLarge },
      { ...good, inline: 'AQID' },
    ]) {
      expect(() => validateManifest(c), JSON.stringify(c).slice(0, 200)).toThrow(
        expect.objectContaining({ code: 'BAD_INPUT' }),
      );
    }
  });

  it('cleans file names to a bare name', () => {
    expect(cleanFileName('C:\\Users\\me\\photo.png')).toBe('photo.png');
    expect(cleanFileName('..')).toBe('file');
    expect(cleanFileName('a\u0000b')).toBe('ab');
  });
});
