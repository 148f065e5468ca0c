// Memories: small signed documents (text, tags, optional capability) that people find by describing them.
//
// Signed bytes (fixed layout, no JSON):
//   "peertree/memory/v1" 0x00 ‖ author public key (32) ‖ u64be ts ‖ field(text) ‖ u32be tag count ‖ field(tag)… ‖ field(ref)
//   where field(s) = u32be byte length ‖ UTF-8 bytes, and ref is "" when the memory refers to no file.
// The memory id is SHA-256 of the signed bytes: the same memory has the same id on every relay.
import { concatBytes, fromHex, toHex, utf8 } from '../bytes.ts';
import { sha256 } from '../crypto/sha256.ts';
import { PeerTreeError } from '../errors.ts';
import { verifySignature, type Identity } from '../identity/identity.ts';
import { parseCapability } from '../storage/capability.ts';
import { MAX_MEMORY_TEXT, MAX_TAGS, MAX_TAG_LENGTH } from '../limits.ts';

export const MEMORY_TAG = utf8('peertree/memory/v1\u0000');

export interface MemoryContent {
  readonly text: string;
  readonly tags: readonly string[];
  /** Capability of the file the memory refers to, or null. */
  readonly ref: string | null;
}

export interface Memory extends MemoryContent {
  readonly v: 1;
  /** Author's Ed25519 public key, 64 hex chars. */
  readonly author: string;
  readonly ts: number;
  /** Ed25519 signature, 128 hex chars. */
  readonly sig: string;
}

function field(text: string): Uint8Array {
  const bytes = utf8(text);
  const len = new Uint8Array(4);
  new DataView(len.buffer).setUint32(0, bytes.length, false);
  return concatBytes(len, bytes);
}

export function memoryBytes(author: Uint8Array, ts: number, content: MemoryContent): Uint8Array {
  const head = new Uint8Array(12);
  const view = new DataView(head.buffer);
  view.setBigUint64(0, BigInt(ts), false);
  view.setUint32(8, content.tags.length, false);
  return concatBytes(
    MEMORY_TAG,
    author,
    head.subarray(0, 8),
    field(content.text),
    head.subarray(8, 12),
    ...content.tags.map(field),
    field(content.ref ?? ''),
  );
}

/** Checks text, tags and ref; returns them normalized (tags lowercased, trimmed, de-duplicated). */
export function checkContent(content: MemoryContent): MemoryContent {
  const { text, tags, ref } = content;
  if (typeof text !== 'string' || text.trim().length === 0 || text.length > MAX_MEMORY_TEXT)
    throw new PeerTreeError('BAD_INPUT', `memory text must be 1–${MAX_MEMORY_TEXT} characters`);
  if (!Array.isArray(tags) || tags.length > MAX_TAGS) throw new PeerTreeError('BAD_INPUT', `at most ${MAX_TAGS} tags`);
  const clean = [...new Set(tags.map((t) => (typeof t === 'string' ? t.trim().toLowerCase() : '')))];
  if (clean.some((t) => t.length === 0 || t.length > MAX_TAG_LENGTH))
    throw new PeerTreeError('BAD_INPUT', `tags must be 1–${MAX_TAG_LENGTH} characters`);
  if (ref !== null) parseCapability(ref);
  return { text, tags: clean, ref };
}

export async function signMemory(identity: Identity, content: MemoryContent, ts: number): Promise<Memory> {
  const c = checkContent(content);
  const sig = await identity.sign(memoryBytes(identity.publicKey, ts, c));
  return { v: 1, text: c.text, tags: c.tags, ref: c.ref, author: toHex(identity.publicKey), ts, sig: toHex(sig) };
}

/** Reads an untrusted value as a memory (shape and limits only); throws BAD_INPUT. */
export function readMemory(value: unknown): Memory {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new PeerTreeError('BAD_INPUT', 'memory must be an object');
  const m = value as Record<string, unknown>;
  if (m.v !== 1) throw new PeerTreeError('BAD_INPUT', 'memory: unknown version');
  if (typeof m.author !== 'string' || !/^[0-9a-f]{64}$/.test(m.author))
    throw new PeerTreeError('BAD_INPUT', 'memory: author');
  if (typeof m.ts !== 'number' || !Number.isSafeInteger(m.ts) || m.ts < 0)
    throw new PeerTreeError('BAD_INPUT', 'memory: ts');
  if (typeof m.sig !== 'string' || !/^[0-9a-f]{128}$/.test(m.sig)) throw new PeerTreeError('BAD_INPUT', 'memory: sig');
  const content = checkContent({
    text: m.text as string,
    tags: m.tags as string[],
    ref: m.ref === null ? null : (m.ref as string),
  });
  // Signed content must already be normalized: re-normalizing must not change what was signed.
  if (JSON.stringify(content.tags) !== JSON.stringify(m.tags))
    throw new PeerTreeError('BAD_INPUT', 'memory: tags not normalized');
  return { v: 1, text: content.text, tags: content.tags, ref: content.ref, author: m.author, ts: m.ts, sig: m.sig };
}

export async function verifyMemory(m: Memory): Promise<boolean> {
  return verifySignature(fromHex(m.author), memoryBytes(fromHex(m.author), m.ts, m), fromHex(m.sig));
}

export async function memoryId(m: Memory): Promise<string> {
  return toHex(await sha256(memoryBytes(fromHex(m.author), m.ts, m)));
}
