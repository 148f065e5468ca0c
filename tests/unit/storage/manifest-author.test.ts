// The uploader's signature travels inside the manifest shard's bytes: the asset hash names who made the file.
import { describe, expect, it } from 'vitest';
import { toHex, utf8 } from '../../../core/bytes.ts';
import { sha256 } from '../../../core/crypto/sha256.ts';
import { generateIdentity } from '../../../core/identity/identity.ts';
import { checkRegistrant } from '../../../core/ledger/registrant.ts';
import { FileDecoder, FileEncoder } from '../../../core/storage/file-codec.ts';
import { parseCapability } from '../../../core/storage/capability.ts';
import {
  MANIFEST_HEADER_BYTES,
  MANIFEST_SIGNED_BYTES,
  readManifestAuthor,
  signManifest,
} from '../../../core/storage/manifest-author.ts';

describe('a signed manifest', async () => {
  const { identity: alice } = await generateIdentity();

  it('has a fixed layout: magic, author key, signature, then the body; the statement is 85 bytes', async () => {
    const stored = await signManifest(alice, utf8('{"v":1}'));
    expect(stored.length).toBe(MANIFEST_HEADER_BYTES + 7);
    expect(Buffer.from(stored.subarray(0, 4)).toString()).toBe('PTm1');
    expect(toHex(stored.subarray(4, 36))).toBe(toHex(alice.publicKey));
    expect(MANIFEST_SIGNED_BYTES).toBe(85);
    expect(await readManifestAuthor(stored)).toEqual({ author: toHex(alice.publicKey), body: utf8('{"v":1}') });
  });

  it('names nobody when unsigned, or when its signature does not cover its body', async () => {
    expect((await readManifestAuthor(utf8('{"v":1}'))).author).toBeNull();
    const stored = await signManifest(alice, utf8('{"v":1}'));
    stored[stored.length - 1] = stored[stored.length - 1]! ^ 1;
    const read = await readManifestAuthor(stored);
    expect(read.author).toBeNull();
    expect(read.body).toBe(stored);
  });

  it('is what an encrypted put stores, and it still opens with the capability', async () => {
    const encoder = await FileEncoder.create({ name: 'photo.jpg' });
    const shard = await encoder.addShard(utf8('the bytes of a photo'));
    const { manifestShard, capability } = await encoder.finish({ inline: shard, author: alice });
    const decoder = await FileDecoder.open(parseCapability(capability), manifestShard.bytes);
    expect(decoder.author).toBe(toHex(alice.publicKey));
    expect(decoder.manifest.name).toBe('photo.jpg');
  });
});

describe('checkRegistrant', async () => {
  const { identity: alice } = await generateIdentity();
  const { identity: mallory } = await generateIdentity();
  const stored = await signManifest(alice, utf8('sealed manifest'));
  const asset = toHex(await sha256(stored));

  it('lets the key that signed the manifest register it', async () => {
    await expect(checkRegistrant(asset, toHex(alice.publicKey), stored)).resolves.toBe(toHex(alice.publicKey));
  });

  it('refuses another key with FORBIDDEN, even one that re-stored and pinned the same bytes', async () => {
    await expect(checkRegistrant(asset, toHex(mallory.publicKey), stored)).rejects.toMatchObject({ code: 'FORBIDDEN' });
  });

  it('refuses a registration without the manifest, or with bytes that are not the asset', async () => {
    await expect(checkRegistrant(asset, toHex(alice.publicKey), null)).rejects.toMatchObject({ code: 'BAD_INPUT' });
    await expect(
      checkRegistrant(asset, toHex(mallory.publicKey), await signManifest(mallory, utf8('sealed manifest'))),
    ).rejects.toMatchObject({ code: 'BAD_INPUT' });
  });

  it('leaves an unsigned (older) manifest to the pin rule', async () => {
    const old = utf8('an older manifest');
    await expect(checkRegistrant(toHex(await sha256(old)), toHex(mallory.publicKey), old)).resolves.toBeNull();
  });
});
