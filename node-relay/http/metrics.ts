// GET /metrics: the relay's counters and gauges in the Prometheus text exposition format (version 0.0.4).
// Everything comes from the admin status document plus the dispatcher's per-type statistics: no secrets, but
// operator information (http/access.ts decides who may read it: this machine, or a metrics or admin token).
// `promtool check metrics` passes on it (a test runs it when promtool is installed): counters end in `_total`,
// gauges carry their unit, every family has HELP and TYPE.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { StatusDocument } from '../status.ts';
import { canSeeMetrics, LOOPBACK_ONLY, type AccessPolicy } from './access.ts';
import { LATENCY_BUCKETS_S, type TypeStats } from '../ws/dispatcher.ts';

interface AppMetric {
  readonly name: string;
  readonly type: 'counter' | 'gauge';
  readonly help: string;
}

const counter = (name: string, help: string): AppMetric => ({ name, type: 'counter', help });
const gauge = (name: string, help: string): AppMetric => ({ name, type: 'gauge', help });

/**
 * The applications' status fields as metrics. A field not listed here is still exported, as
 * `peertree_app_status_value{app,field}` (a gauge): list new fields here, counters with a `_total` name.
 */
export const APP_METRICS: Readonly<Record<string, Readonly<Record<string, AppMetric>>>> = {
  storage: {
    stored: counter('peertree_storage_shards_stored_total', 'Shards stored on this relay.'),
    served: counter('peertree_storage_shards_served_total', 'Shards served from this relay.'),
    forwarded: counter('peertree_storage_requests_forwarded_total', 'Storage requests forwarded to the holders.'),
    refused: counter('peertree_storage_refused_total', 'Storage requests refused.'),
    collected: counter('peertree_storage_shards_collected_total', 'Unpinned shards removed from disk.'),
    repaired: counter('peertree_storage_shards_repaired_total', 'Shard copies restored by repair.'),
    repairFailed: counter('peertree_storage_repair_failures_total', 'Repairs that failed.'),
    repairSkipped: counter('peertree_storage_repairs_skipped_total', 'Repairs skipped.'),
    repairBacklog: gauge('peertree_repair_backlog', 'Shards waiting for repair to restore their replica count.'),
  },
  search: {
    memories: gauge('peertree_search_memories', 'Memories held and indexed on this relay.'),
    queries: counter('peertree_search_queries_total', 'Searches received from clients.'),
    subtreeSearches: counter('peertree_search_subtree_searches_total', 'Searches run for the subtree below this relay.'),
    pruned: counter('peertree_search_pruned_total', 'Subtree searches pruned (no possible match below).'),
    remembered: counter('peertree_search_memories_remembered_total', 'Memories stored on this relay.'),
    forgotten: counter('peertree_search_memories_forgotten_total', 'Memories removed from this relay.'),
    repaired: counter('peertree_search_memories_repaired_total', 'Memory copies restored by repair.'),
  },
  ledger: {
    seq: gauge('peertree_ledger_sequence', 'Sequence number of the last ledger entry applied.'),
    assets: gauge('peertree_ledger_assets', 'Assets registered in the ledger.'),
    buffered: gauge('peertree_ledger_buffered_entries', 'Ledger entries received ahead of their turn, waiting.'),
    sequenced: counter('peertree_ledger_entries_sequenced_total', 'Ledger entries this relay sequenced (as root).'),
    applied: counter('peertree_ledger_entries_applied_total', 'Ledger entries applied.'),
    rejected: counter('peertree_ledger_entries_rejected_total', 'Ledger entries rejected.'),
    caughtUp: counter('peertree_ledger_entries_caught_up_total', 'Ledger entries fetched to catch up.'),
    refused: counter('peertree_ledger_refused_total', 'Ledger requests refused.'),
  },
};

export interface MetricsSources {
  status(): StatusDocument;
  messageStats(): ReadonlyMap<string, TypeStats>;
}

/** Escapes a label value (backslash, quote, newline). */
function label(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function num(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

export function renderMetrics(s: MetricsSources): string {
  const st = s.status();
  const out: string[] = [];
  const metric = (name: string, type: 'gauge' | 'counter' | 'histogram', help: string, samples: [string, number][]) => {
    out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    for (const [labels, value] of samples) out.push(`${name}${labels} ${value}`);
  };
  const one = (name: string, type: 'gauge' | 'counter', help: string, value: unknown) => {
    const v = num(value);
    if (v !== null) metric(name, type, help, [['', v]]);
  };
  metric('peertree_relay_info', 'gauge', 'Relay identity and version (value 1).', [[`{id="${label(st.id)}",version="${label(st.version)}",tree="${label(st.treeId)}"}`, 1]]);
  one('peertree_uptime_seconds', 'gauge', 'Seconds since the relay started.', st.uptimeMs / 1000);
  one('peertree_tree_position', 'gauge', 'Position in the tree (-1 while not a member).', st.position);
  one('peertree_tree_epoch', 'gauge', 'Membership epoch.', st.epoch);
  one('peertree_tree_size', 'gauge', 'Relays in the tree.', st.size);
  one('peertree_tree_depth', 'gauge', 'Depth of the tree.', st.depth);
  one('peertree_connections', 'gauge', 'Open WebSocket connections (authenticated or not).', st.connections);
  one('peertree_peers', 'gauge', 'Authenticated peers.', st.peers.length);
  one('peertree_shards', 'gauge', 'Shards held.', st.shards);
  one('peertree_stored_bytes', 'gauge', 'Bytes of shards held.', st.bytes);
  one('peertree_outbox_messages', 'gauge', 'Messages waiting in the persistent outboxes.', st.outbox);
  metric(
    'peertree_drops_total',
    'counter',
    'Frames and connections refused, by reason.',
    Object.entries(st.drops).map(([reason, n]) => [`{reason="${label(reason)}"}`, n]),
  );
  if (st.tree) {
    metric(
      'peertree_tree_events_total',
      'counter',
      'Tree protocol and shell events, by name.',
      Object.entries(st.tree).filter(([, n]) => num(n) !== null).map(([event, n]) => [`{event="${label(event)}"}`, n]),
    );
  }
  const http = (st.http ?? {}) as Record<string, number>;
  metric('peertree_http_responses_total', 'counter', 'HTTP answers by status code (including refused requests).', Object.entries(http).map(([code, n]) => [`{code="${label(code)}"}`, n]));
  const apps = (st.apps ?? {}) as Record<string, Record<string, unknown>>;
  // Each application's numeric status fields under their own names: counters as `_total`, gauges with units.
  const byName = new Map<string, { spec: AppMetric; samples: [string, number][] }>();
  const unlisted: [string, number][] = [];
  for (const [app, fields] of Object.entries(apps)) {
    for (const [field, v] of Object.entries(fields ?? {})) {
      const value = num(v);
      if (value === null) continue;
      const spec = APP_METRICS[app]?.[field];
      if (spec === undefined) {
        unlisted.push([`{app="${label(app)}",field="${label(field)}"}`, value]);
        continue;
      }
      const entry = byName.get(spec.name) ?? { spec, samples: [] };
      entry.samples.push(['', value]);
      byName.set(spec.name, entry);
    }
  }
  // The alert in docs/operating.md reads this one: present even before the storage application reports.
  if (!byName.has('peertree_repair_backlog')) byName.set('peertree_repair_backlog', { spec: APP_METRICS.storage!.repairBacklog!, samples: [['', 0]] });
  for (const [name, { spec, samples }] of byName) metric(name, spec.type, spec.help, samples);
  if (unlisted.length > 0) {
    metric('peertree_app_status_value', 'gauge', 'Numeric status fields of applications that metrics.ts does not list yet (value as in the admin status).', unlisted);
  }

  const stats = [...s.messageStats()].sort(([a], [b]) => a.localeCompare(b));
  metric('peertree_messages_total', 'counter', 'Messages handled, by type.', stats.map(([t, x]) => [`{type="${label(t)}"}`, x.count]));
  metric('peertree_message_errors_total', 'counter', 'Messages answered with an error, by type.', stats.map(([t, x]) => [`{type="${label(t)}"}`, x.errors]));
  const hist: [string, number][] = [];
  for (const [t, x] of stats) {
    LATENCY_BUCKETS_S.forEach((b, i) => hist.push([`_bucket{type="${label(t)}",le="${b}"}`, x.buckets[i]!]));
    hist.push([`_bucket{type="${label(t)}",le="+Inf"}`, x.count], [`_sum{type="${label(t)}"}`, Number(x.sumSeconds.toFixed(6))], [`_count{type="${label(t)}"}`, x.count]);
  }
  metric('peertree_message_handler_seconds', 'histogram', 'Time to handle a message, by type.', hist);
  const mem = process.memoryUsage();
  one('process_resident_memory_bytes', 'gauge', 'Resident set size.', mem.rss);
  one('nodejs_heap_used_bytes', 'gauge', 'V8 heap in use.', mem.heapUsed);
  return out.join('\n') + '\n';
}

/** Answers GET /metrics to whom `access` allows (default: this machine only); 403 to anyone else. */
export function serveMetrics(s: MetricsSources, req: IncomingMessage, res: ServerResponse, access: AccessPolicy = LOOPBACK_ONLY): void {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(400, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' });
    res.end(`method ${req.method} not allowed\n`);
    return;
  }
  if (!canSeeMetrics(req, access)) {
    const text = 'metrics are for the operator: scrape from this machine, or send Authorization: Bearer <--metrics-token-file>\n';
    res.writeHead(403, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store', 'content-length': Buffer.byteLength(text), 'www-authenticate': 'Bearer' });
    res.end(req.method === 'HEAD' ? undefined : text);
    return;
  }
  const text = renderMetrics(s);
  res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8', 'cache-control': 'no-store', 'content-length': Buffer.byteLength(text) });
  res.end(req.method === 'HEAD' ? undefined : text);
}
