// The S3 gateway without --backup mirrors into the library of the CLI's own key: its library key is made on first
// start beside identity.seed (mode 0600), the same on the next start, and the record it seals opens with it.
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { toHex } from '../../core/bytes.ts';
import { identityFromSeed } from '../../core/identity/index.ts';
import { isPresent } from '../../core/library/merge.ts';
import { runCli, waitFor } from './relay-harness.ts';
import { libraryRecord, run, useS3Setup, type S3Setup } from './s3-harness.ts';

let s: S3Setup;
useS3Setup({}, (made) => (s = made));

describe('the S3 gateway and the CLI key’s own library', () => {
  it('makes a 0600 library key on first start, keeps it, and lists objects in that library', async () => {
    const seed = readFileSync(join(s.home, 'identity.seed'), 'utf8').trim();
    const owner = toHex((await identityFromSeed(new Uint8Array(Buffer.from(seed, 'hex')))).publicKey);
    expect(s.gateway.library).toBe(owner);
    const keyFile = join(s.home, 'identity.library-key');
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    const libraryKey = new Uint8Array(Buffer.from(readFileSync(keyFile, 'utf8').trim(), 'hex'));
    expect(libraryKey.length).toBe(32);

    const aws = (args: string[]) => run('aws', ['--endpoint-url', s.gateway.endpoint, ...args], s.env);
    const file = join(s.work, 'note.txt');
    writeFileSync(file, 'in my own library');
    expect((await aws(['s3', 'mb', 's3://own-bucket'])).code).toBe(0);
    expect((await aws(['s3', 'cp', '--only-show-errors', file, 's3://own-bucket/note.txt'])).code).toBe(0);
    const entry = await waitFor('the object in the CLI key’s library', async () => {
      const record = await libraryRecord(s.relays[1]!.ready.url, owner, libraryKey);
      return record?.entries.find((e) => e.name === 'own-bucket/note.txt' && isPresent(e)) ?? null;
    });
    const out = join(s.work, 'note.via-library');
    const get = await runCli(['get', entry.cap, '--relay', s.relays[2]!.ready.url, '-o', out], 60_000, { env: s.env });
    expect(get.code, get.stderr).toBe(0);
    expect(readFileSync(out, 'utf8')).toBe('in my own library');

    const again = await s.restartGateway();
    expect(again.library).toBe(owner);
    expect(readFileSync(keyFile, 'utf8').trim()).toBe(toHex(libraryKey));
  }, 120_000);
});
