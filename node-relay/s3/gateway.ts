// Starts the S3 gateway: credentials, index and a link into the tree under the person's identity, then the
// HTTP server on the listen address. Stopping closes the server, finishes queued releases and the link.
import { join } from 'node:path';
import { mkdir } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import type { Identity } from '../../core/identity/index.ts';
import { liveCredentials, loadCredentials, peertreeHome } from './credentials.ts';
import { ObjectIndex } from './object-index.ts';
import { PeerTreeStore } from './peertree-store.ts';
import { Releaser } from './releaser.ts';
import { createS3Server } from './server.ts';
import { LibraryMirror } from './library-mirror.ts';
import { Joins } from './progressive-join.ts';
import { SavedJoins, type JoinOrphans } from './saved-joins.ts';
import { DEFAULT_REPLICAS } from '../../core/limits.ts';
import type { S3Credentials } from './sigv4.ts';

export const DEFAULT_REGION = 'us-east-1';

export interface GatewayOptions {
  readonly relay: string;
  readonly identity: Identity;
  readonly host: string;
  readonly port: number;
  readonly replicas?: number;
  readonly region?: string;
  readonly connectMs?: number;
  readonly home?: string;
  /** The person's library key (with `identity` from their key backup): the bucket index is mirrored into the library. */
  readonly libraryKey?: Uint8Array;
  readonly log: (line: string) => void;
  /** One `log` line per request (operation, status): what the tests read to see which operation a client used. */
  readonly logRequests?: boolean;
}

export interface RunningGateway {
  readonly endpoint: string;
  readonly credentials: S3Credentials;
  readonly region: string;
  /** The library mirror, when a library key was given. */
  readonly mirror: LibraryMirror | null;
  stop(): Promise<void>;
}

/** Releases, in the background, what an earlier run's joins left that nothing can use (a stop, a crash). */
function releaseOrphans(
  found: JoinOrphans,
  releaser: Releaser,
  store: PeerTreeStore,
  log: (line: string) => void,
): void {
  releaser.release(found.capabilities);
  if (found.lostParts > 0)
    log(
      `peertree s3: ${found.lostParts} multipart parts were lost (the gateway did not stop cleanly): upload them again\n`,
    );
  if (found.shards.length === 0) return;
  store
    .unpinShards(found.shards)
    .catch((err: unknown) =>
      log(`peertree s3: could not release an unfinished upload's pieces now: ${(err as Error).message}\n`),
    );
}

export async function startGateway(options: GatewayOptions): Promise<RunningGateway> {
  const home = options.home ?? peertreeHome();
  await mkdir(home, { recursive: true, mode: 0o700 });
  const credentials = await loadCredentials(home);
  const store = new PeerTreeStore({
    relay: options.relay,
    identity: options.identity,
    ...(options.replicas ? { replicas: options.replicas } : {}),
    ...(options.connectMs ? { connectMs: options.connectMs } : {}),
  });
  await store.ready();
  const index = new ObjectIndex(join(home, 's3-index.sqlite'));
  const releaser = new Releaser(store, options.log);
  const mirror = options.libraryKey
    ? new LibraryMirror({
        store,
        index,
        identity: options.identity,
        libraryKey: options.libraryKey,
        replicas: options.replicas ?? DEFAULT_REPLICAS,
        log: options.log,
      })
    : null;
  if (mirror) {
    index.onChange = () => mirror.changed();
    // What the index already holds (from earlier runs) is mirrored at start too.
    mirror.changed();
  }
  const region = options.region ?? DEFAULT_REGION;
  const savedJoins = new SavedJoins(index.db);
  releaseOrphans(savedJoins.orphans(), releaser, store, options.log);
  const joins = mirror ? new Joins(store, (cap) => releaser.release([cap]), savedJoins) : null;
  const server = createS3Server({
    gw: {
      index,
      store,
      releaser,
      region,
      now: Date.now,
      joinMultipart: mirror !== null,
      joins,
      savedJoins,
    },
    credentials: liveCredentials(credentials, home),
    log: options.log,
    ...(options.logRequests ? { logRequests: true } : {}),
  });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port, options.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (err) {
    store.close();
    index.close();
    throw err;
  }
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    endpoint: `http://${host}:${address.port}`,
    credentials,
    region,
    mirror,
    async stop() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      });
      await joins?.close();
      await releaser.drained();
      await mirror?.flush();
      store.close();
      index.close();
    },
  };
}
