// aws-chunked decoding with fixed bytes: AWS's documented signed-chunk example, the unsigned trailer form with a
// CRC32 trailer, the signed trailer form (signed with @smithy/signature-v4), and the refusals (a changed chunk, a short body, a wrong trailer checksum).
import { createHash, createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { SignatureV4 } from '@smithy/signature-v4';
import { checkTrailer, decodeAwsChunked, type ChunkSigning } from '../../../node-relay/s3/aws-chunked.ts';
import { NodeSha256 } from '../../../node-relay/s3/sigv4.ts';
import { s3CodeOf } from '../../../node-relay/s3/errors.ts';

const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';

function signingKey(): Buffer {
  let key = createHmac('sha256', `AWS4${SECRET}`).update('20130524').digest();
  for (const part of ['us-east-1', 's3', 'aws4_request']) key = createHmac('sha256', key).update(part).digest();
  return key;
}

const signing: ChunkSigning = {
  seedSignature: '4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9',
  amzDate: '20130524T000000Z',
  scope: '20130524/us-east-1/s3/aws4_request',
  signString: (text) => Promise.resolve(createHmac('sha256', signingKey()).update(text).digest('hex')),
};

/** The body of AWS's "PUT Object with chunked upload" example: 64 KiB of 'a', then 1 KiB of 'a', then the end. */
function exampleBody(): Buffer {
  return Buffer.concat([
    Buffer.from('10000;chunk-signature=ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648\r\n'),
    Buffer.alloc(65536, 'a'),
    Buffer.from('\r\n400;chunk-signature=0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497\r\n'),
    Buffer.alloc(1024, 'a'),
    Buffer.from('\r\n0;chunk-signature=b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9\r\n\r\n'),
  ]);
}

/** The bytes in pieces of `size`, as a socket would deliver them. */
async function* pieces(bytes: Buffer, size: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

async function collect(source: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const out: Uint8Array[] = [];
  for await (const p of source) out.push(p);
  return Buffer.concat(out);
}

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'decoded';
  } catch (err) {
    return s3CodeOf(err).code;
  }
}

describe('aws-chunked decoding', () => {
  it("decodes AWS's signed example, whatever the read sizes", async () => {
    for (const size of [1, 7, 1000, 1 << 20]) {
      const out = await collect(decodeAwsChunked(pieces(exampleBody(), size), { signing, decodedLength: 66560 }));
      expect(out.equals(Buffer.alloc(66560, 'a'))).toBe(true);
    }
  });

  it('refuses a changed byte, a wrong decoded length and a body cut short', async () => {
    const body = exampleBody();
    body[200] = 'b'.charCodeAt(0);
    expect(await codeOf(collect(decodeAwsChunked(pieces(body, 4096), { signing })))).toBe('SignatureDoesNotMatch');
    expect(
      await codeOf(collect(decodeAwsChunked(pieces(exampleBody(), 4096), { signing, decodedLength: 66559 }))),
    ).toBe('IncompleteBody');
    expect(await codeOf(collect(decodeAwsChunked(pieces(exampleBody().subarray(0, 30000), 4096), { signing })))).toBe(
      'IncompleteBody',
    );
  });

  it('decodes the unsigned trailer form and checks its CRC32 trailer', async () => {
    // CRC32 of "hello world" is 0x0d4a1185.
    const crc = Buffer.from([0x0d, 0x4a, 0x11, 0x85]).toString('base64');
    const body = (trailer: string) =>
      Buffer.from(`6\r\nhello \r\n5\r\nworld\r\n0\r\nx-amz-checksum-crc32:${trailer}\r\n\r\n`);
    const out = await collect(checkTrailer(pieces(body(crc), 3), { decodedLength: 11 }, 'crc32'));
    expect(out.toString()).toBe('hello world');
    expect(await codeOf(collect(checkTrailer(pieces(body('AAAAAA=='), 3), {}, 'crc32')))).toBe('BadDigest');
    expect(createHash('md5').update(out).digest('hex')).toBe('5eb63bbbe01eeed093cb22bb8f5acdc3');
  });

  it('decodes the signed trailer form signed with @smithy/signature-v4, and refuses a changed trailer', async () => {
    const signer = new SignatureV4({
      credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: SECRET },
      region: 'us-east-1',
      service: 's3',
      sha256: NodeSha256,
    });
    const signingDate = new Date('2013-05-24T00:00:00Z');
    const sign = (text: string) => signer.sign(text, { signingDate });
    const smithySigning: ChunkSigning = { ...signing, signString: sign, trailer: true };
    const hex = (b: string | Buffer) => createHash('sha256').update(b).digest('hex');
    const empty = hex('');
    /** Chunks of `data` each signed chained from the last, the final empty chunk, then the signed trailer. */
    async function signedBody(data: Buffer[], trailer: string, tamper?: string): Promise<Buffer> {
      const out: Buffer[] = [];
      let previous = signing.seedSignature;
      for (const chunk of [...data, Buffer.alloc(0)]) {
        const head = ['AWS4-HMAC-SHA256-PAYLOAD', signing.amzDate, signing.scope, previous, empty, hex(chunk)];
        previous = await sign(head.join('\n'));
        out.push(Buffer.from(`${chunk.length.toString(16)};chunk-signature=${previous}\r\n`), chunk);
        if (chunk.length > 0) out.push(Buffer.from('\r\n'));
      }
      const toSign = ['AWS4-HMAC-SHA256-TRAILER', signing.amzDate, signing.scope, previous, hex(`${trailer}\n`)];
      const trailerSignature = await sign(toSign.join('\n'));
      out.push(Buffer.from(`${tamper ?? trailer}\r\nx-amz-trailer-signature:${trailerSignature}\r\n\r\n`));
      return Buffer.concat(out);
    }
    const crc = Buffer.from([0x0d, 0x4a, 0x11, 0x85]).toString('base64');
    const data = [Buffer.from('hello '), Buffer.from('world')];
    const good = await signedBody(data, `x-amz-checksum-crc32:${crc}`);
    const seen: string[] = [];
    for (const size of [1, 5, 4096]) {
      const options = { signing: smithySigning, decodedLength: 11, onTrailer: (n: string) => seen.push(n) };
      const out = await collect(checkTrailer(pieces(good, size), options, 'crc32'));
      expect(out.toString()).toBe('hello world');
    }
    expect(seen).toEqual(['x-amz-checksum-crc32', 'x-amz-checksum-crc32', 'x-amz-checksum-crc32']);
    // The trailer changed after signing, the signature missing, a wrong checksum that is properly signed.
    const changed = await signedBody(data, `x-amz-checksum-crc32:${crc}`, 'x-amz-checksum-crc32:AAAAAA==');
    expect(await codeOf(collect(checkTrailer(pieces(changed, 7), { signing: smithySigning }, 'crc32')))).toBe(
      'SignatureDoesNotMatch',
    );
    const unsigned = Buffer.from(
      good.toString('latin1').replace(/x-amz-trailer-signature:[0-9a-f]+\r\n/, ''),
      'latin1',
    );
    expect(await codeOf(collect(checkTrailer(pieces(unsigned, 7), { signing: smithySigning }, 'crc32')))).toBe(
      'SignatureDoesNotMatch',
    );
    const wrongSum = await signedBody(data, 'x-amz-checksum-crc32:AAAAAA==');
    expect(await codeOf(collect(checkTrailer(pieces(wrongSum, 7), { signing: smithySigning }, 'crc32')))).toBe(
      'BadDigest',
    );
  });
});
