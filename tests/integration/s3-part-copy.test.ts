// UploadPartCopy through the gateway: the real AWS CLI copies a multipart-sized object bucket to bucket (the
// gateway's request log shows it used UploadPartCopy), and hand-signed requests copy byte ranges into parts,
// with S3's errors for a range outside the source, a missing source, a missing upload and a failed condition.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { run, signedRequest, useS3Setup, writeRandomFile, type S3Setup } from './s3-harness.ts';

let s: S3Setup;
const MiB = 1024 * 1024;
const SIZE = 20 * MiB;

useS3Setup({ args: ['--log-requests'] }, (made) => (s = made));

/** The AWS CLI with this test's own config file: multipart (and multipart copy) above 8 MB. */
async function awsWithThreshold(): Promise<(args: string[]) => ReturnType<typeof run>> {
  const config = join(s.work, 'aws-config-8mb');
  writeFileSync(config, readFileSync(s.env.AWS_CONFIG_FILE!, 'utf8'));
  const env = { ...s.env, AWS_CONFIG_FILE: config };
  const set = await run('aws', ['configure', 'set', 'default.s3.multipart_threshold', '8MB'], env);
  expect(set.code, set.stderr).toBe(0);
  return (args) => run('aws', ['--endpoint-url', s.gateway.endpoint, ...args], env, 170_000);
}

function count(operation: string): number {
  return s
    .gatewayStderr()
    .split('\n')
    .filter((l) => l.startsWith(`peertree s3: request ${operation} 200`)).length;
}

function xmlValue(text: string, tag: string): string {
  const m = new RegExp(`<${tag}>([^<]*)</${tag}>`).exec(text);
  if (!m) throw new Error(`no <${tag}> in ${text}`);
  return m[1]!.replaceAll('&quot;', '"');
}

describe('UploadPartCopy', () => {
  it('aws s3 cp between buckets copies a 20 MiB object part by part, and it reads back identical', async () => {
    const aws = await awsWithThreshold();
    const file = join(s.work, 'big.bin');
    writeRandomFile(file, SIZE);
    expect((await aws(['s3', 'mb', 's3://copy-a'])).code).toBe(0);
    expect((await aws(['s3', 'mb', 's3://copy-b'])).code).toBe(0);
    const up = await aws(['s3', 'cp', '--only-show-errors', file, 's3://copy-a/big']);
    expect(up.code, up.stderr).toBe(0);
    const before = count('UploadPartCopy');
    const copy = await aws(['s3', 'cp', '--only-show-errors', 's3://copy-a/big', 's3://copy-b/big']);
    expect(copy.code, copy.stderr + s.gatewayStderr().slice(-2000)).toBe(0);
    // 20 MiB in the CLI's 8 MiB chunks: three copied parts, none of the bytes through the client.
    expect(count('UploadPartCopy') - before).toBe(3);
    const back = join(s.work, 'big.back');
    const down = await aws(['s3', 'cp', '--only-show-errors', 's3://copy-b/big', back]);
    expect(down.code, down.stderr).toBe(0);
    expect(readFileSync(back).equals(readFileSync(file))).toBe(true);
  }, 300_000);

  it('copies byte ranges into parts (signed requests), with InvalidRange, NoSuchKey, NoSuchUpload, 412', async () => {
    const g = s.gateway;
    const source = readFileSync(join(s.work, 'big.bin'));
    const created = await signedRequest(g, 'POST', '/copy-b/ranged', { uploads: '' }, '');
    expect(created.status, created.text).toBe(200);
    const uploadId = xmlValue(created.text, 'UploadId');
    const copyPart = (n: number, extra: Record<string, string>, id = uploadId) =>
      signedRequest(g, 'PUT', '/copy-b/ranged', { partNumber: String(n), uploadId: id }, '', {
        'x-amz-copy-source': '/copy-a/big',
        ...extra,
      });
    const first = 1000;
    const p1 = await copyPart(1, { 'x-amz-copy-source-range': `bytes=${first}-${first + 5 * MiB - 1}` });
    expect(p1.status, p1.text).toBe(200);
    expect(p1.text).toMatch(/<CopyPartResult[^>]*><ETag>&quot;[0-9a-f]{32}&quot;<\/ETag><LastModified>/);
    const p2 = await copyPart(2, { 'x-amz-copy-source-range': `bytes=${SIZE - 10}-${SIZE - 1}` });
    expect(p2.status, p2.text).toBe(200);

    const outside = await copyPart(3, { 'x-amz-copy-source-range': `bytes=0-${SIZE}` });
    expect(outside.status).toBe(416);
    expect(outside.text).toMatch(/<Code>InvalidRange<\/Code>/);
    const malformed = await copyPart(3, { 'x-amz-copy-source-range': 'bytes=5-' });
    expect(malformed.text).toMatch(/<Code>InvalidArgument<\/Code>/);
    const missing = await copyPart(3, { 'x-amz-copy-source': '/copy-a/not-there' });
    expect(missing.status).toBe(404);
    expect(missing.text).toMatch(/<Code>NoSuchKey<\/Code>/);
    const noUpload = await copyPart(3, {}, 'f'.repeat(32));
    expect(noUpload.status).toBe(404);
    expect(noUpload.text).toMatch(/<Code>NoSuchUpload<\/Code>/);
    const condition = await copyPart(3, { 'x-amz-copy-source-if-match': '"00000000000000000000000000000000"' });
    expect(condition.status).toBe(412);
    expect(condition.text).toMatch(/<Code>PreconditionFailed<\/Code>/);

    const complete = await signedRequest(
      g,
      'POST',
      '/copy-b/ranged',
      { uploadId },
      `<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>${xmlValue(p1.text, 'ETag')}</ETag></Part>` +
        `<Part><PartNumber>2</PartNumber><ETag>${xmlValue(p2.text, 'ETag')}</ETag></Part></CompleteMultipartUpload>`,
    );
    expect(complete.status, complete.text).toBe(200);
    const out = join(s.work, 'ranged.out');
    const get = await run(
      'aws',
      ['--endpoint-url', g.endpoint, 's3api', 'get-object', '--bucket', 'copy-b', '--key', 'ranged', out],
      s.env,
    );
    expect(get.code, get.stderr).toBe(0);
    const expected = Buffer.concat([source.subarray(first, first + 5 * MiB), source.subarray(SIZE - 10)]);
    expect(readFileSync(out).equals(expected)).toBe(true);
  }, 120_000);
});
