// Bucket listings over a real index: byte order, prefix, delimiter roll-up, max-keys pages that resume exactly
// where they stopped (keys and common prefixes together), and V1 markers that name a common prefix.
import { describe, expect, it } from 'vitest';
import { ObjectIndex } from '../../../node-relay/s3/object-index.ts';
import {
  continuationToken,
  listBucket,
  readContinuationToken,
  resumePoint,
  type ListRequest,
} from '../../../node-relay/s3/listing.ts';

function indexWith(keys: string[]): ObjectIndex {
  const index = new ObjectIndex(':memory:');
  index.createBucket('b', 0);
  for (const key of keys)
    index.putObject({
      bucket: 'b',
      key,
      size: 1,
      etag: 'e',
      contentType: 't',
      meta: {},
      mtime: 0,
      parts: [{ capability: `cap-${key}`, size: 1 }],
    });
  return index;
}

/** Every page of a listing, each as [keys and prefixes], following resumeAfter as a client follows tokens. */
function pages(index: ObjectIndex, req: Omit<ListRequest, 'after'>): string[][] {
  const out: string[][] = [];
  let after = '';
  for (let i = 0; i < 100; i++) {
    const r = listBucket(index, 'b', { ...req, after });
    out.push([...r.objects.map((o) => o.key), ...r.prefixes.map((p) => `P:${p}`)]);
    if (!r.truncated) return out;
    after = readContinuationToken(continuationToken(r.resumeAfter))!;
  }
  throw new Error('listing did not end');
}

const KEYS = [
  'a.txt',
  'photos/2024/a.jpg',
  'photos/2024/b.jpg',
  'photos/2025/c.jpg',
  'photos/top.jpg',
  'z',
  'é',
  '日本',
  'photos/2024',
];

describe('bucket listings', () => {
  it('lists in UTF-8 byte order, rolls up at the delimiter, and filters by prefix', () => {
    const index = indexWith(KEYS);
    const all = listBucket(index, 'b', { prefix: '', delimiter: '', after: '', maxKeys: 1000 });
    expect(all.objects.map((o) => o.key)).toEqual([
      'a.txt',
      'photos/2024',
      'photos/2024/a.jpg',
      'photos/2024/b.jpg',
      'photos/2025/c.jpg',
      'photos/top.jpg',
      'z',
      'é',
      '日本',
    ]);
    const top = listBucket(index, 'b', { prefix: '', delimiter: '/', after: '', maxKeys: 1000 });
    expect(top.objects.map((o) => o.key)).toEqual(['a.txt', 'z', 'é', '日本']);
    expect(top.prefixes).toEqual(['photos/']);
    const photos = listBucket(index, 'b', { prefix: 'photos/', delimiter: '/', after: '', maxKeys: 1000 });
    expect(photos.objects.map((o) => o.key)).toEqual(['photos/2024', 'photos/top.jpg']);
    expect(photos.prefixes).toEqual(['photos/2024/', 'photos/2025/']);
    expect(photos.truncated).toBe(false);
  });

  it('pages by max-keys, counting common prefixes, and resumes without repeats or gaps', () => {
    const index = indexWith(KEYS);
    expect(pages(index, { prefix: 'photos/', delimiter: '/', maxKeys: 1 })).toEqual([
      ['photos/2024'],
      ['P:photos/2024/'],
      ['P:photos/2025/'],
      ['photos/top.jpg'],
    ]);
    const flat = pages(index, { prefix: '', delimiter: '', maxKeys: 4 });
    expect(flat.map((p) => p.length)).toEqual([4, 4, 1]);
    expect(flat.flat()).toHaveLength(KEYS.length);
    expect(pages(index, { prefix: '', delimiter: '/', maxKeys: 2 }).flat()).toEqual([
      'a.txt',
      'P:photos/',
      'z',
      'é',
      '日本',
    ]);
  });

  it('resumes past a common prefix given as a V1 marker, and lists nothing for max-keys 0', () => {
    const index = indexWith(KEYS);
    const after = resumePoint('photos/2024/', 'photos/', '/');
    expect(listBucket(index, 'b', { prefix: 'photos/', delimiter: '/', after, maxKeys: 10 }).prefixes).toEqual([
      'photos/2025/',
    ]);
    expect(listBucket(index, 'b', { prefix: '', delimiter: '', after: '', maxKeys: 0 })).toMatchObject({
      objects: [],
      prefixes: [],
      truncated: false,
    });
    expect(readContinuationToken('not a token!')).toBeNull();
  });

  it('never lists the other bucket, and releases a capability only when no key references it', () => {
    const index = indexWith(['k']);
    index.createBucket('c', 0);
    const row = index.getObject('b', 'k')!;
    expect(index.putObject({ ...row, bucket: 'c' })).toEqual([]);
    expect(
      listBucket(index, 'c', { prefix: '', delimiter: '', after: '', maxKeys: 10 }).objects.map((o) => o.bucket),
    ).toEqual(['c']);
    expect(index.deleteObject('b', 'k')).toEqual([]); // the copy in c still references it
    expect(index.deleteObject('c', 'k')).toEqual(['cap-k']);
  });
});
