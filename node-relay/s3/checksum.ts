// The body checksums S3 clients attach (x-amz-checksum-*: in a header or an aws-chunked trailer), computed as the
// bytes stream by; an algorithm the gateway does not know is accepted unchecked (its bytes are still hashed by PeerTree).
import { createHash } from 'node:crypto';
import { crc32 } from 'node:zlib';

export interface RunningChecksum {
  update(bytes: Uint8Array): void;
  /** Base64 of the big-endian digest, as S3 writes it. */
  digest(): string;
}

/** A checksum for `algorithm` (crc32, sha1, sha256), or null for one the gateway does not compute (crc32c, crc64nvme). */
export function runningChecksum(algorithm: string): RunningChecksum | null {
  const name = algorithm.toLowerCase();
  if (name === 'crc32') {
    let value = 0;
    return {
      update: (bytes) => void (value = crc32(bytes, value)),
      digest: () => {
        const out = Buffer.alloc(4);
        out.writeUInt32BE(value >>> 0);
        return out.toString('base64');
      },
    };
  }
  if (name === 'sha1' || name === 'sha256') {
    const hash = createHash(name);
    return { update: (bytes) => void hash.update(bytes), digest: () => hash.digest('base64') };
  }
  return null;
}

/** The algorithm named by an `x-amz-checksum-NAME` header, or null. */
export function checksumAlgorithmOf(headerName: string): string | null {
  const m = /^x-amz-checksum-([a-z0-9]+)$/.exec(headerName.toLowerCase());
  return m && m[1] !== 'algorithm' && m[1] !== 'type' ? m[1]! : null;
}
