// The gateway's way into the tree: one authenticated link (re-opened when it drops) and a routed transport, over
// which objects are put, got and released exactly as `peertree put/get/delete` do (same shards, pins, encryption).
import { DEFAULT_REPLICAS, S3_GET_WINDOW, S3_MAX_TRANSFERS, S3_PUT_WINDOW } from '../../core/limits.ts';
import { gcPacer, PUT_GC_BYTES } from '../cli/gc-pacer.ts';
import { putFile } from '../../core/storage/put-file.ts';
import { getFile, openFile, type ByteRange } from '../../core/storage/get-file.ts';
import { parseCapability } from '../../core/storage/capability.ts';
import { storedShards } from '../../core/storage/manifest.ts';
import type { Identity } from '../../core/identity/index.ts';
import { connect } from '../ws/connector.ts';
import type { Link } from '../ws/link.ts';
import { openRoutedTransport } from '../storage/route-members.ts';
import type { RoutedTransport } from '../storage/routed-transport.ts';

export interface StoreInit {
  readonly relay: string;
  readonly identity: Identity;
  readonly replicas?: number;
  readonly connectMs?: number;
}

export interface PutOutcome {
  readonly capability: string;
  readonly size: number;
}

/** A counting semaphore: at most `size` holders at once, the rest wait in order. */
class Slots {
  private used = 0;
  private readonly waiting: (() => void)[] = [];
  constructor(private readonly size: number) {}
  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.used >= this.size) await new Promise<void>((r) => this.waiting.push(r));
    else this.used++;
    try {
      return await task();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.used--;
    }
  }
}

export class PeerTreeStore {
  private current: Promise<{ link: Link; transport: RoutedTransport }> | null = null;
  private closed = false;
  private readonly putSlots = new Slots(S3_MAX_TRANSFERS);
  private readonly getSlots = new Slots(S3_MAX_TRANSFERS);
  /** Bytes moved by every transfer: a young-generation collection every few MiB frees dead shard buffers early. */
  private moved = 0;
  private readonly pace = gcPacer(PUT_GC_BYTES);

  private count(bytes: number): void {
    this.moved += bytes;
    this.pace(this.moved);
  }

  constructor(private readonly init: StoreInit) {}

  /** The open link and transport, connecting (again) when there is none or the last one closed. */
  private async session(): Promise<RoutedTransport> {
    if (this.current) {
      const s = await this.current.catch(() => null);
      if (s && s.link.isOpen) return s.transport;
      s?.transport.close();
    }
    const opening = (async () => {
      const link = await connect(this.init.relay, {
        identity: this.init.identity,
        ...(this.init.connectMs ? { timeoutMs: this.init.connectMs } : {}),
      });
      const transport = await openRoutedTransport(this.init.relay, link, {
        identity: this.init.identity,
        now: Date.now,
      });
      return { link, transport };
    })();
    this.current = opening;
    opening.catch(() => {
      if (this.current === opening) this.current = null;
    });
    return (await opening).transport;
  }

  /** Runs `task` with the open link and transport (library requests, which are not file transfers). */
  async withSession<T>(task: (link: Link, transport: RoutedTransport) => Promise<T>): Promise<T> {
    const transport = await this.session();
    const { link } = await this.current!;
    return task(link, transport);
  }

  /** Checks the relay answers (at start-up, so that a wrong --relay is said at once). */
  async ready(): Promise<void> {
    await this.session();
  }

  /**
   * Stores `source` as one encrypted file. `stop.aborted` turning true (the source found a bad signature, a short
   * body, a client gone) ends the put and releases what it stored; the caller then throws its own reason.
   */
  async put(
    source: AsyncIterable<Uint8Array>,
    name: string,
    type: string,
    stop: { readonly aborted: boolean },
    onShard?: (hash: string) => void,
  ): Promise<PutOutcome> {
    return this.putSlots.run(async () => {
      const transport = await this.session();
      let last = 0;
      const onProgress = (p: { doneBytes: number }) => {
        this.count(p.doneBytes - last);
        last = p.doneBytes;
      };
      const result = await putFile(source, transport, {
        name,
        type,
        replicas: this.init.replicas ?? DEFAULT_REPLICAS,
        author: this.init.identity,
        signal: stop,
        onProgress,
        concurrency: S3_PUT_WINDOW,
        // Each shard is noted before it is sent, so that a crash cannot hide it.
        ...(onShard ? { onShard } : {}),
      });
      return { capability: result.capability, size: result.manifest.size };
    });
  }

  /** Writes the file (or `range` of it) to `write` in order; a full get is verified end to end before it resolves. */
  async get(capability: string, write: (bytes: Uint8Array) => Promise<void>, range?: ByteRange): Promise<void> {
    await this.getSlots.run(async () => {
      const transport = await this.session();
      const counted = (bytes: Uint8Array) => {
        this.count(bytes.length);
        return write(bytes);
      };
      await getFile(capability, transport, counted, { concurrency: S3_GET_WINDOW, ...(range ? { range } : {}) });
    });
  }

  /** Releases this identity's pins on shards of a put that never ended (no manifest names them). */
  async unpinShards(hashes: readonly string[]): Promise<void> {
    const transport = await this.session();
    for (const hash of hashes) await transport.unpin(hash);
  }

  /** Releases this identity's pins on the file's shards and manifest (as `peertree delete`). */
  async release(capability: string): Promise<void> {
    const transport = await this.session();
    const manifest = (await openFile(capability, transport)).manifest;
    for (const hash of [...new Set(storedShards(manifest))]) await transport.unpin(hash);
    await transport.unpin(parseCapability(capability).manifest);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    void this.current?.then(
      ({ link, transport }) => {
        transport.close();
        link.close(1000, 'done');
      },
      () => {},
    );
  }
}
