// The relays this app may talk to: the one that served the page first, then any the user added. The app
// fails over to the next one when the current relay cannot be reached.
import type { PeerTreeDatabase } from './db.ts';
import { PWA_MAX_RELAYS } from '../../../core/limits.ts';

const SETTING = 'relays';

/** A relay base URL in canonical form (origin only), or null when it is not an http(s) URL. */
export function normalizeRelayUrl(text: string): string | null {
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    return null;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
  if (url.username || url.password) return null;
  return url.origin;
}

async function addedRelays(db: PeerTreeDatabase): Promise<string[]> {
  const value = (await db.get('settings', SETTING))?.value;
  if (!Array.isArray(value)) return [];
  return value
    .map((v) => (typeof v === 'string' ? normalizeRelayUrl(v) : null))
    .filter((v): v is string => v !== null)
    .slice(0, PWA_MAX_RELAYS);
}

/** Every relay to try, in order: the serving origin first, then the user's, without duplicates. */
export async function relayCandidates(db: PeerTreeDatabase, origin: string): Promise<string[]> {
  return [...new Set([origin, ...(await addedRelays(db))])];
}

export class RelayList extends EventTarget {
  private added: string[] = [];
  private index = 0;

  private constructor(
    private readonly db: PeerTreeDatabase,
    readonly origin: string,
  ) {
    super();
  }

  static async open(db: PeerTreeDatabase, origin: string): Promise<RelayList> {
    const list = new RelayList(db, origin);
    list.added = await addedRelays(db);
    return list;
  }

  /** All relays, the serving one first. */
  all(): string[] {
    return [...new Set([this.origin, ...this.added])];
  }

  /** Relays the user added (removable). */
  userAdded(): string[] {
    return this.all().filter((u) => u !== this.origin);
  }

  current(): string {
    const all = this.all();
    return all[this.index % all.length]!;
  }

  /** The relays in the order to try them now: the current one first. */
  ordered(): string[] {
    const all = this.all();
    return all.map((_, i) => all[(this.index + i) % all.length]!);
  }

  /** Moves to the next relay; returns false when there is no other one. */
  next(): boolean {
    if (this.all().length < 2) return false;
    this.index = (this.index + 1) % this.all().length;
    this.changed();
    return true;
  }

  async add(text: string): Promise<string> {
    const url = normalizeRelayUrl(text);
    if (!url) throw new Error('enter a relay address such as https://relay.example:8443');
    if (this.all().includes(url)) return url;
    if (this.added.length >= PWA_MAX_RELAYS) throw new Error(`at most ${PWA_MAX_RELAYS} relays`);
    this.added = [...this.added, url];
    await this.db.put('settings', { key: SETTING, value: this.added });
    this.changed();
    return url;
  }

  async remove(url: string): Promise<void> {
    const current = this.current();
    this.added = this.added.filter((u) => u !== url);
    await this.db.put('settings', { key: SETTING, value: this.added });
    const at = this.all().indexOf(current);
    this.index = at >= 0 ? at : 0;
    this.changed();
  }

  private changed(): void {
    this.dispatchEvent(new Event('change'));
  }
}
