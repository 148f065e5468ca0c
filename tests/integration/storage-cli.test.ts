// peertree put / get against a real relay process: exact bytes back, clear failures, nothing unverified written.
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  getStatus,
  killAll,
  rawRequest,
  runCli,
  startRelayProcess,
  tmpDir,
  type RelayProcess,
  lastLine,
} from './relay-harness.ts';
import { readManifestAuthor } from '../../core/storage/manifest-author.ts';

let relay: RelayProcess;
const data = tmpDir('peertree-storage-');
const work = tmpDir('peertree-files-');
// The CLI keeps the user's key under PEERTREE_HOME: never in the real home folder during tests.
process.env.PEERTREE_HOME = join(work.path, 'home');

beforeAll(async () => {
  relay = await startRelayProcess(data.path);
});

afterAll(async () => {
  await relay?.stop();
  killAll();
  data.remove();
  work.remove();
});

describe('peertree put and get through one relay', () => {
  it('stores an encrypted multi-shard file and gets back the exact bytes', async () => {
    const original = randomBytes(3 * 1024 * 1024 + 12345);
    const file = join(work.path, 'holiday.jpg');
    writeFileSync(file, original);
    const put = await runCli(['put', file, '--relay', relay.ready.url, '--replicas', '1'], 60_000);
    expect(put.code, put.stderr).toBe(0);
    const capability = lastLine(put.stdout);
    expect(capability).toMatch(/^pt1\.[0-9a-f]{64}\.[A-Za-z0-9_-]{43}$/);

    const out = join(work.path, 'copy.jpg');
    const get = await runCli(['get', capability, '--relay', relay.ready.url, '-o', out], 60_000);
    expect(get.code, get.stderr).toBe(0);
    expect(readFileSync(out).equals(original)).toBe(true);

    const status = await getStatus(relay.ready.url);
    expect(status.shards).toBeGreaterThanOrEqual(5); // 4 data shards and the manifest
    expect(status.bytes).toBeGreaterThan(original.length);
  });

  it('stores a public file that others can fetch, and streams a byte range to stdout', async () => {
    const original = Buffer.from('0123456789'.repeat(1000));
    const file = join(work.path, 'digits.txt');
    writeFileSync(file, original);
    const put = await runCli(['put', file, '--relay', relay.ready.url, '--replicas', '1', '--public']);
    expect(put.code, put.stderr).toBe(0);
    const capability = lastLine(put.stdout);
    expect(capability).toMatch(/^pt1\.[0-9a-f]{64}$/);
    const whole = await runCli(['get', capability, '--relay', relay.ready.url]);
    expect(whole.stdout).toBe(original.toString());
    const range = await runCli(['get', capability, '--relay', relay.ready.url, '--range', '15-24']);
    expect(range.code).toBe(0);
    expect(range.stdout).toBe('5678901234');
  });

  it('stores on the one relay there is when 3 copies are asked, says so, and the file opens', async () => {
    const file = join(work.path, 'small.bin');
    const bytes = randomBytes(3000);
    writeFileSync(file, bytes);
    const put = await runCli(['put', file, '--relay', relay.ready.url, '--replicas', '3', '--public']);
    expect(put.code, put.stderr).toBe(0);
    expect(put.stderr).toMatch(/on 1 of 3 relays: .*adds the other copies as relays join/);
    const out = join(work.path, 'small.out');
    const get = await runCli(['get', lastLine(put.stdout), '--relay', relay.ready.url, '-o', out]);
    expect(get.code, get.stderr).toBe(0);
    expect(readFileSync(out).equals(bytes)).toBe(true);
  });

  it('exits non-zero for a file that is not stored, and leaves no output file behind', async () => {
    const out = join(work.path, 'missing.bin');
    const get = await runCli(['get', `pt1.${'ab'.repeat(32)}`, '--relay', relay.ready.url, '-o', out]);
    expect(get.code).toBe(1);
    expect(get.stderr).toMatch(/NOT_FOUND/);
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(work.path).filter((n) => n.includes('partial'))).toEqual([]);
  });

  it('refuses to decrypt with a wrong key and writes nothing under the output name', async () => {
    const file = join(work.path, 'secret.txt');
    writeFileSync(file, 'the secret');
    const put = await runCli(['put', file, '--relay', relay.ready.url, '--replicas', '1']);
    const [prefix, hash] = lastLine(put.stdout).split('.');
    const wrongKey = Buffer.alloc(32, 7).toString('base64url');
    const out = join(work.path, 'secret-copy.txt');
    const get = await runCli(['get', `${prefix}.${hash}.${wrongKey}`, '--relay', relay.ready.url, '-o', out]);
    expect(get.code).toBe(1);
    expect(get.stderr).toMatch(/HASH_MISMATCH/);
    expect(existsSync(out)).toBe(false);
  });
});

describe('peertree delete', () => {
  it('lets the owner release a file, after which relays collect its shards', async () => {
    const file = join(work.path, 'to-delete.bin');
    writeFileSync(file, randomBytes(1024 * 1024 + 10));
    const before = (await getStatus(relay.ready.url)).shards as number;
    const capability = lastLine((await runCli(['put', file, '--relay', relay.ready.url, '--replicas', '1'])).stdout);
    expect((await getStatus(relay.ready.url)).shards).toBe(before + 3);
    await new Promise((r) => setTimeout(r, 5)); // the release must be newer than the pin
    const del = await runCli(['delete', capability, '--relay', relay.ready.url]);
    expect(del.code, del.stderr).toBe(0);
    expect(JSON.parse(lastLine(del.stdout))).toMatchObject({ released: 3 });
    expect((await getStatus(relay.ready.url)).shards).toBe(before);
    const get = await runCli(['get', capability, '--relay', relay.ready.url, '-o', join(work.path, 'gone.bin')]);
    expect(get.code).toBe(1);
    expect(get.stderr).toMatch(/NOT_FOUND/);
  });

  it('deletes a small file whose only shard is inside its manifest: one pin to release, nothing left behind', async () => {
    const file = join(work.path, 'small.txt');
    writeFileSync(file, randomBytes(2000));
    const before = (await getStatus(relay.ready.url)).shards as number;
    const capability = lastLine((await runCli(['put', file, '--relay', relay.ready.url, '--replicas', '1'])).stdout);
    expect((await getStatus(relay.ready.url)).shards).toBe(before + 1); // the manifest, with the data inside
    const out = join(work.path, 'small-copy.txt');
    expect((await runCli(['get', capability, '--relay', relay.ready.url, '-o', out])).code).toBe(0);
    expect(readFileSync(out).equals(readFileSync(file))).toBe(true);
    await new Promise((r) => setTimeout(r, 5)); // the release must be newer than the pin
    const del = await runCli(['delete', capability, '--relay', relay.ready.url]);
    expect(del.code, del.stderr).toBe(0);
    expect(JSON.parse(lastLine(del.stdout))).toMatchObject({ released: 1 });
    expect((await getStatus(relay.ready.url)).shards).toBe(before);
  });

  it('refuses a delete signed by anyone but the owner, and the file stays', async () => {
    const file = join(work.path, 'mine.txt');
    writeFileSync(file, 'mine, not yours');
    const capability = lastLine((await runCli(['put', file, '--relay', relay.ready.url, '--replicas', '1'])).stdout);
    const otherKey = join(work.path, 'mallory.seed');
    const del = await runCli(['delete', capability, '--relay', relay.ready.url, '--identity', otherKey]);
    expect(del.code).toBe(1);
    expect(del.stderr).toMatch(/FORBIDDEN: no pin of/);
    const out = join(work.path, 'mine-copy.txt');
    expect((await runCli(['get', capability, '--relay', relay.ready.url, '-o', out])).code).toBe(0);
    expect(readFileSync(out, 'utf8')).toBe('mine, not yours');
  });
});

describe('HTTP access to stored data', () => {
  it('streams a public file with Range, serves raw shards, and refuses encrypted capabilities', async () => {
    const original = randomBytes(1024 * 1024 + 500);
    const file = join(work.path, 'clip.mp4');
    writeFileSync(file, original);
    const put = await runCli(['put', file, '--relay', relay.ready.url, '--replicas', '1', '--public']);
    const capability = lastLine(put.stdout);
    const whole = await rawRequest(relay.ready.url, `/api/files/${capability}`);
    expect(whole.status).toBe(200);
    expect(whole.headers['content-type']).toBe('video/mp4');
    expect(whole.headers['accept-ranges']).toBe('bytes');
    expect(whole.body.equals(original)).toBe(true);
    const part = await rawRequest(relay.ready.url, `/api/files/${capability}`, 'GET', {
      range: 'bytes=1048570-1048590',
    });
    expect(part.status).toBe(206);
    expect(part.headers['content-range']).toBe(`bytes 1048570-1048590/${original.length}`);
    expect(part.body.equals(original.subarray(1048570, 1048591))).toBe(true);
    const beyond = await rawRequest(relay.ready.url, `/api/files/${capability}`, 'GET', {
      range: `bytes=${original.length}-`,
    });
    expect(beyond.status).toBe(416);

    const shardHash = capability.split('.')[1]!;
    const shard = await rawRequest(relay.ready.url, `/api/shards/${shardHash}`);
    expect(shard.status).toBe(200);
    expect(shard.headers['cache-control']).toMatch(/immutable/);
    // A public manifest is JSON after its uploader's signed header.
    expect(JSON.parse(Buffer.from((await readManifestAuthor(new Uint8Array(shard.body))).body).toString()).name).toBe(
      'clip.mp4',
    );

    // A small public file comes out of its manifest, whole or in part.
    const smallBytes = randomBytes(3000);
    const small = join(work.path, 'sound.wav');
    writeFileSync(small, smallBytes);
    const smallCap = lastLine(
      (await runCli(['put', small, '--relay', relay.ready.url, '--replicas', '1', '--public'])).stdout,
    );
    expect((await rawRequest(relay.ready.url, `/api/files/${smallCap}`)).body.equals(smallBytes)).toBe(true);
    const smallPart = await rawRequest(relay.ready.url, `/api/files/${smallCap}`, 'GET', { range: 'bytes=1000-1099' });
    expect(smallPart.status).toBe(206);
    expect(smallPart.body.equals(smallBytes.subarray(1000, 1100))).toBe(true);

    const secret = join(work.path, 'private.txt');
    writeFileSync(secret, 'private');
    const encrypted = lastLine((await runCli(['put', secret, '--relay', relay.ready.url, '--replicas', '1'])).stdout);
    const refused = await rawRequest(relay.ready.url, `/api/files/${encrypted}`);
    expect(refused.status).toBe(403);
    expect(refused.body.toString()).toMatch(/never take keys/);
    for (const bad of ['/api/shards/..%2f..%2fetc%2fpasswd', '/api/shards/ABC', '/api/files/pt1.zz']) {
      expect((await rawRequest(relay.ready.url, bad)).status, bad).toBe(400);
    }
  });
});
