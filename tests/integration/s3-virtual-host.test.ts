// Virtual-hosted-style addressing: requests signed for Host BUCKET.localhost:PORT and BUCKET.s3.localhost:PORT
// (sent to 127.0.0.1, as such names loop back) reach the bucket that the AWS CLI sees path-style.
import { request as httpRequest } from 'node:http';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { run, useS3Setup, type S3Setup, gatewaySigner } from './s3-harness.ts';

let s: S3Setup;
useS3Setup({}, (made) => (s = made));

/** A SigV4-signed request for `host` (Host header and signature), sent to the gateway's own address. */
async function virtualRequest(
  method: string,
  host: string,
  path: string,
  query: Record<string, string>,
  body = '',
): Promise<{ status: number; text: string }> {
  const endpoint = new URL(s.gateway.endpoint);
  const signer = gatewaySigner(s.gateway);
  const signed = await signer.sign({
    method,
    protocol: 'http:',
    hostname: host.split(':')[0]!,
    port: Number(endpoint.port),
    path,
    query,
    headers: { host, 'content-type': 'text/plain' },
    body,
  });
  const qs = new URLSearchParams(query).toString();
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: endpoint.hostname,
        port: Number(endpoint.port),
        method,
        path: `${path}${qs ? `?${qs}` : ''}`,
        headers: { ...signed.headers, host, 'content-length': String(Buffer.byteLength(body)) },
      },
      (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

describe('the S3 gateway with virtual-hosted-style names', () => {
  it('puts, gets and lists through BUCKET.localhost and BUCKET.s3.localhost', async () => {
    const aws = (args: string[]) => run('aws', ['--endpoint-url', s.gateway.endpoint, ...args], s.env);
    expect((await aws(['s3', 'mb', 's3://vhost-bucket'])).code).toBe(0);
    const port = new URL(s.gateway.endpoint).port;
    const plain = `vhost-bucket.localhost:${port}`;
    const s3Style = `vhost-bucket.s3.localhost:${port}`;
    expect((await virtualRequest('PUT', plain, '/dir/a.txt', {}, 'through a virtual host')).status).toBe(200);
    const got = await virtualRequest('GET', s3Style, '/dir/a.txt', {});
    expect(got).toEqual({ status: 200, text: 'through a virtual host' });
    const listed = await virtualRequest('GET', s3Style, '/', { 'list-type': '2', prefix: 'dir/' });
    expect(listed.status).toBe(200);
    expect(listed.text).toContain('<Key>dir/a.txt</Key>');
    expect((await virtualRequest('GET', `no-such-bucket.localhost:${port}`, '/x', {})).text).toContain(
      '<Code>NoSuchBucket</Code>',
    );
    // The same object path-style, with the AWS CLI.
    const out = join(s.work, 'a.txt');
    expect((await aws(['s3', 'cp', '--only-show-errors', 's3://vhost-bucket/dir/a.txt', out])).code).toBe(0);
    expect(readFileSync(out, 'utf8')).toBe('through a virtual host');
    writeFileSync(join(s.work, 'b.txt'), 'path style');
    expect((await aws(['s3', 'cp', '--only-show-errors', join(s.work, 'b.txt'), 's3://vhost-bucket/b.txt'])).code).toBe(
      0,
    );
    expect(await virtualRequest('GET', plain, '/b.txt', {})).toEqual({ status: 200, text: 'path style' });
  }, 90_000);
});
