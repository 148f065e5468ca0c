// The S3 gateway with the real AWS CLI and curl against a 3-relay tree: a multipart 100 MiB object up and down,
// listings, a presigned GET, S3's errors for a wrong secret, malformed XML and a bad range; the stored object
// opens with `peertree get` too (same files, same encryption as `peertree put`).
import { readFileSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { runCli, waitFor } from './relay-harness.ts';
import { run, useS3Setup, type S3Setup, gatewaySigner, signedRequest, writeRandomFile } from './s3-harness.ts';

let s: S3Setup;
const MiB = 1024 * 1024;

function aws(args: string[], timeoutMs = 120_000) {
  return run('aws', ['--endpoint-url', s.gateway.endpoint, ...args], s.env, timeoutMs);
}

/** A request signed with the gateway's real credentials (SigV4 header form), sent with fetch. */
function signedFetch(
  method: string,
  path: string,
  query: Record<string, string>,
  body: string,
  extra: Record<string, string> = {},
): Promise<{ status: number; text: string }> {
  return signedRequest(s.gateway, method, path, query, body, extra);
}

useS3Setup({}, (made) => (s = made));

describe('the S3 gateway with the AWS CLI', () => {
  it('copies a 100 MiB file up (multipart) and down byte for byte, and lists it', async () => {
    const file = join(s.work, 'big.bin');
    writeRandomFile(file, 100 * MiB);
    expect((await aws(['s3', 'mb', 's3://aws-bucket'])).code).toBe(0);
    const up = await aws(['s3', 'cp', '--only-show-errors', file, 's3://aws-bucket/data/big.bin'], 170_000);
    expect(up.code, up.stderr + s.gatewayStderr()).toBe(0);
    const head = await aws(['s3api', 'head-object', '--bucket', 'aws-bucket', '--key', 'data/big.bin']);
    expect(head.code, head.stderr).toBe(0);
    const meta = JSON.parse(head.stdout) as { ContentLength: number; ETag: string };
    expect(meta.ContentLength).toBe(100 * MiB);
    expect(meta.ETag).toMatch(/^"[0-9a-f]{32}-\d+"$/); // the multipart form of ETag
    const ls = await aws(['s3', 'ls', 's3://aws-bucket/data/']);
    expect(ls.stdout).toMatch(new RegExp(`\\s${100 * MiB} big\\.bin`));
    const top = await aws(['s3', 'ls', 's3://aws-bucket/']);
    expect(top.stdout).toMatch(/PRE data\//);
    const buckets = await aws(['s3', 'ls']);
    expect(buckets.stdout).toMatch(/aws-bucket/);
    const back = join(s.work, 'big.back');
    const down = await aws(['s3', 'cp', '--only-show-errors', 's3://aws-bucket/data/big.bin', back], 170_000);
    expect(down.code, down.stderr).toBe(0);
    const cmp = await run('cmp', [file, back], s.env);
    expect(cmp.code, cmp.stdout).toBe(0);
  }, 300_000);

  it('serves a presigned GET to curl, with a range, and refuses a range past the end with InvalidRange', async () => {
    const file = join(s.work, 'note.txt');
    writeFileSync(file, 'presigned bytes 0123456789');
    expect((await aws(['s3', 'cp', '--only-show-errors', file, 's3://aws-bucket/note.txt'])).code).toBe(0);
    const url = (await aws(['s3', 'presign', 's3://aws-bucket/note.txt', '--expires-in', '300'])).stdout.trim();
    expect(url).toMatch(/X-Amz-Signature=/);
    const whole = await run('curl', ['-s', '-f', url], s.env);
    expect(whole.stdout).toBe('presigned bytes 0123456789');
    const part = await run('curl', ['-s', '-w', '\n%{http_code}', '-H', 'Range: bytes=16-19', url], s.env);
    expect(part.stdout).toBe('0123\n206');
    const bad = await run('curl', ['-s', '-w', '\n%{http_code}', '-H', 'Range: bytes=500-600', url], s.env);
    expect(bad.stdout).toMatch(/<Code>InvalidRange<\/Code>[\s\S]*\n416$/);
    const tampered = await run('curl', ['-s', '-w', '\n%{http_code}', url.replace('note.txt', 'nope.txt')], s.env);
    expect(tampered.stdout).toMatch(/<Code>SignatureDoesNotMatch<\/Code>[\s\S]*\n403$/);
  });

  it('refuses a wrong secret with SignatureDoesNotMatch', async () => {
    const wrong = await run('aws', ['--endpoint-url', s.gateway.endpoint, 's3', 'ls', 's3://aws-bucket'], {
      ...s.env,
      AWS_SECRET_ACCESS_KEY: 'not-the-secret-not-the-secret',
    });
    expect(wrong.code).not.toBe(0);
    expect(wrong.stderr).toMatch(/SignatureDoesNotMatch/);
  });

  it('answers a malformed XML body with MalformedXML and keeps every object', async () => {
    const bad = await signedFetch('POST', '/aws-bucket', { delete: '' }, '<Delete><Object><Key>note.txt</Key></Object');
    expect(bad.status).toBe(400);
    expect(bad.text).toMatch(/<Code>MalformedXML<\/Code>/);
    const notXml = await signedFetch('POST', '/aws-bucket', { delete: '' }, 'this is not xml');
    expect(notXml.text).toMatch(/<Code>MalformedXML<\/Code>/);
    const huge = await signedFetch(
      'POST',
      '/aws-bucket',
      { delete: '' },
      `<Delete>${'<Object><Key>k</Key></Object>'.repeat(60_000)}</Delete>`,
    );
    expect(huge.status).toBe(400);
    expect(huge.text).toMatch(/<Code>MaxMessageLengthExceeded<\/Code>/);
    const longKey = await signedFetch('PUT', `/aws-bucket/${'k'.repeat(1025)}`, {}, 'x');
    expect(longKey.text).toMatch(/<Code>KeyTooLongError<\/Code>/);
    const still = await aws(['s3api', 'head-object', '--bucket', 'aws-bucket', '--key', 'note.txt']);
    expect(still.code).toBe(0);
  });

  it('never shows an object whose upload failed: a wrong signed digest, a bad chunk signature, a body cut short', async () => {
    expect((await aws(['s3', 'mb', 's3://partial-bucket'])).code).toBe(0);
    const body = 'x'.repeat(300_000);
    const wrongDigest = await signedFetch('PUT', '/partial-bucket/partial.bin', {}, body, {
      'x-amz-content-sha256': 'ab'.repeat(32),
    });
    expect(wrongDigest.status).toBe(400);
    expect(wrongDigest.text).toMatch(/<Code>XAmzContentSHA256Mismatch<\/Code>/);
    const chunked = await signedFetch(
      'PUT',
      '/partial-bucket/partial.bin',
      {},
      `5;chunk-signature=${'0'.repeat(64)}\r\nhello\r\n0;chunk-signature=${'0'.repeat(64)}\r\n\r\n`,
      {
        'x-amz-content-sha256': 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD',
        'x-amz-decoded-content-length': '5',
        'content-encoding': 'aws-chunked',
      },
    );
    expect(chunked.text).toMatch(/<Code>SignatureDoesNotMatch<\/Code>/);
    // Declares 1 MiB, sends 200 KiB, then goes away.
    const url = new URL(s.gateway.endpoint);
    const signer = gatewaySigner(s.gateway);
    const signed = await signer.sign({
      method: 'PUT',
      protocol: 'http:',
      hostname: url.hostname,
      path: '/partial-bucket/partial.bin',
      headers: { host: url.host, 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD', 'content-length': String(MiB) },
    });
    await new Promise<void>((resolve) => {
      const req = httpRequest({
        host: url.hostname,
        port: url.port,
        method: 'PUT',
        path: '/partial-bucket/partial.bin',
        headers: signed.headers,
      });
      req.on('error', () => resolve());
      req.write(randomBytes(200 * 1024), () => setTimeout(() => (req.destroy(), resolve()), 300));
    });
    const head = await aws(['s3api', 'head-object', '--bucket', 'partial-bucket', '--key', 'partial.bin']);
    expect(head.code).not.toBe(0);
    expect(head.stderr).toMatch(/404|Not Found/);
    const ls = await aws(['s3', 'ls', 's3://partial-bucket/']);
    expect(ls.stdout).not.toMatch(/partial\.bin/);
  });

  it('keeps user metadata and Content-Type, copies, deletes, and refuses to remove a bucket that is not empty', async () => {
    const file = join(s.work, 'meta.txt');
    writeFileSync(file, 'with metadata');
    const put = await aws([
      's3api',
      'put-object',
      '--bucket',
      'aws-bucket',
      '--key',
      'dir/meta.txt',
      '--body',
      file,
      '--content-type',
      'text/x-peertree',
      '--metadata',
      'colour=blue,owner=me',
    ]);
    expect(put.code, put.stderr).toBe(0);
    const copy = await aws([
      's3api',
      'copy-object',
      '--bucket',
      'aws-bucket',
      '--key',
      'dir/copy.txt',
      '--copy-source',
      'aws-bucket/dir/meta.txt',
    ]);
    expect(copy.code, copy.stderr).toBe(0);
    const head = JSON.parse(
      (await aws(['s3api', 'head-object', '--bucket', 'aws-bucket', '--key', 'dir/copy.txt'])).stdout,
    ) as { ContentType: string; Metadata: Record<string, string> };
    expect(head.ContentType).toBe('text/x-peertree');
    expect(head.Metadata).toEqual({ colour: 'blue', owner: 'me' });
    expect((await aws(['s3', 'rm', 's3://aws-bucket/dir/meta.txt'])).code).toBe(0);
    const out = join(s.work, 'copy.out');
    expect((await aws(['s3', 'cp', '--only-show-errors', 's3://aws-bucket/dir/copy.txt', out])).code).toBe(0);
    expect(readFileSync(out, 'utf8')).toBe('with metadata');
    const gone = await aws(['s3api', 'get-object', '--bucket', 'aws-bucket', '--key', 'dir/meta.txt', out]);
    expect(gone.stderr).toMatch(/NoSuchKey/);
    const rb = await aws(['s3api', 'delete-bucket', '--bucket', 'aws-bucket']);
    expect(rb.stderr).toMatch(/BucketNotEmpty/);
  });

  it('pages listings through max-keys, and runs a multipart upload by hand: list, wrong ETag, abort, complete', async () => {
    const api = (args: string[]) => aws(['s3api', ...args]);
    expect((await aws(['s3', 'mb', 's3://parts-bucket'])).code).toBe(0);
    const small = join(s.work, 'tiny.txt');
    writeFileSync(small, 'tiny');
    for (let i = 0; i < 7; i++)
      expect(
        (
          await api([
            'put-object',
            '--bucket',
            'parts-bucket',
            '--key',
            `many/k${String(i).padStart(2, '0')}`,
            '--body',
            small,
          ])
        ).code,
      ).toBe(0);
    // The CLI follows NextContinuationToken page by page (3 keys a page, 3 pages) and prints every key once.
    const paged = await aws(['s3', 'ls', '--recursive', '--page-size', '3', 's3://parts-bucket/many/']);
    expect(
      paged.stdout
        .trim()
        .split('\n')
        .map((l) => l.trim().split(/\s+/).at(-1)),
    ).toEqual(Array.from({ length: 7 }, (_, i) => `many/k${String(i).padStart(2, '0')}`));
    const v1 = JSON.parse(
      (
        await api([
          'list-objects',
          '--bucket',
          'parts-bucket',
          '--prefix',
          'many/',
          '--max-items',
          '5',
          '--page-size',
          '2',
        ])
      ).stdout,
    ) as { Contents: unknown[] };
    expect(v1.Contents).toHaveLength(5);

    const part = join(s.work, 'part.bin');
    writeRandomFile(part, 5 * MiB);
    const last = join(s.work, 'last.bin');
    writeFileSync(last, 'the end');
    const create = async () =>
      (
        JSON.parse(
          (await api(['create-multipart-upload', '--bucket', 'parts-bucket', '--key', 'by-hand.bin'])).stdout,
        ) as { UploadId: string }
      ).UploadId;
    const upload = async (id: string, n: number, body: string) =>
      (
        JSON.parse(
          (
            await api([
              'upload-part',
              '--bucket',
              'parts-bucket',
              '--key',
              'by-hand.bin',
              '--upload-id',
              id,
              '--part-number',
              String(n),
              '--body',
              body,
            ])
          ).stdout,
        ) as { ETag: string }
      ).ETag;
    const dropped = await create();
    await upload(dropped, 1, last);
    const uploads = JSON.parse((await api(['list-multipart-uploads', '--bucket', 'parts-bucket'])).stdout) as {
      Uploads: { UploadId: string }[];
    };
    expect(uploads.Uploads.map((u) => u.UploadId)).toContain(dropped);
    expect(
      (
        await api([
          'abort-multipart-upload',
          '--bucket',
          'parts-bucket',
          '--key',
          'by-hand.bin',
          '--upload-id',
          dropped,
        ])
      ).code,
    ).toBe(0);
    expect(
      (await api(['list-parts', '--bucket', 'parts-bucket', '--key', 'by-hand.bin', '--upload-id', dropped])).stderr,
    ).toMatch(/NoSuchUpload/);

    const id = await create();
    const e1 = await upload(id, 1, part);
    const e2 = await upload(id, 2, last);
    const parts = JSON.parse(
      (await api(['list-parts', '--bucket', 'parts-bucket', '--key', 'by-hand.bin', '--upload-id', id])).stdout,
    ) as { Parts: { PartNumber: number; Size: number }[] };
    expect(parts.Parts.map((p) => [p.PartNumber, p.Size])).toEqual([
      [1, 5 * MiB],
      [2, 7],
    ]);
    const complete = (list: { ETag: string; PartNumber: number }[]) =>
      api([
        'complete-multipart-upload',
        '--bucket',
        'parts-bucket',
        '--key',
        'by-hand.bin',
        '--upload-id',
        id,
        '--multipart-upload',
        JSON.stringify({ Parts: list }),
      ]);
    expect(
      (
        await complete([
          { ETag: e1, PartNumber: 1 },
          { ETag: '"00000000000000000000000000000000"', PartNumber: 2 },
        ])
      ).stderr,
    ).toMatch(/InvalidPart/);
    expect(
      (
        await complete([
          { ETag: e2, PartNumber: 2 },
          { ETag: e1, PartNumber: 1 },
        ])
      ).stderr,
    ).toMatch(/InvalidPartOrder/);
    const done = await complete([
      { ETag: e1, PartNumber: 1 },
      { ETag: e2, PartNumber: 2 },
    ]);
    expect(done.code, done.stderr).toBe(0);
    expect((JSON.parse(done.stdout) as { ETag: string }).ETag).toMatch(/-2"$/);
    // A range across the two parts.
    const out = join(s.work, 'across.bin');
    const ranged = await api([
      'get-object',
      '--bucket',
      'parts-bucket',
      '--key',
      'by-hand.bin',
      '--range',
      `bytes=${5 * MiB - 3}-${5 * MiB + 2}`,
      out,
    ]);
    expect(ranged.code, ranged.stderr).toBe(0);
    expect(
      readFileSync(out).equals(Buffer.concat([readFileSync(part).subarray(5 * MiB - 3), Buffer.from('the')])),
    ).toBe(true);
  }, 120_000);

  it('keeps credentials, buckets and objects across a restart of the gateway', async () => {
    const kept = join(s.work, 'kept.txt');
    writeFileSync(kept, 'kept across a restart');
    expect((await aws(['s3', 'mb', 's3://restart-bucket'])).code).toBe(0);
    expect((await aws(['s3', 'cp', '--only-show-errors', kept, 's3://restart-bucket/kept.txt'])).code).toBe(0);
    const before = { ...s.gateway };
    const after = await s.restartGateway();
    expect(after.accessKeyId).toBe(before.accessKeyId);
    expect(after.secretAccessKey).toBe(before.secretAccessKey);
    const out = join(s.work, 'kept.after-restart');
    const get = await aws(['s3', 'cp', '--only-show-errors', 's3://restart-bucket/kept.txt', out]);
    expect(get.code, get.stderr).toBe(0);
    expect(readFileSync(out, 'utf8')).toBe('kept across a restart');
  }, 60_000);

  it('stores the same encrypted file as peertree put: the object opens with peertree get', async () => {
    const db = new Database(join(s.home, 's3-index.sqlite'), { readonly: true });
    const row = db
      .prepare("SELECT capability FROM object_parts WHERE bucket = 'aws-bucket' AND key = 'note.txt'")
      .get() as { capability: string };
    db.close();
    expect(row.capability).toMatch(/^pt1\.[0-9a-f]{64}\.[A-Za-z0-9_-]{43}$/); // encrypted: the key is in the capability
    const out = join(s.work, 'note.via-cli');
    const get = await runCli(['get', row.capability, '--relay', s.relays[1]!.ready.url, '-o', out], 60_000, {
      env: s.env,
    });
    expect(get.code, get.stderr).toBe(0);
    expect(readFileSync(out, 'utf8')).toBe('presigned bytes 0123456789');
  });

  it('switches to rotated keys without a restart: the new secret works, the old one is refused', async () => {
    const rotate = await runCli(['s3', 'keys', '--rotate'], 20_000, { env: { PEERTREE_HOME: s.home } });
    expect(rotate.code, rotate.stderr).toBe(0);
    const fresh = JSON.parse(rotate.stdout) as { accessKeyId: string; secretAccessKey: string };
    expect(fresh.accessKeyId).not.toBe(s.gateway.accessKeyId);
    const withKeys = (k: { accessKeyId: string; secretAccessKey: string }) => ({
      ...s.env,
      AWS_ACCESS_KEY_ID: k.accessKeyId,
      AWS_SECRET_ACCESS_KEY: k.secretAccessKey,
    });
    await waitFor(
      'the gateway to take the new keys',
      async () =>
        (await run('aws', ['--endpoint-url', s.gateway.endpoint, 's3', 'ls'], withKeys(fresh))).code === 0
          ? true
          : null,
      30_000,
      500,
    );
    const old = await run('aws', ['--endpoint-url', s.gateway.endpoint, 's3', 'ls'], s.env);
    expect(old.code).not.toBe(0);
    expect(old.stderr).toMatch(/InvalidAccessKeyId/);
  }, 60_000);
});
