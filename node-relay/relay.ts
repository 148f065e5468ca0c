// Starts a relay: data folder, identity, certificate, database, HTTP(S) server with /api, /ws and the PWA.
import { VERSION } from './version.ts';
import { readFile } from 'node:fs/promises';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fromHex, toHex } from '../core/bytes.ts';
import { PeerTreeError } from '../core/errors.ts';
import { HANDSHAKE_TYPES } from '../core/wire/index.ts';
import type { Identity } from '../core/identity/index.ts';
import { SHUTDOWN_GRACE_MS, validateLimits, type Limits } from '../core/limits.ts';
import { type Components } from './components.ts';
import { defaultComponents } from './default-components.ts';
import { relayUrl, type RelayConfig } from './config/relay-config.ts';
import { loadOrCreateSelfSigned, loadTlsFiles, type TlsMaterial } from './data/certificate.ts';
import type { AcmeCertificates } from './acme/acme-certificates.ts';
import { DATA_FILES, openDataDir, type DataDir } from './data/data-dir.ts';
import { loadOrCreateIdentity } from './data/identity-store.ts';
import { removeRunningFile, writeRunningFile } from './data/running-file.ts';
import { registerSelfLeave } from './admin/self-leave.ts';
import { openRelayDb, setMeta, type RelayDb } from './data/relay-db.ts';
import { loadOrCreateTreeId, newTreeId, replaceTreeId } from './data/tree-id-store.ts';
import { createApi, type ApiRoute } from './http/api.ts';
import { createRequestHandler } from './http/request-handler.ts';
import { createStaticSite } from './http/static-files.ts';
import { serveMetrics } from './http/metrics.ts';
import { loadAccessPolicy, type AccessPolicy } from './http/access.ts';
import { startDiskSampler } from './data/disk-usage.ts';
import {
  buildStatus,
  EMPTY_STORAGE,
  LONE_ROOT,
  mergeCounters,
  type StatusDocument,
  type StatusSources,
  type StorageStatus,
  type TreeStatus,
} from './status.ts';
import { startDiagApp } from './tree/diag-app.ts';
import {
  JOIN_HANDSHAKE_TYPES,
  OPEN_POLICY,
  parseJoinToken,
  type JoinPolicy,
  type JoinToken,
} from './tree/join-control.ts';
import type { TreeApi } from './tree/tree-api.ts';
import { createNodeTreeEnv } from './tree/node-tree-env.ts';
import { startTree, type RunningTree } from './tree/tree-service.ts';
import { ConnectionManager } from './ws/connection-manager.ts';
import { Dispatcher } from './ws/dispatcher.ts';
import { newDropCounters } from './ws/drop-counters.ts';
import { tuneProcess } from './process-tuning.ts';
import { RateLimiter } from './ws/rate-limiter.ts';
import { registerPing } from './ws/ping.ts';
import { attachWebSocketEndpoint, WS_PATH } from './ws/ws-server.ts';

/** The repository's built PWA (vite build output). */
export const DEFAULT_STATIC_DIR = fileURLToPath(new URL('../dist/', import.meta.url));

/** Frames accepted whatever tree id they carry: the connection handshake, and the join admission that runs
 * before a joining relay knows (and adopts) the tree id of the tree it joins. */
export const TREE_EXEMPT_TYPES: ReadonlySet<string> = new Set([...HANDSHAKE_TYPES, ...JOIN_HANDSHAKE_TYPES]);

export interface RelayOptions {
  /** Handshake time limit (default HANDSHAKE_TIMEOUT_MS); tests may shorten it. */
  readonly handshakeTimeoutMs?: number;
  /** WebSocket connections accepted from one address (default MAX_CONNECTIONS_PER_ADDRESS). */
  readonly maxConnectionsPerAddress?: number;
  /** Keep-alive ping interval of the WebSocket endpoint (default KEEPALIVE_INTERVAL_MS). */
  readonly keepaliveIntervalMs?: number;
  /** Wire limits of the relay's frame verifier (default LIMITS); tests may shrink the replay memory. */
  readonly limits?: Limits;
}

/** A running relay: what the CLI prints, and the seams the tree protocol and storage plug into. */
export interface Relay {
  readonly config: RelayConfig;
  readonly components: Components;
  readonly identity: Identity;
  readonly id: string;
  readonly publicKeyHex: string;
  /** The tree id in frame headers: the one this relay created, or adopted when it joined a tree. */
  readonly treeId: string;
  /** https://host:port (or http:// with --http). */
  readonly url: string;
  readonly wsUrl: string;
  readonly port: number;
  readonly dataDir: DataDir;
  readonly db: RelayDb;
  /** The certificate being served now (with --domain: the self-signed one until the ACME CA's arrives). */
  readonly tls: TlsMaterial | null;
  /** The ACME certificate manager (--domain), or null. */
  readonly acme: AcmeCertificates | null;
  readonly dispatcher: Dispatcher;
  readonly connections: ConnectionManager;
  /** The tree's application API: members, send, request, broadcast, on(type, handler), linkTo. */
  readonly tree: TreeApi;
  status(): StatusDocument;
  /** Leaves the tree gracefully (announced; bounded wait). True when the tree removed this relay. */
  leave(timeoutMs?: number): Promise<boolean>;
  /** Called when joining is refused for good (e.g. FORBIDDEN by join control). */
  onTreeFatal(listener: (err: PeerTreeError) => void): void;
  /**
   * Called when the operator's `relay.leave` frame (signed by this relay's own key) has made the relay leave
   * its tree; `left` is true when the tree confirmed it. The owner then shuts the relay down for good.
   */
  onLeaveRequest(listener: (left: boolean) => void): void;
  /** Adds a top-level section to the status document (it never replaces a fixed field). */
  setStatusSection(name: string, source: () => unknown): void;
  /** Replaces the lone-root tree picture shown in the status (the tree protocol calls this). */
  setTreeStatus(source: () => TreeStatus): void;
  /** Adds an application's HTTP route under /api. */
  addApiRoute(route: ApiRoute): void;
  /** Replaces the storage counters shown in the status (the shard store and outbox call this). */
  setStorageStatus(source: () => StorageStatus): void;
  /** Closes every socket with 1001, stops the server, closes the database, removes running.json. Idempotent. */
  close(): Promise<void>;
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const onError = (err: Error) => reject(err);
    server.once('error', onError);
    server.listen({ port, host, exclusive: true }, () => {
      server.off('error', onError);
      resolvePort((server.address() as AddressInfo).port);
    });
  });
}

export async function startRelay(
  config: RelayConfig,
  components: Components = defaultComponents(),
  options: RelayOptions = {},
): Promise<Relay> {
  validateLimits();
  if (options.limits !== undefined) validateLimits(options.limits);
  // node:crypto for Ed25519, SHA-256 and AES-GCM (process-tuning.ts), before the identity is loaded so it signs too.
  await tuneProcess();
  const { logger, clock } = components;
  const started = clock.monotonic();
  const dataDir = await openDataDir(config.dataDir, logger);
  const { identity, signSync, created } = await loadOrCreateIdentity(dataDir, components.rng, logger);
  if (created) logger.info('created relay identity', { id: identity.id, file: dataDir.file(DATA_FILES.seed) });
  let { treeId } = await loadOrCreateTreeId(dataDir, components.rng);
  const joinToken = await readJoinToken(config.joinTokenFile);
  const policy: JoinPolicy =
    config.allow === undefined && config.operatorKey === undefined
      ? OPEN_POLICY
      : {
          allow: new Set(config.allow ?? []),
          operatorKey: config.operatorKey !== undefined ? fromHex(config.operatorKey) : null,
        };
  // With --domain the self-signed pair is served until the CA's certificate arrives (relays need no CA).
  let tls = config.http
    ? null
    : config.tls
      ? await loadTlsFiles(config.tls.certFile, config.tls.keyFile)
      : await loadOrCreateSelfSigned(dataDir, [config.host], logger);

  const db = openRelayDb(dataDir.file(DATA_FILES.db));
  try {
    setMeta(db, 'node_id', identity.id);
    setMeta(db, 'tree_id', treeId);
    setMeta(db, 'last_start', new Date(clock.now()).toISOString());
  } catch (err) {
    db.close();
    throw err;
  }

  let url = '';
  let treeSource: () => TreeStatus = () => LONE_ROOT;
  let storageSource: () => StorageStatus = () => EMPTY_STORAGE;
  const sections = new Map<string, () => unknown>();
  const counters = newDropCounters();
  const limiter = new RateLimiter(config.rateLimit, () => clock.monotonic());
  const dispatcher = new Dispatcher(logger, counters, limiter, clock);
  const connections = new ConnectionManager({
    identity,
    treeExemptTypes: TREE_EXEMPT_TYPES,
    treeId: () => treeId,
    selfUrl: () => url,
    components,
    dispatcher,
    counters,
    limiter,
    ...(options.maxConnectionsPerAddress !== undefined ? { maxPerAddress: options.maxConnectionsPerAddress } : {}),
    ...(options.limits !== undefined ? { limits: options.limits } : {}),
  });
  registerPing(dispatcher, () => clock.now());

  const statusSources: StatusSources = {
    self: {
      id: identity.id,
      publicKey: toHex(identity.publicKey),
      get treeId() {
        return treeId;
      },
      get url() {
        return url;
      },
      version: VERSION,
      maxPeers: config.maxPeers,
      replicas: config.replicas,
    },
    tree: () => treeSource(),
    storage: () => storageSource(),
    uptimeMs: () => clock.monotonic() - started,
    connections: () => connections.socketCount,
    peers: () => connections.links().map((l) => ({ id: l.peerId, role: l.role, direction: l.direction })),
    drops: () => mergeCounters(connections.verifier.drops, connections.counters),
    sections: () => Object.fromEntries([...sections].map(([name, source]) => [name, source()])),
  };

  const site = createStaticSite(resolve(config.staticDir ?? DEFAULT_STATIC_DIR));
  // Who sees the admin status and /metrics: this machine, or a token (http/access.ts).
  let access: AccessPolicy;
  try {
    access = await loadAccessPolicy(config, logger);
  } catch (err) {
    db.close();
    throw err;
  }
  const api = createApi(statusSources, access);
  const routes = createRequestHandler(api, site, logger, (req, res) =>
    serveMetrics({ status: () => buildStatus(statusSources), messageStats: () => dispatcher.stats }, req, res, access),
  );
  // HTTP answers by status code (the `http` section of the status, and /metrics): refusals are counted too.
  const httpAnswers: Record<string, number> = {};
  const countAnswer = (status: number | string) =>
    (httpAnswers[String(status)] = (httpAnswers[String(status)] ?? 0) + 1);
  sections.set('http', () => ({ ...httpAnswers }));
  // Disk and refusals for /metrics and the admin status (operator views only).
  const disk = startDiskSampler(dataDir.path, config.capacityBytes ?? null);
  sections.set('disk', () => disk.current());
  sections.set('refusals', () => ({ ...dispatcher.refusals }));
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    res.once('close', () => countAnswer(res.headersSent ? res.statusCode : 'none'));
    routes(req, res);
  };
  const server: Server = tls
    ? (createHttpsServer({ cert: tls.cert, key: tls.key }, handler) as unknown as Server)
    : createHttpServer(handler);
  server.on('clientError', (err: NodeJS.ErrnoException, socket) => {
    const tooLarge = err.code === 'HPE_HEADER_OVERFLOW';
    // One answer per connection: the rest of an oversized request can raise the error again.
    if (socket.writable) {
      countAnswer(tooLarge ? 431 : 400);
      socket.end(
        `HTTP/1.1 ${tooLarge ? '431 Request Header Fields Too Large' : '400 Bad Request'}\r\nConnection: close\r\n\r\n`,
      );
    } else socket.destroy();
  });
  server.on('tlsClientError', () => {});
  const endpoint = attachWebSocketEndpoint(server, {
    identity,
    treeId: () => treeId,
    components,
    manager: connections,
    dispatcher,
    ...(options.handshakeTimeoutMs !== undefined ? { handshakeTimeoutMs: options.handshakeTimeoutMs } : {}),
    ...(options.keepaliveIntervalMs !== undefined ? { keepaliveIntervalMs: options.keepaliveIntervalMs } : {}),
  });

  let port: number;
  try {
    port = await listen(server, config.port, config.host);
  } catch (err) {
    db.close();
    throw err;
  }
  let acme: AcmeCertificates | null = null;
  if (config.acme !== undefined) {
    try {
      // Loaded only with --domain: the ACME client and its HTTP and X.509 libraries cost every other start nothing.
      const { startAcmeCertificates } = await import('./acme/acme-certificates.ts');
      acme = await startAcmeCertificates(config.acme, {
        dataDir,
        host: config.host,
        logger,
        clock,
        timers: components.timers,
        // New connections get the new certificate at once; open ones keep theirs (no restart, no cut).
        serve: (cert) => {
          (server as unknown as HttpsServer).setSecureContext({ cert: cert.chain, key: cert.key });
          tls = { cert: cert.chain, key: cert.key, fingerprint256: cert.fingerprint256, selfSigned: false };
        },
      });
    } catch (err) {
      server.close();
      db.close();
      throw err;
    }
    const running = acme;
    sections.set('certificate', () => running.status());
  }
  url = relayUrl(config.host, port, config.http);
  try {
    // `peertree leave --data DIR` finds the running relay through this file (pid and URL).
    writeRunningFile(dataDir, {
      pid: process.pid,
      url,
      id: identity.id,
      startedAt: new Date(clock.now()).toISOString(),
    });
  } catch (err) {
    void acme?.stop();
    server.close();
    db.close();
    throw err;
  }

  let tree: RunningTree;
  try {
    tree = startTree({
      self: { id: identity.id, url, key: toHex(identity.publicKey) },
      env: createNodeTreeEnv(signSync, policy, () => treeId),
      db,
      dispatcher,
      connections,
      components,
      join: config.join,
      maxPeers: config.maxPeers,
      policy,
      joinToken,
      treeId: () => treeId,
      setTreeId(next) {
        if (next === treeId) return;
        replaceTreeId(dataDir, next);
        setMeta(db, 'tree_id', next);
        logger.info('tree id changed', { from: treeId, to: next });
        treeId = next;
      },
      newTreeId: () => newTreeId(components.rng),
    });
  } catch (err) {
    void acme?.stop();
    server.close();
    db.close();
    removeRunningFile(dataDir, process.pid);
    throw err;
  }
  treeSource = () => tree.status();
  const leaveListeners: ((left: boolean) => void)[] = [];
  const unregisterLeave = registerSelfLeave(dispatcher, {
    selfId: identity.id,
    leave: () => tree.leave(),
    onLeft: (left) => {
      for (const l of leaveListeners) l(left);
    },
    sleep: (ms) => new Promise((r) => components.timers.setTimeout(r, ms)),
  });
  const diag = config.diag === true ? startDiagApp(tree.api, dispatcher) : null;
  if (diag !== null) sections.set('diag', () => diag.status());

  let closing: Promise<void> | null = null;
  const relay: Relay = {
    config,
    components,
    identity,
    id: identity.id,
    publicKeyHex: toHex(identity.publicKey),
    get treeId() {
      return treeId;
    },
    url,
    wsUrl: url.replace(/^http/, 'ws') + WS_PATH,
    port,
    dataDir,
    db,
    get tls() {
      return tls;
    },
    acme,
    dispatcher,
    connections,
    tree: tree.api,
    status: () => buildStatus(statusSources),
    leave: (timeoutMs) => tree.leave(timeoutMs),
    onTreeFatal: (listener) => tree.onFatal(listener),
    onLeaveRequest(listener) {
      leaveListeners.push(listener);
    },
    setStatusSection(name, source) {
      sections.set(name, source);
    },
    setTreeStatus(source) {
      treeSource = source;
    },
    addApiRoute(route) {
      api.addRoute(route);
    },
    setStorageStatus(source) {
      storageSource = source;
    },
    close() {
      closing ??= (async () => {
        logger.info('shutting down', { id: identity.id });
        diag?.stop();
        await acme?.stop();
        unregisterLeave();
        tree.stop();
        endpoint.closeAll(1001, 'relay shutting down');
        connections.closeAll(1001, 'relay shutting down');
        disk.stop();
        const stopped = new Promise<void>((r) => server.close(() => r()));
        server.closeIdleConnections();
        const deadline = new Promise<void>((r) => components.timers.setTimeout(r, SHUTDOWN_GRACE_MS));
        await Promise.race([stopped, deadline]);
        server.closeAllConnections();
        for (const link of connections.links()) link.terminate();
        endpoint.terminateAll();
        db.close();
        removeRunningFile(dataDir, process.pid);
      })();
      return closing;
    },
  };
  return relay;
}

async function readJoinToken(file: string | undefined): Promise<JoinToken | null> {
  if (file === undefined) return null;
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new PeerTreeError('BAD_INPUT', `cannot read --join-token ${file}: ${(err as Error).message}`);
  }
  return parseJoinToken(text);
}
