// Mirrors the gateway's bucket index into the person's library record (docs/pwa.md, "The library on relays"):
// every object stored as one file becomes a library entry named "BUCKET/KEY" (so the PWA and other devices list
// it), and the record's `collections` field holds the buckets (bucket → key → capability). An object deleted
// through S3 leaves a tombstone for the entry the gateway had added. Published as the PWA publishes: read the
// head, open and merge the record, seal version + 1, store it, publish its head; CONFLICT reads and merges again.
import { toHex } from '../../core/bytes.ts';
import { PeerTreeError, toPeerTreeError } from '../../core/errors.ts';
import {
  LIBRARY_MAX_ENTRIES,
  S3_MAX_MIRRORED_OBJECTS,
  S3_MIRROR_DEBOUNCE_MS,
  S3_MIRROR_REQUEST_MS,
  S3_MIRROR_ROUNDS,
} from '../../core/limits.ts';
import type { Identity } from '../../core/identity/index.ts';
import type { LibraryAlbum } from '../../core/library/albums.ts';
import { addedEntry, isPresent, mergeLibraries, removedEntry, type LibraryEntry } from '../../core/library/merge.ts';
import { openRecord, sealRecord, signHead, verifyHead, type LibraryCollection } from '../../core/library/record.ts';
import * as M from '../../core/protocol/library-messages.ts';
import { verifyShard } from '../../core/storage/file-codec.ts';
import type { ObjectIndex } from './object-index.ts';
import type { PeerTreeStore } from './peertree-store.ts';

export interface MirrorInit {
  readonly store: PeerTreeStore;
  readonly index: ObjectIndex;
  readonly identity: Identity;
  readonly libraryKey: Uint8Array;
  readonly replicas: number;
  readonly log: (line: string) => void;
  readonly now?: () => number;
}

export class LibraryMirror {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private running: Promise<void> | null = null;
  private again = false;
  private readonly owner: string;
  /** The version this gateway last published or found current (for tests and the log). */
  lastSeq = 0;

  constructor(private readonly init: MirrorInit) {
    this.owner = toHex(init.identity.publicKey);
  }

  /** Something in the index changed: publish after the debounce (later changes ride along). */
  changed(): void {
    if (this.timer !== undefined) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.kick();
    }, S3_MIRROR_DEBOUNCE_MS);
  }

  private kick(): void {
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.sync()
      .catch((err: unknown) =>
        this.init.log(
          `peertree s3: could not update your library now (it is tried again on the next change): ${toPeerTreeError(err).message}\n`,
        ),
      )
      .finally(() => {
        this.running = null;
        if (this.again) {
          this.again = false;
          this.kick();
        }
      });
  }

  /** Publishes what is pending now and waits for it (shutdown). */
  async flush(): Promise<void> {
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
      this.kick();
    }
    while (this.running) await this.running;
  }

  /** The collections the index says, and the objects as entries (bounded so that the record fits). */
  private view(): {
    collections: LibraryCollection[];
    objects: { cap: string; name: string; type: string; size: number; date: number }[];
  } {
    const objects = this.init.index.singleFileObjects(S3_MAX_MIRRORED_OBJECTS);
    const byBucket = new Map<string, { key: string; cap: string }[]>();
    for (const o of objects) {
      const items = byBucket.get(o.bucket) ?? [];
      items.push({ key: o.key, cap: o.capability });
      byBucket.set(o.bucket, items);
    }
    for (const b of this.init.index.listBuckets()) if (!byBucket.has(b.name)) byBucket.set(b.name, []);
    const collections = [...byBucket.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([name, items]) => ({ name, items }));
    return {
      collections,
      objects: objects.map((o) => ({
        cap: o.capability,
        name: `${o.bucket}/${o.key}`,
        type: o.contentType,
        size: o.size,
        date: o.mtime,
      })),
    };
  }

  private async sync(): Promise<void> {
    const { identity, libraryKey, replicas } = this.init;
    const now = this.init.now ?? Date.now;
    await this.init.store.withSession(async (link, transport) => {
      for (let round = 0; round < S3_MIRROR_ROUNDS; round++) {
        const reply = await link.request(M.GET, { owner: this.owner }, S3_MIRROR_REQUEST_MS);
        const head = M.readHeadReply(reply.type, reply.body, this.owner);
        if (head && !(await verifyHead(head)))
          throw new PeerTreeError('BAD_SIGNATURE', 'the relay gave a library head not signed by this key');
        let theirs: LibraryEntry[] = [];
        let before: LibraryCollection[] = [];
        // The person's albums are not the gateway's: carried unchanged into every version it publishes.
        let albums: LibraryAlbum[] | undefined;
        if (head) {
          const bytes = await transport.fetchShard(head.record);
          await verifyShard(head.record, bytes);
          const opened = await openRecord(bytes, libraryKey, this.owner);
          if (opened.version !== head.seq)
            throw new PeerTreeError('BAD_INPUT', 'the library record does not match its head');
          theirs = opened.entries;
          before = opened.collections ?? [];
          albums = opened.albums;
        }
        const { collections, objects } = this.view();
        const known = new Map(theirs.map((e) => [e.cap, e]));
        const current = new Set(objects.map((o) => o.cap));
        const changes: LibraryEntry[] = [];
        let room = LIBRARY_MAX_ENTRIES - theirs.length;
        const t = now();
        // New objects become entries; a capability the library already knows (even removed there) is left as it is.
        for (const o of objects) if (!known.has(o.cap) && room-- > 0) changes.push(addedEntry(o, Math.max(t, 1)));
        // Objects the gateway had listed and no longer holds: their entries are removed on every device.
        for (const c of before)
          for (const item of c.items) {
            const e = known.get(item.cap);
            if (!current.has(item.cap) && e && isPresent(e)) changes.push(removedEntry(e, t));
          }
        if (head && changes.length === 0 && JSON.stringify(before) === JSON.stringify(collections)) {
          this.lastSeq = head.seq;
          return;
        }
        const version = (head?.seq ?? 0) + 1;
        const sealed = await sealRecord(
          identity,
          libraryKey,
          { version, prev: head?.record ?? null },
          mergeLibraries(theirs, changes),
          collections,
          albums,
        );
        await transport.storeShard(sealed.hash, sealed.bytes, replicas);
        const next = await signHead(identity, version, sealed.hash, t);
        try {
          const published = await link.request(M.PUBLISH, { head: next }, S3_MIRROR_REQUEST_MS);
          M.readPublished(published.type, published.body, version);
        } catch (err) {
          // Another device published first: read its version, merge again.
          if (toPeerTreeError(err).code === 'CONFLICT') continue;
          throw err;
        }
        this.lastSeq = version;
        return;
      }
      throw new PeerTreeError('CONFLICT', 'the library kept changing on another device');
    });
  }
}
