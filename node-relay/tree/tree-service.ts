// Starts the tree protocol inside a relay: restores the persisted state (resume), creates a new tree, or
// joins one through any member (adopting its tree id and k); registers the tree.* frame handlers on the
// dispatcher; enforces join control; reports the status; and leaves gracefully on shutdown.
import { ERROR_TABLE, PeerTreeError } from '../../core/errors.ts';
import {
  APP_LINK_KEEP_MS,
  DIAL_TIMEOUT_MS,
  JOIN_RETRY_MS,
  LEAVE_FLUSH_MS,
  LEAVE_TIMEOUT_MS,
  MAX_STATUS_MEMBERS,
  REQUEST_TIMEOUT_MS,
} from '../../core/limits.ts';
import {
  initialState,
  MSG,
  positionOf,
  treeStatus,
  type NodeRef,
  type TreeEnv,
  type TreeEvent,
  type TreeState,
} from '../../core/tree/index.ts';
import { watchedNeighbours } from '../../core/tree/view.ts';
import type { Message } from '../../core/wire/index.ts';
import type { Components } from '../components.ts';
import type { RelayDb } from '../data/relay-db.ts';
import type { TreeStatus } from '../status.ts';
import type { ConnectionManager } from '../ws/connection-manager.ts';
import type { Dispatcher } from '../ws/dispatcher.ts';
import type { Link } from '../ws/link.ts';
import {
  ADMIT,
  ADMITTED,
  AdmittedSet,
  admissionProblem,
  isOpen,
  type JoinPolicy,
  type JoinToken,
} from './join-control.ts';
import { PeerLinks, treeBody } from './peer-links.ts';
import { membersOf, TreeApi } from './tree-api.ts';
import { TreeRunner } from './tree-runner.ts';
import { TreeStore } from './tree-store.ts';

export interface TreeServiceDeps {
  readonly self: NodeRef;
  /** Signs and checks the membership records (node-tree-env.ts). */
  readonly env: TreeEnv;
  readonly db: RelayDb;
  readonly dispatcher: Dispatcher;
  readonly connections: ConnectionManager;
  readonly components: Components;
  /** Relay URLs to join (tried in turn); empty: a lone relay creates its own tree. */
  readonly join: readonly string[];
  readonly maxPeers: number;
  readonly policy: JoinPolicy;
  /** Token this relay presents when it joins a closed tree. */
  readonly joinToken: JoinToken | null;
  /** The wire tree id (frame headers), and how to change it (persisted by the relay). */
  treeId(): string;
  setTreeId(treeId: string): void;
  newTreeId(): string;
}

export interface TreeStatusExtra extends TreeStatus {
  readonly outbox: number;
  readonly phase: string;
  readonly members: readonly { position: number; id: string; url: string }[];
  readonly counters: Readonly<Record<string, number>>;
}

export interface RunningTree {
  readonly api: TreeApi;
  readonly runner: TreeRunner;
  status(): TreeStatusExtra;
  /** Announces the leave and waits (bounded) until the tree removed this relay; true when it did. */
  leave(timeoutMs?: number): Promise<boolean>;
  /** Called once when joining is refused for good (e.g. FORBIDDEN); the CLI exits on it. */
  onFatal(listener: (err: PeerTreeError) => void): void;
  stop(): void;
}

function sleep(components: Components, ms: number): Promise<void> {
  return new Promise((r) => components.timers.setTimeout(r, ms));
}

function readAdmitted(body: unknown): { k: number } {
  const b = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  if (!Number.isSafeInteger(b.k) || (b.k as number) < 2)
    throw new PeerTreeError('BAD_INPUT', 'contact sent no valid k');
  return { k: b.k as number };
}

export function startTree(deps: TreeServiceDeps): RunningTree {
  const { components, dispatcher, connections } = deps;
  const { logger } = components;
  const store = new TreeStore(deps.db);
  let stored: TreeState | null = null;
  try {
    stored = store.load();
  } catch (err) {
    logger.warn(
      'the saved tree state cannot be used (it was written by an older version, or is damaged); starting without it',
      { error: String(err) },
    );
    store.clear();
  }
  const shellCounters: Record<string, number> = { 'not-relay': 0, 'bad-frame': 0, 'join-refused-here': 0 };
  const admitted = new AdmittedSet();
  const checking = new Map<string, Promise<boolean>>();
  const fatalListeners: ((err: PeerTreeError) => void)[] = [];
  const leftWaiters: (() => void)[] = [];
  const unregister: (() => void)[] = [];
  let stopped = false;
  let fatal: PeerTreeError | null = null;

  const peers = new PeerLinks(
    connections,
    components,
    (peer, up) => runner.apply({ type: 'connection', peer, up }),
    (msgType) =>
      msgType === MSG.join && deps.joinToken !== null ? { type: ADMIT, body: { token: deps.joinToken } } : null,
  );
  const onEvent = (event: TreeEvent) => {
    api.handleEvent(event);
    if (event.type === 'left') for (const w of leftWaiters.splice(0)) w();
    if (event.type === 'joined')
      logger.info('joined the tree', { event: 'tree.joined', position: event.position, treeId: deps.treeId() });
    // After a restart the others may have dropped this relay while it was away: it simply joins again.
    if (event.type === 'removed')
      logger.info('this relay is not in the current membership (it was away); joining again', {
        event: 'tree.rejoining',
      });
  };
  const keepLink = (id: string, s: TreeState): boolean => {
    const p = positionOf(s.membership, s.self.id);
    for (const ref of watchedNeighbours(s, p).values()) if (ref.id === id) return true;
    return api.usedRecently(id, APP_LINK_KEEP_MS);
  };
  // A persisted membership is resumed (the relay rejoins its tree), except a lone tree of its own when
  // --join now names a tree to join.
  const lone = stored !== null && stored.phase === 'member' && stored.membership.members.length <= 1;
  const resumable =
    stored !== null &&
    (stored.phase === 'member' || stored.phase === 'leaving' || stored.phase === 'joining') &&
    !(lone && deps.join.length > 0);
  const first: TreeState =
    resumable && stored !== null ? { ...stored, self: deps.self } : initialState(deps.self, deps.maxPeers);
  const runner: TreeRunner = new TreeRunner({
    state: first,
    env: deps.env,
    store,
    peers,
    components,
    onEvent,
    keepLink,
  });
  const api: TreeApi = new TreeApi(runner, peers, logger, () => components.clock.now());

  const fail = (err: PeerTreeError) => {
    if (fatal !== null) return;
    fatal = err;
    logger.error('cannot join the tree', { code: err.code, error: err.message });
    for (const l of fatalListeners) l(err);
  };

  // --- frames from other relays -------------------------------------------------------------------
  const refuse = (link: Link, message: Message | null, reason: string) => {
    shellCounters['join-refused-here']!++;
    logger.info('join refused', { from: link.peerId, reason });
    const error = new PeerTreeError('FORBIDDEN', `join refused: ${reason}`);
    const done = message !== null ? link.replyError(message, error).catch(() => {}) : Promise.resolve();
    void done.then(() => link.close(error.closeCode, error.message));
  };

  const joinAllowed = async (message: Message, body: unknown, link: Link): Promise<boolean> => {
    if (isOpen(deps.policy)) return true;
    const from = message.fromId;
    if (positionOf(runner.state.membership, from) >= 0) return true; // a member forwarding a join
    const ref = (body as { ref?: { id?: unknown } }).ref;
    if (ref?.id !== from) return false;
    if (admitted.has(from)) return true;
    const pending = checking.get(from);
    if (pending !== undefined && (await pending)) return true;
    refuse(link, null, `relay ${from} presented no valid admission`);
    return false;
  };

  const onTreeFrame = async (message: Message, link: Link): Promise<void> => {
    if (link.role !== 'relay') {
      shellCounters['not-relay']!++;
      return;
    }
    let body: unknown;
    try {
      body = treeBody(message);
    } catch {
      shellCounters['bad-frame']!++;
      return;
    }
    if (message.type === MSG.join && !isOpen(deps.policy) && !(await joinAllowed(message, body, link))) return;
    runner.apply({ type: 'message', from: message.fromId, msgType: message.type, body });
  };
  for (const type of Object.values(MSG)) unregister.push(dispatcher.on(type, onTreeFrame));

  unregister.push(
    dispatcher.on(ADMIT, async (message, link) => {
      if (link.role !== 'relay') throw new PeerTreeError('FORBIDDEN', 'only relays join trees');
      const token = (message.body as { token?: unknown } | null)?.token ?? null;
      const check = admissionProblem(deps.policy, message.fromId, token, deps.treeId(), components.clock.now());
      checking.set(
        message.fromId,
        check.then((p) => p === null),
      );
      const problem = await check;
      checking.delete(message.fromId);
      if (problem !== null) {
        refuse(link, message, problem);
        return;
      }
      admitted.add(message.fromId);
      const s = runner.state;
      await link.reply(message, ADMITTED, { treeId: deps.treeId(), k: s.k, size: s.membership.members.length });
    }),
  );
  // Admissions sent ahead of a join (without waiting) are answered too; nothing to do with the answer.
  unregister.push(dispatcher.on(ADMITTED, () => {}));

  // --- joining through a contact ------------------------------------------------------------------
  const joinVia = async (urls: readonly string[]): Promise<void> => {
    for (let round = 0; !stopped && fatal === null; round++) {
      for (const url of urls) {
        if (stopped) return;
        let link: Link | null = null;
        try {
          link = await connections.dial(url, { timeoutMs: DIAL_TIMEOUT_MS });
          if (link.peerId === deps.self.id) throw new PeerTreeError('BAD_INPUT', `--join ${url} is this relay itself`);
          // A refusal is a peer.error answering the admission (readable though its tree id is not ours yet: it
          // answers a tree-exempt request), then a close with FORBIDDEN's code and the reason: when the answer
          // could not be sent, the close says it.
          let refused: PeerTreeError | null = null;
          link.onClose((code, reason) => {
            if (code === ERROR_TABLE.FORBIDDEN.close)
              refused = new PeerTreeError('FORBIDDEN', reason || 'join refused');
          });
          const reply = await link
            .request(ADMIT, { token: deps.joinToken }, REQUEST_TIMEOUT_MS)
            .catch((err: unknown) => {
              throw refused ?? err;
            });
          const { k } = readAdmitted(reply.body);
          if (link.treeId === '') throw new PeerTreeError('BAD_INPUT', `${url} sent no tree id`);
          if (k !== deps.maxPeers)
            logger.warn("using the tree's k instead of --max-peers", { tree: k, flag: deps.maxPeers });
          if (stopped) return;
          deps.setTreeId(link.treeId);
          runner.reset(initialState(deps.self, k));
          runner.apply({
            type: 'join',
            contact: { id: link.peerId, url, key: link.peerKeyHex },
            admission: deps.joinToken === null ? '' : JSON.stringify(deps.joinToken),
          });
          logger.info('joining the tree', { via: url, contact: link.peerId, treeId: link.treeId, k });
          return;
        } catch (err) {
          const e = err instanceof PeerTreeError ? err : new PeerTreeError('UNAVAILABLE', String(err));
          if (e.code === 'FORBIDDEN' || e.code === 'BAD_INPUT') {
            fail(e);
            return;
          }
          logger.warn('join attempt failed; retrying', { via: url, round, error: e.message });
          link?.close(1000, 'join attempt failed');
        }
      }
      await sleep(components, JOIN_RETRY_MS);
    }
  };

  // --- start: resume, join or create --------------------------------------------------------------
  if (resumable && stored !== null) {
    if (stored.self.url !== deps.self.url) {
      logger.warn('relay URL changed since the last run; other relays know the old one until this relay rejoins', {
        was: stored.self.url,
        now: deps.self.url,
      });
    }
    if (deps.join.length > 0)
      logger.info('resuming the persisted tree membership; --join is not needed', { phase: stored.phase });
    runner.apply({ type: 'resume' });
  } else if (deps.join.length > 0) {
    void joinVia(deps.join);
  } else {
    // A relay that was in a tree with others (or left one) and starts alone gets a new tree id, so
    // the tree it was in does not take the new one for itself.
    if (stored !== null && !lone) deps.setTreeId(deps.newTreeId());
    if (stored !== null) store.clear();
    runner.apply({ type: 'create', treeId: deps.treeId() });
  }

  const status = (): TreeStatusExtra => {
    const s = runner.state;
    const t = treeStatus(s);
    const members = membersOf(s);
    return {
      position: t.position,
      epoch: t.epoch,
      parent: t.parent,
      children: t.children,
      size: t.size,
      depth: t.depth,
      outbox: t.outbox,
      phase: t.phase,
      members: members.slice(0, MAX_STATUS_MEMBERS).map((m) => ({ position: m.position, id: m.id, url: m.url })),
      counters: { ...s.counters, ...runner.counters, ...peers.counters, ...api.counters, ...shellCounters },
    };
  };

  return {
    api,
    runner,
    status,
    async leave(timeoutMs = LEAVE_TIMEOUT_MS + 2_000) {
      const phase = runner.state.phase;
      if (phase !== 'member' && phase !== 'leaving') return phase === 'left' || phase === 'idle';
      // Alone in its tree there is no one to tell: the relay stays the root and resumes its tree on restart.
      if (runner.state.membership.members.length <= 1) return true;
      const left = new Promise<boolean>((r) => leftWaiters.push(() => r(true)));
      runner.apply({ type: 'leave' });
      const ok =
        runner.state.phase === 'left'
          ? true
          : await Promise.race([left, sleep(components, timeoutMs).then(() => false)]);
      await sleep(components, LEAVE_FLUSH_MS);
      return ok;
    },
    onFatal(listener) {
      fatalListeners.push(listener);
      if (fatal !== null) listener(fatal);
    },
    stop() {
      if (stopped) return;
      stopped = true;
      runner.stop();
      peers.stop();
      api.close();
      for (const u of unregister) u();
    },
  };
}
