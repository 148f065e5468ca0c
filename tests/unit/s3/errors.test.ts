// S3 error bodies and statuses: the XML S3 clients parse, the codes every error maps to, and hostile text escaped.
import { describe, expect, it } from 'vitest';
import { XMLParser } from 'fast-xml-parser';
import { S3_ERRORS, s3CodeOf, s3Error } from '../../../node-relay/s3/errors.ts';
import { errorXml, parseXml } from '../../../node-relay/s3/xml.ts';
import { PeerTreeError } from '../../../core/errors.ts';

describe('S3 errors', () => {
  it('writes S3 error XML that parses back to the same fields, with markup in the message escaped', () => {
    const text = errorXml('NoSuchKey', 'no <key> & "that"', '/b/k', 'REQ1');
    expect(text.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<Error>')).toBe(true);
    const doc = new XMLParser().parse(text) as { Error: Record<string, string> };
    expect(doc.Error).toEqual({ Code: 'NoSuchKey', Message: 'no <key> & "that"', Resource: '/b/k', RequestId: 'REQ1' });
  });

  it('gives each S3 code its status, and network failures 503, anything else 500', () => {
    expect(s3CodeOf(s3Error('NoSuchBucket'))).toMatchObject({ code: 'NoSuchBucket', status: 404 });
    expect(s3CodeOf(s3Error('InvalidRange'))).toMatchObject({ code: 'InvalidRange', status: 416 });
    expect(s3CodeOf(s3Error('SignatureDoesNotMatch'))).toMatchObject({ status: 403 });
    expect(s3CodeOf(s3Error('BucketNotEmpty'))).toMatchObject({ status: 409 });
    expect(s3CodeOf(new PeerTreeError('UNAVAILABLE', 'no relay'))).toMatchObject({
      code: 'ServiceUnavailable',
      status: 503,
    });
    expect(s3CodeOf(new PeerTreeError('RELEASED', 'shard ab… was deleted by its owner'))).toMatchObject({
      code: 'OperationAborted',
      status: 409,
    });
    expect(s3CodeOf(new Error('boom'))).toMatchObject({ code: 'InternalError', status: 500 });
    for (const [code, [status]] of Object.entries(S3_ERRORS)) expect(status, code).toBeGreaterThanOrEqual(300);
  });

  it('answers malformed, empty, oversized or wrongly rooted XML with MalformedXML', () => {
    const code = (text: string | Uint8Array, root = 'Delete') => {
      try {
        parseXml(typeof text === 'string' ? Buffer.from(text) : text, root);
        return 'parsed';
      } catch (err) {
        return s3CodeOf(err).code;
      }
    };
    expect(code('<Delete><Object><Key>a</Key></Object></Delete>')).toBe('parsed');
    expect(code('<Delete><Object><Key>a</Key></Object>')).toBe('MalformedXML');
    expect(code('')).toBe('MalformedXML');
    expect(code('<Other/>')).toBe('MalformedXML');
    expect(code(Buffer.alloc(2 * 1024 * 1024, 0x20))).toBe('MalformedXML');
    const keys = parseXml(Buffer.from('<Delete><Object><Key>007</Key></Object></Delete>'), 'Delete');
    expect((keys.Object as { Key: string }[])[0]!.Key).toBe('007'); // stays a string
  });
});
