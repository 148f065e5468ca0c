// Large random test files on disk (Playwright streams files given by path to Chromium) and their SHA-256.
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, createReadStream, openSync, writeSync } from 'node:fs';

export const MiB = 1024 * 1024;

/** Writes `size` bytes (a multiple of 8 MiB) of random content at `path`, in 8 MiB pieces no two alike. */
export function writeRandomFile(path: string, size: number): void {
  const fd = openSync(path, 'w');
  try {
    const piece = randomBytes(8 * MiB);
    for (let i = 0; i < size / piece.length; i++) {
      piece.writeUInt32BE(i, 0);
      writeSync(fd, piece);
    }
  } finally {
    closeSync(fd);
  }
}

/** The SHA-256 (hex) of a file, read as a stream. */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
