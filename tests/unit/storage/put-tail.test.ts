import { describe, expect, it } from 'vitest';
import { putFile } from '../../../core/storage/put-file.ts';
import { getFile } from '../../../core/storage/get-file.ts';
import type { ShardTransport } from '../../../core/storage/shard-transport.ts';
import { PeerTreeError } from '../../../core/errors.ts';

const SHARD = 4096;

/** Every store waits until the test acknowledges it (its copies "durable"); the order of requests is recorded. */
class AckByHand implements ShardTransport {
  readonly stored = new Map<string, Uint8Array>();
  readonly requested: string[] = [];
  readonly released: string[] = [];
  prepared = 0;
  private readonly waiting = new Map<string, { ok: () => void; fail: (e: unknown) => void }>();

  /** Resolves once `n` stores have been asked for. */
  requests(n: number): Promise<void> {
    return new Promise((resolve) => {
      const check = () => (this.requested.length >= n ? resolve() : this.onRequest.push(check));
      check();
    });
  }

  private onRequest: (() => void)[] = [];

  storeShard(hash: string, bytes: Uint8Array) {
    this.requested.push(hash);
    for (const f of this.onRequest.splice(0)) f();
    return new Promise<{ holders: string[] }>((resolve, reject) => {
      this.waiting.set(hash, {
        ok: () => (this.stored.set(hash, bytes.slice()), resolve({ holders: ['a', 'b', 'c'] })),
        fail: reject,
      });
    });
  }

  async fetchShard(hash: string) {
    return this.stored.get(hash)!;
  }

  async unpin(hash: string) {
    this.released.push(hash);
    return 1;
  }

  prepare() {
    this.prepared++;
  }

  ack(hash: string, err?: unknown) {
    const w = this.waiting.get(hash)!;
    this.waiting.delete(hash);
    if (err) w.fail(err);
    else w.ok();
  }

  pending(): string[] {
    return [...this.waiting.keys()];
  }
}

const settle = async () => {
  for (let i = 0; i < 20; i++) await new Promise((r) => setTimeout(r, 0));
};

function bytes(n: number): Uint8Array {
  return crypto.getRandomValues(new Uint8Array(n));
}

describe('the end of a put', () => {
  it('sends the manifest beside the last shards, and resolves only once every one is acknowledged', async () => {
    const t = new AckByHand();
    let result: Awaited<ReturnType<typeof putFile>> | null = null;
    const put = putFile([bytes(SHARD * 3)], t, { name: 'x', shardSize: SHARD, concurrency: 4 }).then(
      (r) => (result = r),
    );
    // Three shards and the manifest are all out before any acknowledgement.
    await t.requests(4);
    await settle();
    expect(t.requested.length).toBe(4);
    expect(t.prepared).toBe(1);
    const manifest = t.requested[3]!;
    t.ack(manifest);
    await settle();
    expect(result).toBeNull();
    for (const h of t.pending()) t.ack(h);
    await put;
    expect(result!.capability).toContain(manifest.slice(0, 8));
    const parts: Uint8Array[] = [];
    await getFile(result!.capability, t, (b) => void parts.push(b));
    expect(parts.reduce((n, p) => n + p.length, 0)).toBe(SHARD * 3);
  });

  it('takes back the manifest and the shards when a shard fails after the manifest went out', async () => {
    const t = new AckByHand();
    const put = putFile([bytes(SHARD * 2)], t, { name: 'x', shardSize: SHARD, concurrency: 4 });
    const failed = expect(put).rejects.toMatchObject({ code: 'FULL' });
    await t.requests(3);
    const [first, second, manifest] = t.requested;
    t.ack(manifest!);
    t.ack(first!);
    t.ack(second!, new PeerTreeError('FULL', 'the relay is full'));
    await failed;
    expect(new Set(t.released)).toEqual(new Set([first, second, manifest]));
  });
});
