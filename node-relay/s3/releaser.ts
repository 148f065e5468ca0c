// Releases the pins of files no object references any more, in the background (a delete answers at once), a few
// at a time; a release that fails is said on stderr with the capability, so that `peertree delete` can finish it.
import { S3_RELEASE_CONCURRENCY } from '../../core/limits.ts';
import { isJoinMarker } from './join-plan.ts';
import type { PeerTreeStore } from './peertree-store.ts';

export class Releaser {
  private readonly queue: string[] = [];
  private running = 0;
  private idle: (() => void)[] = [];

  constructor(
    private readonly store: PeerTreeStore,
    private readonly log: (line: string) => void,
  ) {}

  release(capabilities: readonly string[]): void {
    // A part inside a progressive join has no file of its own: the join's file is released with its object.
    this.queue.push(...capabilities.filter((c) => !isJoinMarker(c)));
    this.pump();
  }

  private pump(): void {
    while (this.running < S3_RELEASE_CONCURRENCY && this.queue.length > 0) {
      const cap = this.queue.shift()!;
      this.running++;
      void this.store
        .release(cap)
        .catch((err: unknown) =>
          this.log(
            `peertree s3: could not release a deleted file now (run \`peertree delete ${cap}\` later): ${(err as Error).message}\n`,
          ),
        )
        .finally(() => {
          this.running--;
          this.pump();
          if (this.running === 0 && this.queue.length === 0) for (const r of this.idle.splice(0)) r();
        });
    }
  }

  /** Resolves once every queued release finished (tests, and a clean shutdown). */
  drained(): Promise<void> {
    if (this.running === 0 && this.queue.length === 0) return Promise.resolve();
    return new Promise((r) => this.idle.push(r));
  }
}
