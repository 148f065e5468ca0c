// The progressive join of multipart uploads (library mirror on): parts sent in order stream into the object's one
// file, a part sent ahead of its turn waits for it, and when Complete names other parts than the join holds (a part
// uploaded again, a part left out) the object is still exactly the named parts. Hand-signed requests; the gateway's
// request log says how each part was taken ("joined" / "stored") and how Complete made the file.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { waitFor } from './relay-harness.ts';
import { signedRequest, useS3Setup, type S3Setup } from './s3-harness.ts';

let s: S3Setup;
const MiB = 1024 * 1024;

useS3Setup({ args: ['--log-requests'] }, (made) => (s = made));

function xmlValue(text: string, tag: string): string {
  const m = new RegExp(`<${tag}>([^<]*)</${tag}>`).exec(text);
  if (!m) throw new Error(`no <${tag}> in ${text}`);
  return m[1]!.replaceAll('&quot;', '"');
}

/** Request-log lines for `operation` since `from` (an offset into the gateway's stderr), once there are `count`. */
async function logged(from: number, operation: string, count: number): Promise<string[]> {
  return waitFor(
    `${count} ${operation} lines in the request log`,
    async () => {
      const lines = linesOf(from, operation);
      return lines.length >= count ? lines : null;
    },
    10_000,
    50,
  );
}

function linesOf(from: number, operation: string): string[] {
  return s
    .gatewayStderr()
    .slice(from)
    .split('\n')
    .filter((l) => l.startsWith(`peertree s3: request ${operation} `))
    .map((l) => l.slice(`peertree s3: request ${operation} `.length));
}

async function create(key: string): Promise<string> {
  const r = await signedRequest(s.gateway, 'POST', `/join-bucket/${key}`, { uploads: '' }, '');
  expect(r.status, r.text).toBe(200);
  return xmlValue(r.text, 'UploadId');
}

async function part(key: string, uploadId: string, n: number, body: Buffer): Promise<string> {
  const bytes = new Uint8Array(body.buffer.slice(body.byteOffset, body.byteOffset + body.length) as ArrayBuffer);
  const r = await signedRequest(s.gateway, 'PUT', `/join-bucket/${key}`, { partNumber: String(n), uploadId }, bytes, {
    'content-type': 'application/octet-stream',
  });
  expect(r.status, r.text).toBe(200);
  return r.headers.get('etag')!;
}

async function complete(key: string, uploadId: string, parts: Record<number, string>): Promise<void> {
  const xml = Object.entries(parts)
    .map(([n, e]) => `<Part><PartNumber>${n}</PartNumber><ETag>${e}</ETag></Part>`)
    .join('');
  const r = await signedRequest(
    s.gateway,
    'POST',
    `/join-bucket/${key}`,
    { uploadId },
    `<CompleteMultipartUpload>${xml}</CompleteMultipartUpload>`,
  );
  expect(r.status, r.text).toBe(200);
}

/** Rows of the gateway's saved joins and of the shards its joins' puts have in flight. */
function joinRows(): { saved: number; shards: number } {
  const db = new Database(join(s.home, 's3-index.sqlite'), { readonly: true });
  try {
    const count = (table: string) => (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
    return { saved: count('saved_joins'), shards: count('join_shards') };
  } finally {
    db.close();
  }
}

async function read(key: string): Promise<Buffer> {
  const r = await signedRequest(s.gateway, 'GET', `/join-bucket/${key}`, {}, '');
  expect(r.status).toBe(200);
  return r.body;
}

describe('progressive multipart join', () => {
  it('streams parts sent in order into one file; a part sent early waits its turn', async () => {
    expect((await signedRequest(s.gateway, 'PUT', '/join-bucket', {}, '')).status).toBe(200);
    const [a, b, c] = [randomBytes(5 * MiB), randomBytes(5 * MiB), randomBytes(1000)];
    const id = await create('ordered');
    const from = s.gatewayStderr().length;
    const e1 = await part('ordered', id, 1, a);
    // Part 3 starts before part 2: it waits (its body held back) until part 2 is in.
    const third = part('ordered', id, 3, c);
    const e2 = await part('ordered', id, 2, b);
    const e3 = await third;
    expect(await logged(from, 'UploadPart', 3)).toEqual(['200 joined', '200 joined', '200 joined']);
    await complete('ordered', id, { 1: e1, 2: e2, 3: e3 });
    expect(await logged(from, 'CompleteMultipartUpload', 1)).toEqual(['200 appended']);
    expect((await read('ordered')).equals(Buffer.concat([a, b, c]))).toBe(true);
  }, 120_000);

  it('uses the last upload of a part number, and leaves out parts Complete does not name', async () => {
    const [a, b, b2, c] = [randomBytes(5 * MiB), randomBytes(5 * MiB), randomBytes(5 * MiB), randomBytes(777)];
    const id = await create('again');
    const from = s.gatewayStderr().length;
    const e1 = await part('again', id, 1, a);
    await part('again', id, 2, b);
    const e3 = await part('again', id, 3, c);
    const e2 = await part('again', id, 2, b2); // uploaded again after it was joined: stored on its own
    expect(await logged(from, 'UploadPart', 4)).toEqual(['200 joined', '200 joined', '200 joined', '200 stored']);
    await complete('again', id, { 1: e1, 2: e2, 3: e3 });
    expect(await logged(from, 'CompleteMultipartUpload', 1)).toEqual(['200 rejoined']);
    expect((await read('again')).equals(Buffer.concat([a, b2, c]))).toBe(true);

    const id2 = await create('gap');
    const f1 = await part('gap', id2, 1, a);
    await part('gap', id2, 2, b);
    const f3 = await part('gap', id2, 3, c);
    await complete('gap', id2, { 1: f1, 3: f3 });
    expect((await read('gap')).equals(Buffer.concat([a, c]))).toBe(true);
  }, 120_000);

  it('drops the join on Abort: the upload is gone and nothing is listed', async () => {
    const id = await create('dropped');
    await part('dropped', id, 1, randomBytes(5 * MiB));
    const abort = await signedRequest(s.gateway, 'DELETE', '/join-bucket/dropped', { uploadId: id }, '');
    expect(abort.status).toBe(204);
    const parts = await signedRequest(s.gateway, 'GET', '/join-bucket/dropped', { uploadId: id }, '');
    expect(parts.text).toMatch(/<Code>NoSuchUpload<\/Code>/);
    const head = await signedRequest(s.gateway, 'HEAD', '/join-bucket/dropped', {}, '');
    expect(head.status).toBe(404);
  }, 60_000);

  it('keeps the joined parts across a restart of the gateway and releases them after Complete', async () => {
    const [a, b, c] = [randomBytes(5 * MiB), randomBytes(5 * MiB), randomBytes(4321)];
    const id = await create('restarted');
    const before = s.gatewayStderr().length;
    const e1 = await part('restarted', id, 1, a);
    const e2 = await part('restarted', id, 2, b);
    expect(await logged(before, 'UploadPart', 2)).toEqual(['200 joined', '200 joined']);
    await s.restartGateway();
    // The stop ended the joined file and kept it; nothing of the put is in flight any more.
    expect(joinRows()).toEqual({ saved: 1, shards: 0 });
    const from = s.gatewayStderr().length;
    const e3 = await part('restarted', id, 3, c);
    expect(await logged(from, 'UploadPart', 1)).toEqual(['200 stored']);
    await complete('restarted', id, { 1: e1, 2: e2, 3: e3 });
    expect(await logged(from, 'CompleteMultipartUpload', 1)).toEqual(['200 rejoined']);
    expect((await read('restarted')).equals(Buffer.concat([a, b, c]))).toBe(true);
    expect(joinRows()).toEqual({ saved: 0, shards: 0 });
    expect(s.gatewayStderr().slice(from)).not.toMatch(/could not release/);
  }, 120_000);

  it('after a crash mid-join releases what the join had sent and no longer lists its parts', async () => {
    const id = await create('crashed');
    const before = s.gatewayStderr().length;
    await part('crashed', id, 1, randomBytes(5 * MiB));
    expect(await logged(before, 'UploadPart', 1)).toEqual(['200 joined']);
    expect(joinRows().shards).toBeGreaterThan(0);
    await s.crashGateway();
    expect(joinRows()).toEqual({ saved: 0, shards: 0 });
    expect(s.gatewayStderr()).toMatch(/1 multipart parts were lost/);
    const parts = await signedRequest(s.gateway, 'GET', '/join-bucket/crashed', { uploadId: id }, '');
    expect(parts.status).toBe(200);
    expect(parts.text).not.toMatch(/<Part>/);
    // The upload goes on: the part sent again is stored, and Complete makes the object of it.
    const body = randomBytes(1000);
    const e1 = await part('crashed', id, 1, body);
    await complete('crashed', id, { 1: e1 });
    expect((await read('crashed')).equals(body)).toBe(true);
    expect(s.gatewayStderr()).not.toMatch(/could not release/);
  }, 120_000);
});
