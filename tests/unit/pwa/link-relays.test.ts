// Share links that name other relays: `#/open/CAP?via=…` parses back to the same relays, bounded, http(s) only.
import { describe, expect, it } from 'vitest';
import { MAX_LINK_RELAYS, MAX_VIA_TEXT } from '../../../core/limits.ts';
import { formatVia, otherRelays, parseVia } from '../../../pwa/src/sync/link-relays.ts';
import { hrefOf, parseRoute } from '../../../pwa/src/ui/router.ts';

const CAP = `pt1.${'ab'.repeat(32)}.${'A'.repeat(43)}`;
const enc = (s: string): string => encodeURIComponent(s);

describe('the via list of a share link', () => {
  it('round-trips through the route', () => {
    const via = ['https://relay-b.example:8443', 'http://127.0.0.1:41234'];
    const href = hrefOf({ name: 'open', capability: CAP, via });
    expect(href).toBe(`#/open/${CAP}?via=${enc(via[0]!)},${enc(via[1]!)}`);
    expect(parseRoute(href)).toEqual({ name: 'open', capability: CAP, via });
  });

  it('is absent for a link without one, and the capability still opens', () => {
    expect(parseRoute(`#/open/${CAP}`)).toEqual({ name: 'open', capability: CAP });
    expect(parseRoute(`#/open/${CAP}?`)).toEqual({ name: 'open', capability: CAP });
    expect(parseRoute(`#/open/${CAP}?other=1`)).toEqual({ name: 'open', capability: CAP });
    expect(hrefOf({ name: 'open', capability: CAP, via: [] })).toBe(`#/open/${CAP}`);
  });

  it('keeps only http(s) origins: no other schemes, paths, credentials or junk', () => {
    const hostile = [
      'javascript:alert(1)',
      'data:text/html,x',
      'file:///etc/passwd',
      'https://u:p@evil.example',
      'ftp://x.example',
      '%zz',
      '',
      'not a url',
    ];
    expect(parseVia(`via=${hostile.map(enc).join(',')},${enc('%zz')}`)).toEqual([]);
    expect(parseVia(`via=${enc('https://relay.example/path?q=1#h')}`)).toEqual(['https://relay.example']);
    expect(parseVia(`via=${enc('HTTPS://Relay.Example:443')}`)).toEqual(['https://relay.example']);
    expect(parseVia('via=%E0%A4%A')).toEqual([]);
  });

  it('is bounded: at most the limit of relays, no duplicates, long text ignored', () => {
    const many = Array.from({ length: 10 }, (_, i) => `https://r${i}.example`);
    expect(parseVia(`via=${many.map(enc).join(',')}`)).toEqual(many.slice(0, MAX_LINK_RELAYS));
    expect(parseVia(`via=${enc(many[0]!)},${enc(many[0]!)}`)).toEqual([many[0]]);
    expect(parseVia(`via=${enc(`https://${'a'.repeat(300)}.example`)}`)).toEqual([]);
    expect(parseVia(`via=${'x'.repeat(MAX_VIA_TEXT + 1)}`)).toEqual([]);
    expect(formatVia(many)).toBe(`via=${many.slice(0, MAX_LINK_RELAYS).map(enc).join(',')}`);
    // A capability with a percent-encoded "?" is not one: the route is not found.
    expect(parseRoute(`#/open/${CAP}%3Fvia=x`).name).toBe('not-found');
  });

  it('names the other members of the tree, not the relay the link points at', () => {
    const members = [
      { url: 'http://127.0.0.1:1000' },
      { url: 'http://127.0.0.1:2000/' },
      { url: 'ws://127.0.0.1:3000' },
      { url: 'http://127.0.0.1:4000' },
      { url: 'http://127.0.0.1:5000' },
      { url: 'http://127.0.0.1:6000' },
    ];
    expect(otherRelays('http://127.0.0.1:1000', members)).toEqual([
      'http://127.0.0.1:2000',
      'http://127.0.0.1:4000',
      'http://127.0.0.1:5000',
    ]);
    expect(otherRelays('http://127.0.0.1:1000', null)).toEqual([]);
  });
});
