// Hash routes: "#/" (your files), "#/open/CAPABILITY[?via=RELAYS]" (open a shared file), "#/search" or "#/search/WORDS"
// (find memories), "#/network" (relays and the tree), "#/device" (identity, backup, storage), "#/link/OFFER"
// (link this browser to another device: OFFER is `<box hex>.<ephemeral key hex>`), "#/albums", "#/albums/ID" (one
// album) and "#/buckets/NAME" (one of the S3 gateway's buckets); anything else is "not found".

import { formatVia, parseVia } from '../sync/link-relays.ts';
import { MAX_ROUTE_QUERY } from '../../../core/limits.ts';

export type Route =
  | { readonly name: 'files' }
  | { readonly name: 'network' }
  | { readonly name: 'device' }
  | { readonly name: 'search'; readonly query: string }
  /** `via`: other relays the link names (link-relays.ts), tried after this app's own; absent when none. */
  | { readonly name: 'open'; readonly capability: string; readonly via?: readonly string[] }
  | { readonly name: 'link'; readonly offer: string }
  /** The albums list, or one album (`album`: its id) or one S3 bucket (`bucket`: its name). */
  | { readonly name: 'albums'; readonly album?: string; readonly bucket?: string }
  | { readonly name: 'not-found'; readonly path: string };

/** Capabilities are URL-safe text (hex, base32/base64url, with "." or ":" separators); bounded in length. */
const CAPABILITY_RE = /^[A-Za-z0-9_.:~-]{1,512}$/;

/** A device-link offer: the box id and the offering device's ephemeral public key, 64 hex each (device-link.ts). */
const LINK_OFFER_RE = /^[0-9a-f]{64}\.[0-9a-f]{64}$/;

export function isLinkOfferText(value: string): boolean {
  return LINK_OFFER_RE.test(value);
}

export function isCapabilityText(value: string): boolean {
  return CAPABILITY_RE.test(value);
}

/** Parses `location.hash` (with or without the leading "#"). Never throws. */
export function parseRoute(hash: string): Route {
  const path = hash.replace(/^#/, '') || '/';
  if (path === '/' || path === '') return { name: 'files' };
  if (path === '/network') return { name: 'network' };
  if (path === '/device') return { name: 'device' };
  if (path === '/albums') return { name: 'albums' };
  const album = /^\/albums\/([0-9a-f]{32})$/.exec(path);
  if (album) return { name: 'albums', album: album[1]! };
  const bucket = /^\/buckets\/([^/?]{1,765})$/.exec(path);
  if (bucket) {
    try {
      const name = decodeURIComponent(bucket[1]!);
      if (name.length > 0 && name.length <= 255) return { name: 'albums', bucket: name };
    } catch {
      // not a bucket name
    }
    return { name: 'not-found', path };
  }
  if (path === '/search') return { name: 'search', query: '' };
  const search = /^\/search\/(.*)$/s.exec(path);
  if (search) {
    let query: string;
    try {
      query = decodeURIComponent(search[1] ?? '');
    } catch {
      return { name: 'not-found', path };
    }
    return query.length <= MAX_ROUTE_QUERY ? { name: 'search', query } : { name: 'not-found', path };
  }
  const open = /^\/open\/([^?]*)(?:\?(.*))?$/s.exec(path);
  if (open) {
    let capability: string;
    try {
      capability = decodeURIComponent(open[1] ?? '');
    } catch {
      return { name: 'not-found', path };
    }
    if (!isCapabilityText(capability)) return { name: 'not-found', path };
    const via = parseVia(open[2] ?? '');
    return via.length > 0 ? { name: 'open', capability, via } : { name: 'open', capability };
  }
  const link = /^\/link\/(.*)$/.exec(path);
  if (link) {
    // The offer is plain hex and a dot; anything percent-encoded or otherwise different is not one.
    const offer = link[1] ?? '';
    return isLinkOfferText(offer) ? { name: 'link', offer } : { name: 'not-found', path };
  }
  return { name: 'not-found', path };
}

export function hrefOf(route: Route): string {
  switch (route.name) {
    case 'files':
      return '#/';
    case 'network':
      return '#/network';
    case 'device':
      return '#/device';
    case 'search':
      return route.query === '' ? '#/search' : `#/search/${encodeURIComponent(route.query)}`;
    case 'open': {
      const via = formatVia(route.via ?? []);
      return `#/open/${encodeURIComponent(route.capability)}${via === '' ? '' : `?${via}`}`;
    }
    case 'link':
      return `#/link/${route.offer}`;
    case 'albums':
      if (route.album !== undefined) return `#/albums/${route.album}`;
      return route.bucket !== undefined ? `#/buckets/${encodeURIComponent(route.bucket)}` : '#/albums';
    case 'not-found':
      return `#${route.path}`;
  }
}

/** Calls `onRoute` now and on every hash change; returns a function that stops listening. */
export function watchRoute(onRoute: (route: Route) => void): () => void {
  const handler = (): void => onRoute(parseRoute(location.hash));
  window.addEventListener('hashchange', handler);
  handler();
  return () => window.removeEventListener('hashchange', handler);
}
