// The S3 gateway acting as the person of an app key backup mirrors its buckets into their library record on the
// relays: objects become entries named "BUCKET/KEY" (what the app lists), deleted ones tombstones, and the record's
// `collections` field is the bucket index; the entry's capability opens with `peertree get`.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportBackup, makeBackableKey } from '../../pwa/src/data/identity-backup.ts';
import { toHex } from '../../core/bytes.ts';
import { isPresent } from '../../core/library/merge.ts';
import type { OpenedRecord } from '../../core/library/record.ts';
import { killAll, runCli, tmpDir, waitFor } from './relay-harness.ts';
import { libraryRecord, run, startS3Setup, type S3Setup } from './s3-harness.ts';

let s: S3Setup;
let owner: string;
const libraryKey = crypto.getRandomValues(new Uint8Array(32));
const keys = tmpDir('peertree-s3-backup-');

/** The newest library record of `owner` as a relay other than the gateway's serves it (or null). */
function record(relay: string): Promise<OpenedRecord | null> {
  return libraryRecord(relay, owner, libraryKey);
}

beforeAll(async () => {
  const made = await makeBackableKey();
  owner = toHex(made.publicKey);
  const backup = join(keys.path, 'backup.json');
  writeFileSync(backup, await exportBackup(made.wrapped, made.publicKey, 'correct horse battery', libraryKey));
  s = await startS3Setup({ args: ['--backup', backup], env: { PEERTREE_BACKUP_PASSPHRASE: 'correct horse battery' } });
  mkdirSync(s.work, { recursive: true });
}, 120_000);

afterAll(async () => {
  await s?.stop();
  killAll();
  keys.remove();
});

describe('the S3 gateway and the library', () => {
  it('lists objects in the library as BUCKET/KEY, tombstones deleted ones, and keeps the buckets as collections', async () => {
    expect(s.gateway.library).toBe(owner);
    const aws = (args: string[]) => run('aws', ['--endpoint-url', s.gateway.endpoint, ...args], s.env);
    const a = join(s.work, 'a.txt');
    const b = join(s.work, 'b.txt');
    writeFileSync(a, 'kept in the library');
    writeFileSync(b, 'deleted later');
    expect((await aws(['s3', 'mb', 's3://lib-bucket'])).code).toBe(0);
    expect((await aws(['s3', 'cp', '--only-show-errors', a, 's3://lib-bucket/docs/a.txt'])).code).toBe(0);
    expect((await aws(['s3', 'cp', '--only-show-errors', b, 's3://lib-bucket/b.txt'])).code).toBe(0);
    const both = await waitFor('both objects in the library', async () => {
      const r = await record(s.relays[2]!.ready.url);
      return r && r.entries.filter(isPresent).length === 2 ? r : null;
    });
    expect(both.entries.map((e) => e.name).sort()).toEqual(['lib-bucket/b.txt', 'lib-bucket/docs/a.txt']);
    expect((await aws(['s3', 'rm', 's3://lib-bucket/b.txt'])).code).toBe(0);
    const after = await waitFor('the deleted object removed from the library', async () => {
      const r = await record(s.relays[1]!.ready.url);
      return r && r.entries.filter(isPresent).length === 1 ? r : null;
    });
    const kept = after.entries.find(isPresent)!;
    expect(kept).toMatchObject({ name: 'lib-bucket/docs/a.txt', type: 'text/plain', size: 19 });
    expect(after.entries.find((e) => e.name === 'lib-bucket/b.txt')!.removedAt).toBeGreaterThan(0);
    expect(after.collections).toEqual([{ name: 'lib-bucket', items: [{ key: 'docs/a.txt', cap: kept.cap }] }]);

    const out = join(s.work, 'a.via-library');
    const get = await runCli(['get', kept.cap, '--relay', s.relays[2]!.ready.url, '-o', out], 60_000, { env: s.env });
    expect(get.code, get.stderr).toBe(0);
    expect(readFileSync(out, 'utf8')).toBe('kept in the library');
  }, 90_000);

  it('lists a multipart object as one library entry whose capability gives the same bytes', async () => {
    const aws = (args: string[]) => run('aws', ['--endpoint-url', s.gateway.endpoint, ...args], s.env);
    const big = join(s.work, 'big.bin');
    // 20 MiB: above the AWS CLI's 8 MiB multipart threshold, so it arrives in 3 parts.
    const bytes = crypto.getRandomValues(new Uint8Array(65_536));
    const body = Buffer.alloc(20 * 1024 * 1024);
    for (let at = 0; at < body.length; at += bytes.length)
      body.set(
        bytes.map((b, i) => b ^ (at + i)),
        at,
      );
    writeFileSync(big, body);
    expect((await aws(['s3', 'mb', 's3://parts-bucket'])).code).toBe(0);
    const put = await aws(['s3', 'cp', '--only-show-errors', big, 's3://parts-bucket/big.bin']);
    expect(put.code, put.stderr).toBe(0);
    const head = await aws(['s3api', 'head-object', '--bucket', 'parts-bucket', '--key', 'big.bin']);
    expect(JSON.parse(head.stdout).ETag).toMatch(/-3"$/);
    const found = await waitFor('the multipart object in the library', async () => {
      const r = await record(s.relays[0]!.ready.url);
      return r?.entries.find((e) => e.name === 'parts-bucket/big.bin' && isPresent(e)) ?? null;
    });
    expect(found.size).toBe(body.length);
    const out = join(s.work, 'big.via-library');
    const get = await runCli(['get', found.cap, '--relay', s.relays[1]!.ready.url, '-o', out], 90_000, { env: s.env });
    expect(get.code, get.stderr).toBe(0);
    expect(readFileSync(out).equals(body)).toBe(true);
    const down = join(s.work, 'big.via-s3');
    expect((await aws(['s3', 'cp', '--only-show-errors', 's3://parts-bucket/big.bin', down])).code).toBe(0);
    expect(readFileSync(down).equals(body)).toBe(true);
  }, 180_000);
});
