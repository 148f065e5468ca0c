// Keeps this device's file list and the person's library on relays in step (docs/pwa.md, "The library on
// relays"). The library is a record encrypted with the library key and signed by the identity, stored as an
// ordinary shard; relays keep a signed head per owner pointing at its newest version. A sync reads the head,
// verifies and decrypts the record, merges it with what this device knows (core/library/merge.ts), applies
// the result to the file list, and publishes a new version when the merge differs from what relays hold.
import { toHex } from '../../../core/bytes.ts';
import { PeerTreeError, toPeerTreeError } from '../../../core/errors.ts';
import {
  LIBRARY_MAX_CONFLICT_ROUNDS,
  LIBRARY_POLL_MS,
  LIBRARY_PUBLISH_DEBOUNCE_MS,
  LIBRARY_SYNC_REQUEST_TIMEOUT_MS,
} from '../../../core/limits.ts';
import type { Identity } from '../../../core/identity/identity.ts';
import {
  addedEntry,
  mergeLibraries,
  removedEntry,
  sameLibrary,
  type LibraryEntry,
} from '../../../core/library/merge.ts';
import { mergeAlbums, sameAlbums, type LibraryAlbum } from '../../../core/library/albums.ts';
import * as M from '../../../core/protocol/library-messages.ts';
import {
  openRecord,
  sealRecord,
  signHead,
  verifyHead,
  type LibraryCollection,
  type LibraryHead,
} from '../../../core/library/record.ts';
import { verifyShard } from '../../../core/storage/file-codec.ts';
import { Backoff } from './backoff.ts';
import type { PeerTreeDatabase } from '../data/db.ts';
import type { Library } from '../data/library.ts';
import { ensureLibraryKey } from '../data/library-key.ts';
import { applyEntries, localEntries } from './library-apply.ts';
import { LibraryStateStore } from './library-state.ts';
import type { RelaySocket } from './relay-socket.ts';
import type { SocketShardTransport } from './socket-transport.ts';

function offline(): boolean {
  return typeof navigator !== 'undefined' && navigator.onLine === false;
}

/** This device's albums (gallery/album-store.ts): merged with the record's at every sync. */
export interface AlbumSource {
  /** Merges the record's albums into this device's in one read and write; resolves with the merged albums. */
  absorb(albums: readonly LibraryAlbum[], collections: readonly LibraryCollection[]): Promise<readonly LibraryAlbum[]>;
}

export type LibrarySyncState = 'idle' | 'syncing' | 'synced' | 'waiting' | 'locked';

export interface LibrarySyncDeps {
  readonly db: PeerTreeDatabase;
  readonly library: Library;
  readonly socket: RelaySocket;
  readonly identity: Identity;
  readonly transport: SocketShardTransport;
  readonly albums?: AlbumSource;
  replicas(): Promise<number>;
  onState?(state: LibrarySyncState, detail: string): void;
}

export class LibrarySync {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private poll: ReturnType<typeof setInterval> | undefined;
  private running: Promise<void> | null = null;
  private again = false;
  private readonly owner: string;
  private readonly backoff = new Backoff({ initialMs: 2_000, maxMs: 60_000, factor: 2 });
  private stateName: LibrarySyncState = 'idle';
  private stopped = false;
  /** The saved state, read and written one read-modify-write at a time. */
  private readonly saved: LibraryStateStore;

  constructor(private readonly deps: LibrarySyncDeps) {
    this.owner = toHex(deps.identity.publicKey);
    this.saved = new LibraryStateStore(deps.db, this.owner);
  }

  get state(): LibrarySyncState {
    return this.stateName;
  }

  /** Starts following the file list and the connection. */
  start(): void {
    this.deps.library.addEventListener('change', () => this.schedule());
    this.deps.socket.addEventListener('state', () => {
      if (this.deps.socket.state === 'ready') this.schedule(0);
    });
    this.poll = setInterval(() => {
      // A hidden tab does not poll: it syncs when it becomes visible again.
      if (
        this.deps.socket.state === 'ready' &&
        (typeof document === 'undefined' || document.visibilityState !== 'hidden')
      )
        this.schedule(0);
    }, LIBRARY_POLL_MS);
    if (typeof window !== 'undefined') window.addEventListener('online', () => this.schedule(0));
    if (typeof document !== 'undefined') {
      document.addEventListener('visibilitychange', () => {
        if (document.visibilityState === 'visible' && this.deps.socket.state === 'ready') this.schedule(0);
      });
    }
    if (this.deps.socket.state === 'ready') this.schedule(0);
  }

  /** Stops for good (the page is about to take another identity): no event starts a sync after this. */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    clearInterval(this.poll);
  }

  /** Syncs after `delayMs` (debounced: a pending sync is not pushed back by more changes). */
  schedule(delayMs = LIBRARY_PUBLISH_DEBOUNCE_MS): void {
    if (this.stopped || (this.timer !== undefined && delayMs > 0)) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.kick();
    }, delayMs);
  }

  /** Records that the person removed the file with this capability (on every device), then syncs. */
  async removed(cap: string | null | undefined): Promise<void> {
    if (!cap) return;
    await this.saved.exclusive(async () => {
      const state = await this.saved.load();
      const now = Date.now();
      const existing = mergeLibraries(state.entries, state.pending).find((e) => e.cap === cap);
      const f = { cap, name: '', type: '', size: 0, date: now };
      const tomb = removedEntry(existing ?? { ...addedEntry(f, 0), addedAt: 0 }, now);
      await this.saved.write({ ...state, pending: mergeLibraries(state.pending, [tomb]) });
    });
    this.schedule();
  }

  private kick(): void {
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.sync()
      .then(
        () => {
          this.backoff.reset();
        },
        (err: unknown) => {
          const e = toPeerTreeError(err);
          if (this.stateName !== 'locked') this.setState('waiting', `${e.code}: ${e.message}`);
          if (this.deps.socket.state === 'ready') this.schedule(this.backoff.next());
        },
      )
      .finally(() => {
        this.running = null;
        if (this.again) {
          this.again = false;
          this.schedule(0);
        }
      });
  }

  private setState(state: LibrarySyncState, detail: string): void {
    this.stateName = state;
    this.deps.onState?.(state, detail);
  }

  private async readHead(): Promise<LibraryHead | null> {
    const reply = await this.deps.socket.request(M.GET, { owner: this.owner }, LIBRARY_SYNC_REQUEST_TIMEOUT_MS);
    const head = M.readHeadReply(reply.type, reply.body, this.owner);
    if (head && !(await verifyHead(head)))
      throw new PeerTreeError('BAD_SIGNATURE', 'the relay gave a library head that is not signed by this key');
    return head;
  }

  private async readRecord(
    head: LibraryHead,
    key: Uint8Array,
  ): Promise<{ entries: LibraryEntry[]; collections?: LibraryCollection[]; albums?: LibraryAlbum[] }> {
    const bytes = await this.deps.transport.fetchShard(head.record);
    await verifyShard(head.record, bytes);
    let opened;
    try {
      opened = await openRecord(bytes, key, this.owner);
    } catch (err) {
      if (toPeerTreeError(err).code === 'HASH_MISMATCH') {
        this.setState(
          'locked',
          'Your library on the relays was saved with a library key this device does not have. Restore a key backup made on a device that shows your files.',
        );
      }
      throw err;
    }
    if (opened.version !== head.seq) throw new PeerTreeError('BAD_INPUT', 'the library record does not match its head');
    return {
      entries: opened.entries,
      ...(opened.collections ? { collections: opened.collections } : {}),
      ...(opened.albums ? { albums: opened.albums } : {}),
    };
  }

  private async sync(): Promise<void> {
    // The browser's own offline flag counts too: an old socket may outlive the network for a while, and edits
    // made offline are merged when it is back (the poll and the `online` event start the next sync).
    if (this.deps.socket.state !== 'ready' || offline()) return;
    this.setState('syncing', '');
    const key = await ensureLibraryKey(this.deps.db, this.owner);
    for (let round = 0; round < LIBRARY_MAX_CONFLICT_ROUNDS; round++) {
      const state = await this.saved.load();
      const mine = localEntries(this.deps.library, state);
      const head = await this.readHead();
      let theirs: LibraryEntry[] = [];
      let collections: readonly LibraryCollection[] | undefined;
      let theirAlbums: readonly LibraryAlbum[] | undefined;
      if (head && head.record === state.head?.record && head.seq === state.head.seq) {
        theirs = [...state.entries];
        collections = state.collections;
        theirAlbums = state.albums;
      } else if (head) ({ entries: theirs, collections, albums: theirAlbums } = await this.readRecord(head, key));
      const albums = this.deps.albums
        ? await this.deps.albums.absorb(theirAlbums ?? [], collections ?? [])
        : mergeAlbums([], theirAlbums ?? []);
      const keep = { ...(collections ? { collections } : {}), ...(albums.length > 0 ? { albums } : {}) };
      const merged = mergeLibraries(mine, theirs);
      await applyEntries(this.deps.library, merged);
      if (head && sameLibrary(merged, theirs) && sameAlbums(albums, theirAlbums ?? [])) {
        await this.saved.save({
          owner: this.owner,
          entries: merged,
          head: { seq: head.seq, record: head.record },
          pending: state.pending,
          ...keep,
        });
        this.setState('synced', `version ${head.seq}`);
        return;
      }
      if (!head && merged.length === 0 && albums.length === 0) {
        this.setState('synced', 'empty');
        return;
      }
      // Publish a new version that replaces the one read.
      const version = (head?.seq ?? 0) + 1;
      const sealed = await sealRecord(
        this.deps.identity,
        key,
        { version, prev: head?.record ?? null },
        merged,
        collections,
        albums,
      );
      await this.deps.transport.storeShard(sealed.hash, sealed.bytes, await this.deps.replicas());
      const next = await signHead(this.deps.identity, version, sealed.hash, Date.now());
      try {
        const reply = await this.deps.socket.request(M.PUBLISH, { head: next }, LIBRARY_SYNC_REQUEST_TIMEOUT_MS);
        M.readPublished(reply.type, reply.body, version);
      } catch (err) {
        // Another device published first: read its version, merge again, publish after it.
        if (toPeerTreeError(err).code === 'CONFLICT') continue;
        throw err;
      }
      await this.saved.save({
        owner: this.owner,
        entries: merged,
        head: { seq: version, record: sealed.hash },
        pending: state.pending,
        ...keep,
      });
      this.setState('synced', `version ${version}`);
      return;
    }
    throw new PeerTreeError('CONFLICT', 'the library kept changing on another device; trying again');
  }
}
