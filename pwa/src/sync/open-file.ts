// Fetches, verifies and decrypts a file named by a capability, in the browser; the result is a Blob.
import { parseCapability } from '../../../core/storage/capability.ts';
import { getFile } from '../../../core/storage/get-file.ts';
import type { Manifest } from '../../../core/storage/manifest.ts';
import type { ShardTransport } from '../../../core/storage/shard-transport.ts';

export interface OpenedFile {
  readonly manifest: Manifest;
  /** SHA-256 (hex) of the manifest shard, from the capability. */
  readonly manifestHash: string;
  /** The exact bytes, with the manifest's type; only returned once every shard and the whole file verified. */
  readonly blob: Blob;
}

/**
 * Each verified, decrypted shard becomes its own Blob part, so the browser may keep large files out of the JS
 * heap; getFile checks every shard and then the whole-file hash before this resolves.
 */
export async function openCapability(
  capability: string,
  transport: ShardTransport,
  onProgress?: (done: number, total: number) => void,
  onManifest?: (m: Manifest) => void,
): Promise<OpenedFile> {
  const { manifest: manifestHash } = parseCapability(capability);
  const parts: Blob[] = [];
  const manifest = await getFile(capability, transport, (bytes) => void parts.push(new Blob([bytes.slice()])), {
    onManifest: (m) => onManifest?.(m),
    onProgress: (p) => onProgress?.(p.doneBytes, p.totalBytes ?? 0),
  });
  return { manifest, manifestHash, blob: new Blob(parts, { type: manifest.type }) };
}

/** Saves a Blob under `name` through a temporary link (the browser's download). */
export function downloadBlob(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.rel = 'noopener';
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
