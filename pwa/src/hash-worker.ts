// Web Worker: hashes a file in slices so the page stays responsive and memory stays bounded by one slice.
// Each slice is hashed with WebCrypto (core/crypto/sha256.ts); the whole-file hash is computed incrementally
// (WebCrypto has no streaming digest), so a file of any size needs only one slice in memory at a time.
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';
import { toHex } from '../../core/bytes.ts';
import { sha256 } from '../../core/crypto/sha256.ts';
import type { HashReply, HashRequest } from './hash-protocol.ts';

/** Progress messages at most this often, so a fast hash does not flood the page. */
const PROGRESS_INTERVAL_MS = 100;

function reply(message: HashReply): void {
  postMessage(message);
}

async function hashFile(request: HashRequest): Promise<void> {
  const { job, file } = request;
  const sliceBytes = Math.max(1, Math.floor(request.sliceBytes));
  const whole = nobleSha256.create();
  const sliceHashes: string[] = [];
  let lastProgress = 0;
  // An empty file is one empty slice, so it still has a slice hash (the hash of no bytes).
  for (let offset = 0; offset < file.size || (offset === 0 && file.size === 0); offset += sliceBytes) {
    const bytes = new Uint8Array(await file.slice(offset, offset + sliceBytes).arrayBuffer());
    whole.update(bytes);
    sliceHashes.push(toHex(await sha256(bytes)));
    const done = Math.min(file.size, offset + sliceBytes);
    const now = performance.now();
    if (now - lastProgress >= PROGRESS_INTERVAL_MS) {
      lastProgress = now;
      reply({ type: 'progress', job, bytesDone: done });
    }
    if (file.size === 0) break;
  }
  reply({ type: 'done', job, sha256: toHex(whole.digest()), sliceHashes });
}

// Jobs run one after another: two large files never hold two slices each at once.
let queue: Promise<void> = Promise.resolve();

self.onmessage = (event: MessageEvent<unknown>) => {
  const request = event.data as Partial<HashRequest> | null;
  if (!request || request.type !== 'hash' || typeof request.job !== 'number' || !(request.file instanceof Blob)) return;
  const valid = request as HashRequest;
  queue = queue.then(() =>
    hashFile(valid).catch((err: unknown) => {
      reply({ type: 'error', job: valid.job, message: err instanceof Error ? err.message : String(err) });
    }),
  );
};
