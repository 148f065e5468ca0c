// GET /metrics: the relay's counters and gauges in the Prometheus text exposition format (version 0.0.4).
// Everything comes from the admin status document plus the dispatcher's per-type statistics: no secrets, but
// operator information (http/access.ts decides who may read it: this machine, or a metrics or admin token).
// `promtool check metrics` passes on it (tests/integration/relay-metrics.test.ts runs it when installed):
// counters end in `_total`, gauges carry their unit, every family has HELP and TYPE.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { StatusDocument } from '../status.ts';
import { canSeeMetrics, LOOPBACK_ONLY, type AccessPolicy } from './access.ts';
import { LATENCY_BUCKETS_S, type TypeStats } from '../ws/dispatcher.ts';

export interface MetricsSources {
  status(): StatusDocument;
  messageStats(): ReadonlyMap<string, TypeStats>;
}

/** Escapes a label value (backslash, quote, newline). */
function label(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** Application status fields that are levels (they go down as well as up); every other number is a counter. */
const APP_GAUGES: ReadonlySet<string> = new Set([
  'memories',
  'seq',
  'assets',
  'buffered',
  'heads',
  'records',
  'shards',
  'bytes',
]);

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
  metric('peertree_relay_info', 'gauge', 'Relay identity and version (value 1).', [
    [`{id="${label(st.id)}",version="${label(st.version)}",tree="${label(st.treeId)}"}`, 1],
  ]);
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
      Object.entries(st.tree)
        .filter(([, n]) => num(n) !== null)
        .map(([event, n]) => [`{event="${label(event)}"}`, n]),
    );
  }
  const http = (st.http ?? {}) as Record<string, number>;
  metric(
    'peertree_http_responses_total',
    'counter',
    'HTTP answers by status code (including refused requests).',
    Object.entries(http).map(([code, n]) => [`{code="${label(code)}"}`, n]),
  );
  const apps = (st.apps ?? {}) as Record<string, Record<string, unknown>>;
  const storage = apps.storage ?? {};
  one(
    'peertree_repair_backlog',
    'gauge',
    "Shard copies this relay still has to see made: under-replicated shards and new members' shares.",
    storage.repairBacklog,
  );
  one(
    'peertree_under_replicated_shards',
    'gauge',
    'Shards held here with fewer verified holders than their target, at their last sweep.',
    storage.underReplicated,
  );
  if (num(storage.auditsPassed) !== null && num(storage.auditsFailed) !== null) {
    metric('peertree_storage_audits_total', 'counter', 'Audits of other holders sent by this relay, by result.', [
      ['{result="passed"}', storage.auditsPassed as number],
      ['{result="failed"}', storage.auditsFailed as number],
    ]);
  }
  const ownGauges = new Set(['repairBacklog', 'underReplicated', 'auditsPassed', 'auditsFailed']);
  const appCounters: [string, number][] = [];
  const appGauges: [string, number][] = [];
  for (const [app, fields] of Object.entries(apps)) {
    for (const [k, v] of Object.entries(fields ?? {})) {
      if (num(v) === null || (app === 'storage' && ownGauges.has(k))) continue;
      (APP_GAUGES.has(k) ? appGauges : appCounters).push([`{app="${label(app)}",name="${label(k)}"}`, v as number]);
    }
  }
  metric(
    'peertree_app_events_total',
    'counter',
    'Events each application counted since the relay started, by name.',
    appCounters,
  );
  metric(
    'peertree_app_level',
    'gauge',
    'Current levels of each application (items held, sequence numbers), by name.',
    appGauges,
  );

  // Disk of the data folder (fs.statfs, sampled) and the configured capacity: bytes.
  const disk = (st as unknown as { disk?: Record<string, unknown> }).disk ?? {};
  one('peertree_disk_size_bytes', 'gauge', 'Size of the file system holding the data folder.', disk.sizeBytes);
  one(
    'peertree_disk_free_bytes',
    'gauge',
    'Bytes free (for this process) on the file system holding the data folder.',
    disk.freeBytes,
  );
  one(
    'peertree_capacity_bytes',
    'gauge',
    'Most bytes of shards this relay keeps (--capacity); absent when not set.',
    disk.capacityBytes,
  );
  // Requests refused with a normal answer (full disk, quota, not available, forbidden, …): not handler errors.
  const refusals = (st as unknown as { refusals?: Record<string, unknown> }).refusals ?? {};
  metric(
    'peertree_refusals_total',
    'counter',
    'Requests refused, by reason (disk_full, full, unavailable, forbidden, not_found, …).',
    Object.entries(refusals)
      .filter(([, n]) => num(n) !== null)
      .map(([reason, n]) => [`{reason="${label(reason)}"}`, n as number]),
  );
  // Gauges other parts add (repair backlog, under-replication) go above with the storage application's.

  const stats = [...s.messageStats()].sort(([a], [b]) => a.localeCompare(b));
  metric(
    'peertree_messages_total',
    'counter',
    'Messages handled, by type.',
    stats.map(([t, x]) => [`{type="${label(t)}"}`, x.count]),
  );
  metric(
    'peertree_message_errors_total',
    'counter',
    'Messages whose handler failed (INTERNAL), by type; refusals are in peertree_refusals_total.',
    stats.map(([t, x]) => [`{type="${label(t)}"}`, x.errors]),
  );
  const hist: [string, number][] = [];
  for (const [t, x] of stats) {
    LATENCY_BUCKETS_S.forEach((b, i) => hist.push([`_bucket{type="${label(t)}",le="${b}"}`, x.buckets[i]!]));
    hist.push(
      [`_bucket{type="${label(t)}",le="+Inf"}`, x.count],
      [`_sum{type="${label(t)}"}`, Number(x.sumSeconds.toFixed(6))],
      [`_count{type="${label(t)}"}`, x.count],
    );
  }
  metric('peertree_message_handler_seconds', 'histogram', 'Time to handle a message, by type.', hist);
  const mem = process.memoryUsage();
  one('process_resident_memory_bytes', 'gauge', 'Resident set size.', mem.rss);
  one('nodejs_heap_used_bytes', 'gauge', 'V8 heap in use.', mem.heapUsed);
  return out.join('\n') + '\n';
}

/** Answers GET /metrics to whom `access` allows (default: this machine only); 403 to anyone else. */
export function serveMetrics(
  s: MetricsSources,
  req: IncomingMessage,
  res: ServerResponse,
  access: AccessPolicy = LOOPBACK_ONLY,
): void {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(400, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' });
    res.end(`method ${req.method} not allowed\n`);
    return;
  }
  if (!canSeeMetrics(req, access)) {
    const text =
      'metrics are for the operator: scrape from this machine, or send Authorization: Bearer <--metrics-token-file>\n';
    res.writeHead(403, {
      'content-type': 'text/plain; charset=utf-8',
      'cache-control': 'no-store',
      'content-length': Buffer.byteLength(text),
      'www-authenticate': 'Bearer',
    });
    res.end(req.method === 'HEAD' ? undefined : text);
    return;
  }
  const text = renderMetrics(s);
  res.writeHead(200, {
    'content-type': 'text/plain; version=0.0.4; charset=utf-8',
    'cache-control': 'no-store',
    'content-length': Buffer.byteLength(text),
  });
  res.end(req.method === 'HEAD' ? undefined : text);
}
