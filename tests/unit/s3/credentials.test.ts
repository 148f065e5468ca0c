// The gateway's S3 credentials: made once with mode 0600, the same on every load, replaced only by a rotation.
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  credentialsFile,
  liveCredentials,
  loadCredentials,
  rotateCredentials,
} from '../../../node-relay/s3/credentials.ts';

const dirs: string[] = [];
function home(): string {
  const d = mkdtempSync(join(tmpdir(), 'peertree-s3-creds-'));
  dirs.push(d);
  return join(d, 'home');
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('S3 credentials', () => {
  it('are created on first use with mode 0600 and stay the same on every load', async () => {
    const h = home();
    const first = await loadCredentials(h);
    expect(first.accessKeyId).toMatch(/^PT[A-Z2-7]{18}$/);
    expect(first.secretAccessKey.length).toBeGreaterThanOrEqual(40);
    expect(statSync(credentialsFile(h)).mode & 0o777).toBe(0o600);
    expect(await loadCredentials(h)).toEqual(first);
  });

  it('change only when rotated, and the rotated pair is what loads from then on', async () => {
    const h = home();
    const first = await loadCredentials(h);
    const rotated = await rotateCredentials(h);
    expect(rotated.accessKeyId).not.toBe(first.accessKeyId);
    expect(rotated.secretAccessKey).not.toBe(first.secretAccessKey);
    expect(await loadCredentials(h)).toEqual(rotated);
    expect(statSync(credentialsFile(h)).mode & 0o777).toBe(0o600);
  });

  it('refuse a damaged file instead of silently replacing it', async () => {
    const h = home();
    await loadCredentials(h);
    writeFileSync(credentialsFile(h), '{"accessKeyId": 5}');
    await expect(loadCredentials(h)).rejects.toThrow(/does not hold S3 credentials.*--rotate/);
  });

  it('reach a running gateway after a rotation, and a removed file keeps the pair in use', async () => {
    const h = home();
    const first = await loadCredentials(h);
    let t = 0;
    const live = liveCredentials(first, h, () => t);
    const rotated = await rotateCredentials(h);
    expect(await live()).toEqual(first); // looked at again at most once a second
    t = 1000;
    expect(await live()).toEqual(rotated);
    rmSync(credentialsFile(h));
    t = 2000;
    expect(await live()).toEqual(rotated);
  });
});
