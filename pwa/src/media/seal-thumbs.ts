// A picture's (or a video's poster frame's) thumbnails, made in the thumbnail worker and sealed as small files of their own.
import type { FileRecord } from '../data/db.ts';
import type { Sealer } from '../worker/sealer.ts';
import type { ThumbResult } from './thumb-protocol.ts';
import type { Thumbnailer } from './thumbnailer.ts';

/** The thumbnails' capabilities (null: none), the date taken, and their shards (uploaded before the file's). */
export interface SealedThumbs {
  readonly thumbs: { grid: string; screen: string } | null;
  readonly taken: number | null;
  readonly shards: string[];
}

/**
 * Makes the picture's (or the video's poster frame's) thumbnails in the worker and seals each as its own small file (encrypted like the file,
 * public only when the file is). Anything that goes wrong leaves the file without thumbnails, never unsealed.
 */
export async function sealThumbs(
  thumbnailer: Thumbnailer | null,
  sealer: Sealer,
  file: File,
  record: FileRecord,
): Promise<SealedThumbs> {
  const none = { thumbs: null, taken: null, shards: [] };
  if (!thumbnailer || !(record.type.startsWith('image/') || record.type.startsWith('video/'))) return none;
  let made: ThumbResult;
  try {
    made = await thumbnailer.make(file, record.type);
  } catch {
    return none;
  }
  if (!made.grid || !made.screen) return { ...none, taken: made.taken };
  try {
    const base = record.name.replace(/\.[^.]*$/, '');
    const grid = await sealer.seal(made.grid, { name: `${base}.grid.jpg`, mime: 'image/jpeg', public: record.public });
    const screen = await sealer.seal(made.screen, {
      name: `${base}.screen.jpg`,
      mime: 'image/jpeg',
      public: record.public,
    });
    return {
      thumbs: { grid: grid.capability, screen: screen.capability },
      taken: made.taken,
      shards: [...grid.shards, ...screen.shards],
    };
  } catch {
    return { ...none, taken: made.taken };
  }
}
