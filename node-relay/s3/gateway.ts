// Starts the S3 gateway: credentials, index and a link into the tree under the person's identity, then the
// HTTP server on the listen address. Stopping closes the server, finishes queued releases and the link.
import { join } from 'node:path';
import { mkdir } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import type { Identity } from '../../core/identity/index.ts';
import { loadCredentials, peertreeHome } from './credentials.ts';
import { ObjectIndex } from './object-index.ts';
import { PeerTreeStore } from './peertree-store.ts';
import { Releaser } from './releaser.ts';
import { createS3Server } from './server.ts';
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
  readonly log: (line: string) => void;
}

export interface RunningGateway {
  readonly endpoint: string;
  readonly credentials: S3Credentials;
  readonly region: string;
  stop(): Promise<void>;
}

export async function startGateway(options: GatewayOptions): Promise<RunningGateway> {
  const home = options.home ?? peertreeHome();
  await mkdir(home, { recursive: true, mode: 0o700 });
  const credentials = await loadCredentials(home);
  const store = new PeerTreeStore({ relay: options.relay, identity: options.identity, ...(options.replicas ? { replicas: options.replicas } : {}), ...(options.connectMs ? { connectMs: options.connectMs } : {}) });
  await store.ready();
  const index = new ObjectIndex(join(home, 's3-index.sqlite'));
  const releaser = new Releaser(store, options.log);
  const region = options.region ?? DEFAULT_REGION;
  const server = createS3Server({ gw: { index, store, releaser, region, now: Date.now }, credentials, log: options.log });
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
    async stop() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      });
      await releaser.drained();
      store.close();
      index.close();
    },
  };
}
