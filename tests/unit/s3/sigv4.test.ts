// SigV4 verification against AWS's own published examples (header form and presigned URL), and the refusals.
import { describe, expect, it } from 'vitest';
import { verifySignature, type SignedRequest } from '../../../node-relay/s3/sigv4.ts';
import { s3CodeOf } from '../../../node-relay/s3/errors.ts';

const creds = { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' };
const when = new Date(Date.UTC(2013, 4, 24, 0, 5, 0));
const EMPTY = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

/** "GET Object" from the S3 SigV4 documentation (header-based authentication). */
function getObjectExample(
  signature = 'f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41',
): SignedRequest {
  return {
    method: 'GET',
    rawPath: '/test.txt',
    rawQuery: '',
    headers: {
      host: 'examplebucket.s3.amazonaws.com',
      range: 'bytes=0-9',
      'x-amz-content-sha256': EMPTY,
      'x-amz-date': '20130524T000000Z',
      authorization: `AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,Signature=${signature}`,
    },
  };
}

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'verified';
  } catch (err) {
    return s3CodeOf(err).code;
  }
}

describe('SigV4 verification', () => {
  it("accepts AWS's documented GET Object request", async () => {
    const v = await verifySignature(getObjectExample(), creds, when);
    expect(v.form).toBe('header');
    expect(v.payloadHash).toBe(EMPTY);
    expect(v.scope).toBe('20130524/us-east-1/s3/aws4_request');
  });

  it("accepts AWS's documented presigned URL", async () => {
    const rawQuery =
      'X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404';
    const v = await verifySignature(
      { method: 'GET', rawPath: '/test.txt', rawQuery, headers: { host: 'examplebucket.s3.amazonaws.com' } },
      creds,
      when,
    );
    expect(v.form).toBe('presigned');
    // Past its 86400 s: expired.
    expect(
      await codeOf(
        verifySignature(
          { method: 'GET', rawPath: '/test.txt', rawQuery, headers: { host: 'examplebucket.s3.amazonaws.com' } },
          creds,
          new Date(Date.UTC(2013, 4, 25, 0, 0, 1)),
        ),
      ),
    ).toBe('AccessDenied');
  });

  it('refuses a changed header, a wrong secret, an unknown key, a skewed clock and no signature', async () => {
    const changed = getObjectExample();
    expect(
      await codeOf(verifySignature({ ...changed, headers: { ...changed.headers, range: 'bytes=0-10' } }, creds, when)),
    ).toBe('SignatureDoesNotMatch');
    expect(await codeOf(verifySignature(getObjectExample(), { ...creds, secretAccessKey: 'x'.repeat(40) }, when))).toBe(
      'SignatureDoesNotMatch',
    );
    expect(
      await codeOf(verifySignature(getObjectExample(), { ...creds, accessKeyId: 'AKIAOTHERKEY0000000' }, when)),
    ).toBe('InvalidAccessKeyId');
    expect(await codeOf(verifySignature(getObjectExample(), creds, new Date(Date.UTC(2013, 4, 24, 0, 16, 0))))).toBe(
      'RequestTimeTooSkewed',
    );
    expect(
      await codeOf(
        verifySignature({ method: 'GET', rawPath: '/x', rawQuery: '', headers: { host: 'h' } }, creds, when),
      ),
    ).toBe('AccessDenied');
    expect(
      await codeOf(
        verifySignature(
          { ...changed, headers: { ...changed.headers, authorization: 'AWS4-HMAC-SHA256 garbage' } },
          creds,
          when,
        ),
      ),
    ).toBe('AuthorizationHeaderMalformed');
  });
});
