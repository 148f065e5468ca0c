// An attacker of the tree protocol over real sockets: a key (fresh, or a real member's seed) that opens
// authenticated WebSocket sessions to relays claiming role `relay`, and sends tree frames it builds itself.
// The bodies are built here, not with core/tree's helpers, so the attacks do not depend on the protocol code
// they attack (its membership format is being rewritten): the "current" shapes are what core/tree/messages.ts
// accepts today; the "signed-looking" shapes are guesses at a signed membership, signed by the attacker.
import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fromHex, toHex, utf8 } from '../../core/bytes.ts';
import { generateIdentity, identityFromSeed, type Identity } from '../../core/identity/index.ts';
import { signRecord, signSuspicion, type EpochRecord } from '../../core/tree/epoch-record.ts';
import { makeTreeEnv } from '../../core/tree/tree-env.ts';
import type { Message } from '../../core/wire/index.ts';
import { rawSession, type RawSession } from './relay-harness.ts';

export interface Ref {
  readonly id: string;
  readonly url: string;
  /** The public key in hex, where the attack knows it (today's membership carries it). */
  readonly key?: string;
}

/** The identity whose seed a relay keeps in its data folder (node-relay/data/identity-store.ts). */
export async function identityOfDataDir(dataDir: string): Promise<Identity> {
  return identityFromSeed(fromHex(readFileSync(join(dataDir, 'identity.seed'), 'utf8').trim()));
}

/** 64-bit FNV-1a in two lanes, as 16 hex characters: the digest the current membership code chains. */
export function fnvDigest(text: string): string {
  let a = 0x811c9dc5;
  let b = 0xcbf29ce4;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193) >>> 0;
    b = Math.imul(b ^ c, 0x01000193 ^ 0x5bd1e995) >>> 0;
    b = (b ^ (a >>> 7)) >>> 0;
  }
  return a.toString(16).padStart(8, '0') + b.toString(16).padStart(8, '0');
}

/** The digest the current code expects after applying `ops` to (epoch − 1, `previous`). */
export function currentNextDigest(previous: string, epoch: number, ops: readonly unknown[]): string {
  return fnvDigest(`${previous}|${epoch}|${JSON.stringify(ops)}`);
}

function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export interface Version {
  readonly epoch: number;
  readonly digest: string;
  readonly members: Ref[];
}

function asVersion(m: unknown): Version | null {
  const v = m as { epoch?: unknown; digest?: unknown; members?: unknown } | null | undefined;
  if (
    typeof v !== 'object' ||
    v === null ||
    typeof v.epoch !== 'number' ||
    typeof v.digest !== 'string' ||
    !Array.isArray(v.members)
  )
    return null;
  return { epoch: v.epoch, digest: v.digest, members: v.members as Ref[] };
}

export class Stranger {
  private readonly sessions = new Map<string, RawSession>();
  /** Sessions opened, sessions found closed (by the relay) and reopened, frames sent, sessions refused. */
  readonly stats = { opened: 0, reopened: 0, sent: 0, refused: 0 };

  /** `dataDir`: the impersonated relay's data folder (a malicious member can read its own relay's state). */
  private constructor(
    readonly identity: Identity,
    readonly seed: Uint8Array,
    readonly url: string,
    private readonly dataDir: string | null = null,
  ) {}

  /** A fresh key that never joined anything. */
  static async fresh(url = 'https://127.0.0.1:9'): Promise<Stranger> {
    const { identity, seed } = await generateIdentity();
    return new Stranger(identity, seed, url);
  }

  /** A real relay's key (read from its data folder) used from a connection the relay knows nothing about. */
  static async impersonating(dataDir: string, url: string): Promise<Stranger> {
    const seed = fromHex(readFileSync(join(dataDir, 'identity.seed'), 'utf8').trim());
    return new Stranger(await identityOfDataDir(dataDir), seed, url, dataDir);
  }

  /**
   * Well-formed epoch records (today's exact layout, core/tree/epoch-record.ts) signed by this key: a takeover
   * of the root with only this key's own suspicion as evidence, and an add of this key, both chained onto the
   * version (epoch, digest) given. Only the sequencer's key, or a quorum of watchers, makes such records valid.
   */
  signedRecords(
    treeId: string,
    epoch: number,
    digest: string,
    root: { id: string; url: string; key: string },
  ): EpochRecord[] {
    const env = makeTreeEnv(this.seed);
    const by = this.identity.id;
    const prev = /^[0-9a-f]{64}$/.test(digest) ? digest : 'ab'.repeat(32);
    const ev = [signSuspicion(env, treeId, epoch, prev, root.id, by)];
    const self = { id: by, url: this.url, key: toHex(this.identity.publicKey) };
    return [
      signRecord(env, {
        t: treeId,
        e: epoch + 1,
        p: prev,
        ops: [{ op: 'remove', ref: root, at: 0, reason: 'dead' }],
        by,
        ev,
      }),
      signRecord(env, { t: treeId, e: epoch + 1, p: prev, ops: [{ op: 'add', ref: self, adm: '' }], by, ev: [] }),
    ];
  }

  get id(): string {
    return this.identity.id;
  }

  get ref(): Ref {
    return { id: this.identity.id, url: this.url, key: toHex(this.identity.publicKey) };
  }

  /** An authenticated session to `wsUrl` as role `relay`, reopened when the relay closed the last one. */
  async session(wsUrl: string): Promise<RawSession> {
    const open = this.sessions.get(wsUrl);
    if (open !== undefined && open.ws.readyState === open.ws.OPEN) return open;
    if (open !== undefined) this.stats.reopened++;
    const s = await rawSession(wsUrl, 10_000, 'relay', this.identity);
    this.stats.opened++;
    this.sessions.set(wsUrl, s);
    return s;
  }

  /** Sends one signed frame; false when no session could be opened (the relay refused the connection). */
  async send(wsUrl: string, type: string, body: unknown): Promise<boolean> {
    let s: RawSession;
    try {
      s = await this.session(wsUrl);
    } catch {
      this.stats.refused++;
      return false;
    }
    const bytes = await s.frame(type, body);
    await new Promise<void>((resolve) => s.ws.send(bytes, () => resolve()));
    this.stats.sent++;
    return true;
  }

  /**
   * Asks a relay for its membership with a `tree.syncreq` of version 0 (the current code answers anyone that
   * way); null when no `tree.sync` came back within `timeoutMs`.
   */
  async askMembership(wsUrl: string, treeId: string, timeoutMs = 4_000): Promise<Version | null> {
    if (!(await this.send(wsUrl, 'tree.syncreq', { t: treeId, e: 0, d: '', from: this.ref }))) return null;
    const s = this.sessions.get(wsUrl)!;
    const reply: Message | null = await s.waitFor((m) => m.type === 'tree.sync', timeoutMs).catch(() => null);
    return asVersion((reply?.body as { m?: unknown } | undefined)?.m);
  }

  /**
   * The membership the impersonated relay persisted (relay.db, table tree_state, part `membership`, as the
   * current code keeps it); null for a stranger, or when it cannot be read in that form.
   */
  persistedMembership(): Version | null {
    if (this.dataDir === null) return null;
    try {
      const db = new Database(join(this.dataDir, 'relay.db'), { readonly: true, fileMustExist: true });
      try {
        const row = db.prepare("SELECT value FROM tree_state WHERE part = 'membership'").get() as
          { value?: unknown } | undefined;
        return typeof row?.value === 'string' ? asVersion(JSON.parse(row.value)) : null;
      } finally {
        db.close();
      }
    } catch {
      return null;
    }
  }

  /**
   * `tree.sync` bodies that install `members` at `epoch`: the shape the current code accepts, then shapes a
   * signed membership might have (signed epochs, a signed checkpoint, a signature beside the membership), each
   * carrying a real Ed25519 signature by this key, which is not the sequencer's.
   */
  async forgedSyncs(
    treeId: string,
    epoch: number,
    members: readonly Ref[],
    previous = '',
  ): Promise<{ shape: string; body: unknown }[]> {
    const digest16 = fnvDigest(`forged|${epoch}|${this.id}`);
    const record = { tree: treeId, epoch, prev: previous, members, root: members[0]!.id };
    const recordBytes = utf8(JSON.stringify(record));
    const hash = sha256Hex(recordBytes);
    const sign = async (tag: string, bytes: Uint8Array) =>
      toHex(await this.identity.sign(new Uint8Array([...utf8(tag), 0, ...bytes])));
    const sig = await sign('peertree/membership/v1', recordBytes);
    const key = toHex(this.identity.publicKey);
    const from = this.ref;
    return [
      { shape: 'current', body: { t: treeId, m: { epoch, digest: digest16, members }, from } },
      {
        shape: 'current, epoch 2^53-1',
        body: { t: treeId, m: { epoch: Number.MAX_SAFE_INTEGER, digest: '0', members }, from },
      },
      { shape: 'current + sig', body: { t: treeId, m: { epoch, digest: digest16, members, signer: key, sig }, from } },
      {
        shape: 'sha-256 digest + sig',
        body: {
          t: treeId,
          m: { epoch, digest: hash, prev: previous, members, root: members[0]!.id, signer: key, sig },
          from,
        },
      },
      { shape: 'signed epochs', body: { t: treeId, from, epochs: [{ ...record, hash, signer: key, sig }] } },
      {
        shape: 'signed checkpoint',
        body: { t: treeId, from, checkpoint: { ...record, hash, signer: key, sig }, chain: [] },
      },
      {
        shape: 'signed record + membership',
        body: {
          t: treeId,
          from,
          m: { epoch, digest: hash, members },
          record: { ...record, hash, signer: key, sig },
          proof: [],
        },
      },
    ];
  }

  close(): void {
    for (const s of this.sessions.values()) s.ws.terminate();
    this.sessions.clear();
  }
}
