// The library record: a person's list of files, encrypted with their library key and signed by their
// identity, stored on relays as an ordinary shard; and the head, the small signed pointer to its newest
// version that relays keep per owner.
//
// Record (the shard's bytes; fixed layout, no JSON in what is signed):
//   "peertree/library/v1" 0x00 (20) ‖ owner public key (32) ‖ u64be version ‖ prev (32: SHA-256 of the record
//   this one replaces, zeros for version 1) ‖ iv (12) ‖ u32be ciphertext length ‖ ciphertext ‖ signature (64)
// The signature covers every byte before it. The ciphertext is AES-256-GCM under the library key with that
// iv and additional data "peertree/library-data/v1" 0x00 ‖ owner ‖ u64be version ‖ prev; its plaintext is
// the UTF-8 JSON {"v":1,"entries":[…]} (readable only by the owner's devices, so never signed as JSON). Entries
// may carry the optional `thumbs` {grid, screen} (capabilities) and `taken` (ms): readers from before them
// ignore unknown fields, so the version stays 1 (see merge.ts for how they merge). The optional top-level
// `collections` [{name, items: [{key, cap}]}] is the S3 gateway's bucket index (bucket → key → capability): only
// the gateway writes it (it mirrors its own index, the source of truth); every other writer carries it unchanged.
// The optional top-level `albums` holds the person's albums (shape, reader and merge rule in albums.ts).
// The record's hash (its shard name) is SHA-256 of all its bytes.
//
// Head (fixed layout):
//   "peertree/library-head/v1" 0x00 (25) ‖ owner (32) ‖ u64be seq ‖ record hash (32) ‖ u64be ts
// seq is the record's version. A relay keeps, per owner, the valid head with the highest seq.
import { concatBytes, equalBytes, fromHex, fromUtf8, toHex, utf8, u64be } from '../bytes.ts';
import { sha256 } from '../crypto/sha256.ts';
import { asBufferSource, randomBytes, subtleOrNull, type Subtle, type WebKey } from '../crypto/webcrypto.ts';
import { PeerTreeError } from '../errors.ts';
import { LIBRARY_MAX_ENTRIES, LIBRARY_MAX_RECORD_BYTES, MAX_LIBRARY_TEXT } from '../limits.ts';
import { verifySignature, type Identity } from '../identity/identity.ts';
import { withMedia, type LibraryEntry, type LibraryThumbs } from './merge.ts';
import { readAlbums, type LibraryAlbum } from './albums.ts';
import { CAP_RE } from './capability-text.ts';
import { readCollections, type LibraryCollection } from './collections.ts';

export { readCollections, type LibraryCollection } from './collections.ts';

export const LIBRARY_RECORD_TAG = utf8('peertree/library/v1\u0000');
export const LIBRARY_DATA_TAG = utf8('peertree/library-data/v1\u0000');
export const LIBRARY_HEAD_TAG = utf8('peertree/library-head/v1\u0000');
export const LIBRARY_KEY_BYTES = 32;
const IV_BYTES = 12;
const SIG_BYTES = 64;
const HEADER_BYTES = LIBRARY_RECORD_TAG.length + 32 + 8 + 32 + IV_BYTES + 4;
const HEX32 = /^[0-9a-f]{64}$/;
const ZERO32 = new Uint8Array(32);

export interface RecordHeader {
  readonly owner: string;
  readonly version: number;
  /** Hash of the record this version replaces; null for version 1. */
  readonly prev: string | null;
}

export interface OpenedRecord extends RecordHeader {
  readonly entries: LibraryEntry[];
  /** Absent when the record has none (every record written before collections, and most after). */
  readonly collections?: LibraryCollection[];
  /** Absent when the record has none. */
  readonly albums?: LibraryAlbum[];
}

export interface LibraryHead {
  readonly owner: string;
  readonly seq: number;
  /** Shard hash of the record this head points at. */
  readonly record: string;
  readonly ts: number;
  readonly sig: string;
}

function bad(what: string): never {
  throw new PeerTreeError('BAD_INPUT', `library: ${what}`);
}

function subtle(): Subtle {
  const s = subtleOrNull();
  if (!s) throw new PeerTreeError('UNAVAILABLE', 'this runtime has no WebCrypto for AES-GCM');
  return s;
}

function aesKey(key: Uint8Array, use: 'encrypt' | 'decrypt'): Promise<WebKey> {
  if (!(key instanceof Uint8Array) || key.length !== LIBRARY_KEY_BYTES) bad('the library key must be 32 bytes');
  return subtle().importKey('raw', asBufferSource(key.slice()), 'AES-GCM', false, [use]);
}

/** A new random library key (made once per identity). */
export function newLibraryKey(): Uint8Array {
  return randomBytes(LIBRARY_KEY_BYTES);
}

function dataAad(owner: Uint8Array, version: number, prev: Uint8Array): Uint8Array {
  return concatBytes(LIBRARY_DATA_TAG, owner, u64be(version), prev);
}

function checkVersion(version: number): void {
  if (!Number.isSafeInteger(version) || version < 1) bad('version must be a positive integer');
}

/** Reads an untrusted value as a library entry (shape only); throws BAD_INPUT. */
export function readEntry(value: unknown): LibraryEntry {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) bad('entry is not an object');
  const e = value as Record<string, unknown>;
  const str = (k: string, max: number): string =>
    typeof e[k] === 'string' && (e[k] as string).length <= max ? (e[k] as string) : bad(`entry ${k}`);
  const num = (k: string): number =>
    typeof e[k] === 'number' && Number.isSafeInteger(e[k]) && (e[k] as number) >= 0
      ? (e[k] as number)
      : bad(`entry ${k}`);
  const cap = str('cap', 512);
  if (!CAP_RE.test(cap)) bad('entry cap is not a capability');
  return {
    cap,
    name: str('name', MAX_LIBRARY_TEXT),
    nameAt: num('nameAt'),
    type: str('type', 255),
    size: num('size'),
    date: num('date'),
    note: str('note', MAX_LIBRARY_TEXT),
    noteAt: num('noteAt'),
    addedAt: num('addedAt'),
    removedAt: num('removedAt'),
    // Optional fields (added after v1 shipped): absent is fine; present must be well formed.
    ...withMedia(
      e.thumbs === undefined ? undefined : readThumbs(e.thumbs),
      e.taken === undefined ? undefined : num('taken'),
    ),
  };
}

function readThumbs(value: unknown): LibraryThumbs {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) bad('entry thumbs is not an object');
  const t = value as Record<string, unknown>;
  const capOf = (k: string): string =>
    typeof t[k] === 'string' && (t[k] as string).length <= 512 && CAP_RE.test(t[k] as string)
      ? (t[k] as string)
      : bad(`entry thumbs.${k} is not a capability`);
  return { grid: capOf('grid'), screen: capOf('screen') };
}

function entryJson(e: LibraryEntry): LibraryEntry {
  // Fixed field order, only known fields; the optional ones only when set.
  return {
    cap: e.cap,
    name: e.name,
    nameAt: e.nameAt,
    type: e.type,
    size: e.size,
    date: e.date,
    note: e.note,
    noteAt: e.noteAt,
    addedAt: e.addedAt,
    removedAt: e.removedAt,
    ...withMedia(e.thumbs, e.taken),
  };
}

/** Encrypts `entries` under `key` and signs the record as `identity`; returns the shard bytes and hash. */
export async function sealRecord(
  identity: Identity,
  key: Uint8Array,
  header: { version: number; prev: string | null },
  entries: readonly LibraryEntry[],
  collections?: readonly LibraryCollection[],
  albums?: readonly LibraryAlbum[],
): Promise<{ bytes: Uint8Array; hash: string }> {
  checkVersion(header.version);
  if (header.version === 1 ? header.prev !== null : header.prev === null || !HEX32.test(header.prev))
    bad('prev must be null for version 1 and a hash after it');
  if (entries.length > LIBRARY_MAX_ENTRIES) bad(`at most ${LIBRARY_MAX_ENTRIES} entries`);
  const checked = entries.map((e) => readEntry(entryJson(e)));
  const prev = header.prev === null ? ZERO32 : fromHex(header.prev);
  const iv = randomBytes(IV_BYTES);
  const plain = utf8(
    JSON.stringify({
      v: 1,
      entries: checked,
      ...(collections ? { collections: readCollections(collections) } : {}),
      ...(albums && albums.length > 0 ? { albums: readAlbums(albums) } : {}),
    }),
  );
  const aad = dataAad(identity.publicKey, header.version, prev);
  const ct = new Uint8Array(
    await subtle().encrypt(
      { name: 'AES-GCM', iv: asBufferSource(iv), additionalData: asBufferSource(aad) },
      await aesKey(key, 'encrypt'),
      asBufferSource(plain),
    ),
  );
  const len = new Uint8Array(4);
  new DataView(len.buffer).setUint32(0, ct.length, false);
  const signed = concatBytes(LIBRARY_RECORD_TAG, identity.publicKey, u64be(header.version), prev, iv, len, ct);
  if (signed.length + SIG_BYTES > LIBRARY_MAX_RECORD_BYTES) bad('the library is too large for one record');
  const bytes = concatBytes(signed, await identity.sign(signed));
  return { bytes, hash: toHex(await sha256(bytes)) };
}

interface ParsedRecord extends RecordHeader {
  readonly signed: Uint8Array;
  readonly iv: Uint8Array;
  readonly ct: Uint8Array;
  readonly sig: Uint8Array;
}

function parseRecord(bytes: Uint8Array): ParsedRecord {
  if (
    !(bytes instanceof Uint8Array) ||
    bytes.length < HEADER_BYTES + SIG_BYTES ||
    bytes.length > LIBRARY_MAX_RECORD_BYTES
  )
    bad('record length');
  if (!equalBytes(bytes.subarray(0, LIBRARY_RECORD_TAG.length), LIBRARY_RECORD_TAG)) bad('not a library record');
  let at = LIBRARY_RECORD_TAG.length;
  const owner = bytes.subarray(at, (at += 32));
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getBigUint64(at, false);
  at += 8;
  if (version < 1n || version > BigInt(Number.MAX_SAFE_INTEGER)) bad('record version');
  const prev = bytes.subarray(at, (at += 32));
  const iv = bytes.subarray(at, (at += IV_BYTES));
  const ctLen = view.getUint32(at, false);
  at += 4;
  if (at + ctLen + SIG_BYTES !== bytes.length) bad('record length does not match its ciphertext');
  const ct = bytes.subarray(at, at + ctLen);
  const v = Number(version);
  const isZero = equalBytes(prev, ZERO32);
  if (v === 1 ? !isZero : isZero) bad('record prev');
  return {
    owner: toHex(owner),
    version: v,
    prev: isZero ? null : toHex(prev),
    signed: bytes.subarray(0, at + ctLen),
    iv,
    ct,
    sig: bytes.subarray(at + ctLen),
  };
}

/** The header of a record whose signature holds (throws BAD_INPUT / BAD_SIGNATURE otherwise). */
export async function verifyRecord(bytes: Uint8Array, owner?: string): Promise<RecordHeader> {
  const r = parseRecord(bytes);
  if (owner !== undefined && r.owner !== owner)
    throw new PeerTreeError('FORBIDDEN', 'library: the record belongs to another key');
  if (!(await verifySignature(fromHex(r.owner), r.signed, r.sig)))
    throw new PeerTreeError('BAD_SIGNATURE', 'library: the record signature does not verify');
  return { owner: r.owner, version: r.version, prev: r.prev };
}

/** Verifies the record as `owner`'s and decrypts it with `key`; a wrong key or a changed byte throws. */
export async function openRecord(bytes: Uint8Array, key: Uint8Array, owner: string): Promise<OpenedRecord> {
  const header = await verifyRecord(bytes, owner);
  const r = parseRecord(bytes);
  let plain: Uint8Array;
  try {
    const aad = dataAad(fromHex(r.owner), r.version, r.prev === null ? ZERO32 : fromHex(r.prev));
    plain = new Uint8Array(
      await subtle().decrypt(
        { name: 'AES-GCM', iv: asBufferSource(r.iv.slice()), additionalData: asBufferSource(aad) },
        await aesKey(key, 'decrypt'),
        asBufferSource(r.ct.slice()),
      ),
    );
  } catch {
    throw new PeerTreeError('HASH_MISMATCH', 'library: the record does not decrypt with this library key');
  }
  let doc: unknown;
  try {
    doc = JSON.parse(fromUtf8(plain));
  } catch {
    bad('the record content is not JSON');
  }
  const d = doc as { v?: unknown; entries?: unknown; collections?: unknown; albums?: unknown } | null;
  if (!d || d.v !== 1 || !Array.isArray(d.entries) || d.entries.length > LIBRARY_MAX_ENTRIES) bad('the record content');
  return {
    ...header,
    entries: d.entries.map(readEntry),
    ...(d.collections === undefined ? {} : { collections: readCollections(d.collections) }),
    ...(d.albums === undefined ? {} : { albums: readAlbums(d.albums) }),
  };
}

export function headBytes(owner: Uint8Array, seq: number, record: string, ts: number): Uint8Array {
  return concatBytes(LIBRARY_HEAD_TAG, owner, u64be(seq), fromHex(record), u64be(ts));
}

export async function signHead(identity: Identity, seq: number, record: string, ts: number): Promise<LibraryHead> {
  checkVersion(seq);
  if (!HEX32.test(record)) bad('head record must be 64 hex chars');
  const sig = await identity.sign(headBytes(identity.publicKey, seq, record, ts));
  return { owner: toHex(identity.publicKey), seq, record, ts, sig: toHex(sig) };
}

/** Reads an untrusted value as a head (shape only); throws BAD_INPUT. */
export function readHead(value: unknown): LibraryHead {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) bad('head is not an object');
  const h = value as Record<string, unknown>;
  if (typeof h.owner !== 'string' || !HEX32.test(h.owner)) bad('head owner');
  if (typeof h.seq !== 'number' || !Number.isSafeInteger(h.seq) || h.seq < 1) bad('head seq');
  if (typeof h.record !== 'string' || !HEX32.test(h.record)) bad('head record');
  if (typeof h.ts !== 'number' || !Number.isSafeInteger(h.ts) || h.ts < 0) bad('head ts');
  if (typeof h.sig !== 'string' || !/^[0-9a-f]{128}$/.test(h.sig)) bad('head sig');
  return { owner: h.owner, seq: h.seq, record: h.record, ts: h.ts, sig: h.sig };
}

export async function verifyHead(h: LibraryHead): Promise<boolean> {
  return verifySignature(fromHex(h.owner), headBytes(fromHex(h.owner), h.seq, h.record, h.ts), fromHex(h.sig));
}

export type HeadVerdict =
  | { readonly accept: true; readonly changed: boolean }
  | { readonly accept: false; readonly code: 'BAD_INPUT' | 'BAD_SIGNATURE' | 'CONFLICT'; readonly reason: string };

/**
 * The acceptance rule for a head, as a relay (or a client) applies it against the one it holds for the same
 * owner: the signature must be the owner's; a higher seq replaces it; the same head again is accepted with no
 * change; an older seq, or the same seq pointing at another record, is refused.
 */
export async function judgeHead(current: LibraryHead | null, incoming: unknown, owner?: string): Promise<HeadVerdict> {
  let h: LibraryHead;
  try {
    h = readHead(incoming);
  } catch (err) {
    return { accept: false, code: 'BAD_INPUT', reason: err instanceof Error ? err.message : String(err) };
  }
  if ((owner !== undefined && h.owner !== owner) || (current !== null && current.owner !== h.owner))
    return { accept: false, code: 'BAD_INPUT', reason: 'library: the head names another key' };
  if (!(await verifyHead(h)))
    return { accept: false, code: 'BAD_SIGNATURE', reason: 'library: the head is not signed by its owner' };
  if (current === null || h.seq > current.seq) return { accept: true, changed: true };
  if (h.seq === current.seq && h.record === current.record) return { accept: true, changed: false };
  return {
    accept: false,
    code: 'CONFLICT',
    reason: `library: version ${h.seq} is not newer than version ${current.seq}`,
  };
}

/**
 * The newest of several heads (already verified); null for none. Of two with the same seq the earlier in the
 * list wins: callers list the owner's rendezvous relays first, in rendezvous order, so every relay picks the
 * same one.
 */
export function newestHead(heads: readonly (LibraryHead | null)[]): LibraryHead | null {
  let best: LibraryHead | null = null;
  for (const h of heads) if (h && (!best || h.seq > best.seq)) best = h;
  return best;
}
