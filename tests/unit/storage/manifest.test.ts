import { describe, expect, it } from 'vitest';
import { cleanFileName, parseManifest, serializeManifest, validateManifest } from '../../../core/storage/manifest.ts';
import { utf8 } from '../../../core/bytes.ts';

const good = { v: 1, name: 'a.txt', size: 5000, type: 'text/plain', hash: 'aa'.repeat(32), shardSize: 4096, shards: ['bb'.repeat(32), 'cc'.repeat(32)], enc: null };

describe('manifest', () => {
  it('serializes with a fixed field order whatever order the object was built in', () => {
    const shuffled = { enc: null, shards: good.shards, shardSize: 4096, hash: good.hash, type: 'text/plain', size: 5000, name: 'a.txt', v: 1 as const };
    expect(new TextDecoder().decode(serializeManifest(validateManifest(shuffled)))).toBe(new TextDecoder().decode(serializeManifest(validateManifest(good))));
    expect(parseManifest(serializeManifest(validateManifest(good)))).toEqual(good);
  });

  it('refuses hostile manifests with BAD_INPUT', () => {
    const cases = [null, [], { ...good, v: 2 }, { ...good, name: '../x' }, { ...good, size: -1 }, { ...good, type: 'text/<script>' }, { ...good, shards: [good.hash] }, { ...good, shardSize: 1 }, { ...good, enc: { alg: 'ROT13' } }, { ...good, hash: 'zz' }];
    for (const c of cases) expect(() => validateManifest(c), JSON.stringify(c)).toThrow(expect.objectContaining({ code: 'BAD_INPUT' }));
    expect(() => parseManifest(utf8('{'))).toThrow(expect.objectContaining({ code: 'BAD_INPUT' }));
    expect(() => parseManifest(Uint8Array.of(0xff))).toThrow(expect.objectContaining({ code: 'BAD_INPUT' }));
  });

  it('cleans file names to a bare name', () => {
    expect(cleanFileName('C:\\Users\\me\\photo.png')).toBe('photo.png');
    expect(cleanFileName('..')).toBe('file');
    expect(cleanFileName('a\u0000b')).toBe('ab');
  });
});
