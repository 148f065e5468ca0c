// The relays a share link names besides the one it points at: `#/open/CAP?via=<url>,<url>`. Each URL is
// percent-encoded, the list comma-separated; only http(s) origins are kept (no paths, no credentials), at most
// MAX_LINK_RELAYS of them, each at most MAX_VIA_URL characters. Anything else in the text is dropped, never
// followed: a link is untrusted input, and the app only ever fetches verified shards from what it keeps.
import { MAX_LINK_RELAYS, MAX_VIA_TEXT, MAX_VIA_URL } from '../../../core/limits.ts';
import { normalizeRelayUrl } from '../data/relays.ts';

/** Longest relay URL a link may name (an origin: scheme, host and port). */
export { MAX_VIA_URL };

/** The relay origins named by the query part of an open route (after the "?"); [] for none or nothing valid. */
export function parseVia(query: string): string[] {
  if (query.length > MAX_VIA_TEXT) return [];
  const out: string[] = [];
  for (const pair of query.split('&')) {
    const eq = pair.indexOf('=');
    if (eq < 0 || pair.slice(0, eq) !== 'via') continue;
    for (const part of pair.slice(eq + 1).split(',')) {
      if (out.length >= MAX_LINK_RELAYS) return out;
      let text: string;
      try {
        text = decodeURIComponent(part);
      } catch {
        continue;
      }
      if (text.length === 0 || text.length > MAX_VIA_URL) continue;
      const url = normalizeRelayUrl(text);
      if (url && url.length <= MAX_VIA_URL && !out.includes(url)) out.push(url);
    }
  }
  return out;
}

/** The query part for `relays` (without the "?"): "" for none; invalid ones are left out, at most the bound. */
export function formatVia(relays: readonly string[]): string {
  const kept = parseVia(`via=${relays.map((r) => encodeURIComponent(r)).join(',')}`);
  return kept.length === 0 ? '' : `via=${kept.map((r) => encodeURIComponent(r)).join(',')}`;
}

/**
 * The other relays a link made here names: the tree's members other than `base`, in tree order, at most the
 * bound. `members` comes from the serving relay's status.
 */
export function otherRelays(base: string, members: readonly { url: string }[] | null): string[] {
  const own = normalizeRelayUrl(base);
  const out: string[] = [];
  for (const m of members ?? []) {
    const url = normalizeRelayUrl(m.url);
    if (url && url !== own && !out.includes(url) && url.length <= MAX_VIA_URL) out.push(url);
    if (out.length >= MAX_LINK_RELAYS) break;
  }
  return out;
}
