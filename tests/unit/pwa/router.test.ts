// Hash routes: every route parses from what hrefOf makes, and text that is not a route is "not found".
import { describe, expect, it } from 'vitest';
import { linkKeyPair, linkOfferText, readLinkOffer } from '../../../core/identity/device-link.ts';
import { hrefOf, isLinkOfferText, parseRoute, type Route } from '../../../pwa/src/ui/router.ts';

const box = new Uint8Array(32).fill(0xab);
const offer = linkOfferText({ box, publicKey: linkKeyPair(new Uint8Array(32).fill(9)).publicKey });

describe('parseRoute', () => {
  it('reads the fixed routes, with or without the leading "#"', () => {
    expect(parseRoute('')).toEqual({ name: 'files' });
    expect(parseRoute('#/')).toEqual({ name: 'files' });
    expect(parseRoute('#/network')).toEqual({ name: 'network' });
    expect(parseRoute('/device')).toEqual({ name: 'device' });
    expect(parseRoute('#/search')).toEqual({ name: 'search', query: '' });
    expect(parseRoute('#/search/holiday%20photos')).toEqual({ name: 'search', query: 'holiday photos' });
  });

  it('reads the albums list, one album by id and one S3 bucket by name', () => {
    expect(parseRoute('#/albums')).toEqual({ name: 'albums' });
    expect(parseRoute(`#/albums/${'0f'.repeat(16)}`)).toEqual({ name: 'albums', album: '0f'.repeat(16) });
    expect(parseRoute('#/buckets/my-bucket')).toEqual({ name: 'albums', bucket: 'my-bucket' });
    for (const bad of ['#/albums/xyz', `#/albums/${'0F'.repeat(16)}`, '#/buckets/%zz', '#/buckets/a/b'])
      expect(parseRoute(bad).name, bad).toBe('not-found');
  });

  it('reads a device link and gives its offer text, which device-link.ts reads back', () => {
    const route = parseRoute(`#/link/${offer}`);
    expect(route).toEqual({ name: 'link', offer });
    if (route.name !== 'link') throw new Error('not a link route');
    expect(readLinkOffer(route.offer).box).toEqual(box);
    expect(isLinkOfferText(offer)).toBe(true);
  });

  it('treats text that is not a link offer as not found', () => {
    const [boxHex, keyHex] = offer.split('.') as [string, string];
    for (const bad of [
      '',
      boxHex,
      `${boxHex}.`,
      `${boxHex}.${keyHex.slice(2)}`,
      `${boxHex}.${keyHex}0`,
      `${boxHex.toUpperCase()}.${keyHex}`,
      `${boxHex}:${keyHex}`,
      `${boxHex}.${keyHex}/extra`,
      `${boxHex}%2E${keyHex}`,
      `${boxHex}.${keyHex.slice(1)}g`,
    ]) {
      expect(parseRoute(`#/link/${bad}`)).toEqual({ name: 'not-found', path: `/link/${bad}` });
    }
    expect(parseRoute('#/link')).toEqual({ name: 'not-found', path: '/link' });
  });

  it('keeps a bad percent-encoding or an unknown path as not found', () => {
    expect(parseRoute('#/search/%E0%A4%A')).toEqual({ name: 'not-found', path: '/search/%E0%A4%A' });
    expect(parseRoute('#/open/%zz')).toEqual({ name: 'not-found', path: '/open/%zz' });
    expect(parseRoute('#/elsewhere')).toEqual({ name: 'not-found', path: '/elsewhere' });
  });
});

describe('hrefOf', () => {
  it('makes hrefs that parse back to the same route', () => {
    const routes: Route[] = [
      { name: 'files' },
      { name: 'network' },
      { name: 'device' },
      { name: 'search', query: '' },
      { name: 'search', query: 'a/b c?' },
      { name: 'open', capability: 'pt1.abc:def' },
      { name: 'link', offer },
      { name: 'albums' },
      { name: 'albums', album: 'ab'.repeat(16) },
      { name: 'albums', bucket: 'photos 2024/ä' },
    ];
    for (const route of routes) expect(parseRoute(hrefOf(route))).toEqual(route);
    expect(hrefOf({ name: 'link', offer })).toBe(`#/link/${offer}`);
  });
});
