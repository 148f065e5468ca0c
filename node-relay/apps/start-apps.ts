// Starts a relay's applications in order and stops them in reverse; gathers their status fields.
import { join } from 'node:path';
import { mkdir } from 'node:fs/promises';
import { PeerTreeError } from '../../core/errors.ts';
import type { Relay } from '../relay.ts';
import type { AppContext, AppInstance, RelayApp } from './app.ts';

export interface RunningApps {
  readonly names: readonly string[];
  status(): Record<string, Record<string, unknown>>;
  close(): Promise<void>;
}

const NAME_RE = /^[a-z][a-z0-9-]{0,31}$/;

export function appContext(relay: Relay, app: RelayApp): AppContext {
  return {
    self: { id: relay.id, url: relay.url },
    dispatcher: relay.dispatcher,
    tree: relay.tree,
    db: relay.db,
    dataPath: join(relay.dataDir.path, 'apps', app.name),
    components: relay.components,
    logger: relay.components.logger,
    k: relay.config.maxPeers,
    replicas: relay.config.replicas,
    addApiRoute: (route) => relay.addApiRoute(route),
    dataDir: relay.dataDir.path,
    config: relay.config,
    identity: relay.identity,
    setStorageStatus: (source) => relay.setStorageStatus(source),
  };
}

export async function startApps(relay: Relay, apps: readonly RelayApp[]): Promise<RunningApps> {
  const running: { name: string; instance: AppInstance }[] = [];
  const seen = new Set<string>();
  try {
    for (const app of apps) {
      if (!NAME_RE.test(app.name))
        throw new PeerTreeError('BAD_INPUT', `application name ${JSON.stringify(app.name)} is not a lowercase word`);
      if (seen.has(app.name)) throw new PeerTreeError('CONFLICT', `application ${app.name} is started twice`);
      seen.add(app.name);
      const ctx = appContext(relay, app);
      await mkdir(ctx.dataPath, { recursive: true, mode: 0o700 });
      running.push({ name: app.name, instance: await app.start(ctx) });
    }
  } catch (err) {
    for (const r of running.reverse()) await r.instance.close();
    throw err;
  }
  return {
    names: running.map((r) => r.name),
    status: () => Object.fromEntries(running.map((r) => [r.name, r.instance.status?.() ?? {}])),
    close: async () => {
      for (const r of [...running].reverse()) {
        try {
          await r.instance.close();
        } catch (err) {
          relay.components.logger.error('application failed to stop', { app: r.name, error: String(err) });
        }
      }
    },
  };
}
