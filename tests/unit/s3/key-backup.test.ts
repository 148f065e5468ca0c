// The CLI opens a key backup made by the app's own code (pwa/src/data/identity-backup.ts): the same identity and
// library key come out; a wrong passphrase, a changed byte or another kind of file are refused in plain words.
import { readFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { exportBackup, makeBackableKey } from '../../../pwa/src/data/identity-backup.ts';
import { openKeyBackup } from '../../../node-relay/cli/key-backup.ts';
import { toHex } from '../../../core/bytes.ts';

const dir = mkdtempSync(join(tmpdir(), 'peertree-backup-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('opening an app key backup from the CLI', () => {
  it('gives the same identity (it signs as that key) and the library key', async () => {
    const made = await makeBackableKey();
    const library = crypto.getRandomValues(new Uint8Array(32));
    const path = join(dir, 'backup.json');
    writeFileSync(path, await exportBackup(made.wrapped, made.publicKey, 'a long passphrase', library));
    const opened = await openKeyBackup(path, 'a long passphrase');
    expect(toHex(opened.identity.publicKey)).toBe(toHex(made.publicKey));
    expect(toHex(opened.libraryKey!)).toBe(toHex(library));
    const message = new TextEncoder().encode('signed by the CLI');
    const sig = await opened.identity.sign(message);
    const pub = await crypto.subtle.importKey('raw', new Uint8Array(made.publicKey), { name: 'Ed25519' }, false, [
      'verify',
    ]);
    expect(await crypto.subtle.verify({ name: 'Ed25519' }, pub, new Uint8Array(sig), message)).toBe(true);

    await expect(openKeyBackup(path, 'not the passphrase')).rejects.toThrow(/wrong passphrase/);
    const doc = JSON.parse(readFileSync(path, 'utf8')) as { data: string };
    const changed = join(dir, 'changed.json');
    writeFileSync(
      changed,
      JSON.stringify({ ...doc, data: doc.data.slice(0, -2) + (doc.data.endsWith('AA') ? 'AB' : 'AA') }),
    );
    await expect(openKeyBackup(changed, 'a long passphrase')).rejects.toThrow(
      /wrong passphrase, or the key backup was changed/,
    );
    const other = join(dir, 'other.json');
    writeFileSync(other, '{"format":"something-else"}');
    await expect(openKeyBackup(other, 'a long passphrase')).rejects.toThrow(/not a PeerTree key backup/);
  });
});
