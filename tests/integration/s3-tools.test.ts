// The S3 gateway with rclone, restic and s3cmd against a 3-relay tree: a folder of 300 files (0 B to 40 MiB,
// nested, unicode names) synced and checked by download, a second sync that moves nothing, a restic backup that
// checks (--read-data) and restores to identical bytes, and s3cmd put/ls/del.
import { mkdirSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { killAll } from './relay-harness.ts';
import { run, startS3Setup, type S3Setup } from './s3-harness.ts';

let s: S3Setup;
let folder: string;
const KiB = 1024;
const MiB = 1024 * KiB;

/** 300 files: one empty, 292 small (up to 40 KiB), 6 of 0.5–3 MiB, one of 40 MiB; three levels deep; unicode names. */
function makeFolder(root: string): void {
  const names = ['plain', 'ünïcødé', '日本語', 'emoji-🌳', 'space name', 'a+b=c', 'x&y'];
  for (let i = 0; i < 300; i++) {
    const dir = join(root, `d${i % 5}`, names[i % names.length]!, i % 3 === 0 ? 'deeper' : '');
    mkdirSync(dir, { recursive: true });
    const size = i === 0 ? 0 : i === 299 ? 40 * MiB : i < 293 ? (i * 137) % (40 * KiB) : (i - 292) * 0.5 * MiB + 12345;
    writeFileSync(join(dir, `${names[(i + 3) % names.length]} ${i}.bin`), randomBytes(Math.floor(size)));
  }
}

beforeAll(async () => {
  s = await startS3Setup();
  mkdirSync(s.work, { recursive: true });
  folder = join(s.work, 'folder');
  makeFolder(folder);
}, 120_000);

afterAll(async () => {
  await s?.stop();
  killAll();
});

describe('the S3 gateway with rclone, restic and s3cmd', () => {
  it('rclone sync, then check --download finds no difference, and a second sync transfers nothing', async () => {
    const sync = await run('rclone', ['sync', folder, 'pt:rclone-bucket', '--transfers', '4'], s.env, 150_000);
    expect(sync.code, sync.stderr.slice(-3000) + s.gatewayStderr()).toBe(0);
    const check = await run('rclone', ['check', '--download', folder, 'pt:rclone-bucket'], s.env, 150_000);
    expect(check.code, check.stderr.slice(-3000)).toBe(0);
    expect(check.stderr).toMatch(/0 differences found/);
    expect(check.stderr).toMatch(/300 matching files/);
    const again = await run('rclone', ['sync', folder, 'pt:rclone-bucket', '--stats-one-line', '-v'], s.env, 60_000);
    expect(again.code, again.stderr.slice(-3000)).toBe(0);
    expect(again.stderr).not.toMatch(/INFO\s*:.*: Copied/);
    expect(again.stderr).toMatch(/There was nothing to transfer/);
  }, 300_000);

  it('restic init, backup, check --read-data and restore give back identical bytes', async () => {
    const env = { ...s.env, RESTIC_REPOSITORY: `s3:${s.gateway.endpoint}/restic-bucket` };
    const init = await run('restic', ['init'], env);
    expect(init.code, init.stderr).toBe(0);
    const backup = await run('restic', ['backup', folder], env, 150_000);
    expect(backup.code, backup.stderr.slice(-3000) + s.gatewayStderr()).toBe(0);
    const check = await run('restic', ['check', '--read-data'], env, 150_000);
    expect(check.code, check.stdout + check.stderr).toBe(0);
    expect(check.stdout).toMatch(/no errors were found/);
    const target = join(s.work, 'restored');
    const restore = await run('restic', ['restore', 'latest', '--target', target], env, 150_000);
    expect(restore.code, restore.stderr).toBe(0);
    const diff = await run('diff', ['-r', folder, join(target, folder)], env);
    expect(diff.code, diff.stdout.slice(0, 2000)).toBe(0);
  }, 300_000);

  it('s3cmd puts, lists and deletes', async () => {
    const c = ['-c', s.s3cfg];
    expect((await run('s3cmd', [...c, 'mb', 's3://s3cmd-bucket'], s.env)).code).toBe(0);
    const file = join(s.work, 's3cmd.txt');
    writeFileSync(file, 'from s3cmd');
    const put = await run('s3cmd', [...c, 'put', file, 's3://s3cmd-bucket/some/where/s3cmd.txt'], s.env);
    expect(put.code, put.stderr).toBe(0);
    const ls = await run('s3cmd', [...c, 'ls', '-r', 's3://s3cmd-bucket'], s.env);
    expect(ls.stdout).toMatch(/\s10\s+s3:\/\/s3cmd-bucket\/some\/where\/s3cmd\.txt/);
    const top = await run('s3cmd', [...c, 'ls', 's3://s3cmd-bucket'], s.env);
    expect(top.stdout).toMatch(/DIR\s+s3:\/\/s3cmd-bucket\/some\//);
    const del = await run('s3cmd', [...c, 'del', 's3://s3cmd-bucket/some/where/s3cmd.txt'], s.env);
    expect(del.code, del.stderr).toBe(0);
    const after = await run('s3cmd', [...c, 'ls', '-r', 's3://s3cmd-bucket'], s.env);
    expect(after.stdout.trim()).toBe('');
    expect((await run('s3cmd', [...c, 'rb', 's3://s3cmd-bucket'], s.env)).code).toBe(0);
  });
});
