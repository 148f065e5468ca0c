// Chaos on real relays: a tree of 12 relay processes (replicas 3) while clients put and get files through the
// CLI continuously, and relays are killed with -9, restarted with the same data folder, and frozen for a few
// seconds (SIGSTOP/SIGCONT). Seeded, bounded in count and time, loopback only. Afterwards: every acknowledged
// put is retrievable byte for byte, no get ever returned wrong bytes, every shard has at least 3 holders on the
// live relays' disks, and every shard file on disk hashes to its name.
//
//   npm run chaos [-- --minutes 5 --seed 1 --relays 12 --clients 2]
//
// CI runs one minute of it (tests/integration/chaos-short.test.ts).
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { FileDecoder } from '../../core/storage/file-codec.ts';
import { storedShards } from '../../core/storage/manifest.ts';
import { parseCapability } from '../../core/storage/capability.ts';
import { Prng } from '../sim/prng.ts';
import {
  getStatus,
  killAll,
  runCli,
  startRelayProcess,
  tmpDir,
  type RelayProcess,
} from '../integration/relay-harness.ts';

export interface ChaosOptions {
  readonly seed: number;
  readonly minutes: number;
  readonly relays: number;
  readonly replicas: number;
  /** Client loops putting and getting at once. */
  readonly clients: number;
  /** Relays' anti-entropy sweep interval (`--repair-interval`; default 2000 ms, so a run settles in seconds). */
  readonly repairIntervalMs?: number;
  readonly log: (line: string) => void;
}

export interface ChaosReport {
  seed: number;
  minutes: number;
  relays: number;
  faults: { kills: number; restarts: number; freezes: number };
  puts: { tried: number; acknowledged: number; failed: number; bytes: number };
  gets: { tried: number; ok: number; failed: number; wrongBytes: number };
  final: {
    treeSize: number;
    filesChecked: number;
    filesRetrieved: number;
    shards: number;
    holders: Record<string, number>;
    underReplicated: number;
    /** Shards with more holders than the replica count once the run settled (surplus not released). */
    overReplicated: number;
    shardFilesOnDisk: number;
    corruptOnDisk: number;
    repairWaitMs: number;
  };
  durationMs: number;
}

interface Slot {
  index: number;
  data: string;
  proc: RelayProcess | null;
  url: string;
  frozenUntil: number;
}

interface Stored {
  capability: string;
  path: string;
  size: number;
}

const MiB = 1024 * 1024;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function lastLine(text: string): string {
  return text.trim().split('\n').at(-1) ?? '';
}

async function waitFor<T>(probe: () => Promise<T | null>, timeoutMs: number, everyMs = 500): Promise<T | null> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const v = await probe();
      if (v !== null) return v;
    } catch {
      // not yet
    }
    await sleep(everyMs);
  }
  return null;
}

function fill(rng: Prng, size: number): Buffer {
  const b = Buffer.alloc(size);
  let x = rng.int(2 ** 31);
  for (let i = 0; i < size; i += 4) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    b.writeUInt32LE(x, i <= size - 4 ? i : size - 4);
  }
  return b;
}

export async function runChaos(o: ChaosOptions): Promise<ChaosReport> {
  const started = Date.now();
  const root = tmpDir('peertree-chaos-');
  process.env.PEERTREE_HOME = join(root.path, 'home');
  const slots: Slot[] = [];
  const report: ChaosReport = {
    seed: o.seed,
    minutes: o.minutes,
    relays: o.relays,
    faults: { kills: 0, restarts: 0, freezes: 0 },
    puts: { tried: 0, acknowledged: 0, failed: 0, bytes: 0 },
    gets: { tried: 0, ok: 0, failed: 0, wrongBytes: 0 },
    final: {
      treeSize: 0,
      filesChecked: 0,
      filesRetrieved: 0,
      shards: 0,
      holders: {},
      underReplicated: 0,
      overReplicated: 0,
      shardFilesOnDisk: 0,
      corruptOnDisk: 0,
      repairWaitMs: 0,
    },
    durationMs: 0,
  };
  const stored: Stored[] = [];
  const repairArgs = ['--repair-interval', String(o.repairIntervalMs ?? 2_000)];
  const timers = new Set<NodeJS.Timeout>();
  try {
    // --- the tree -------------------------------------------------------------------------------
    for (let i = 0; i < o.relays; i++) {
      const data = join(root.path, `r${i}`);
      const args = [
        '--log-level',
        'error',
        '--replicas',
        String(o.replicas),
        ...repairArgs,
        ...(i === 0 ? [] : ['--join', slots[0]!.url]),
      ];
      const proc = await startRelayProcess(data, args, 30_000);
      slots.push({ index: i, data, proc, url: proc.ready.url, frozenUntil: 0 });
    }
    const formed = await waitFor(async () => {
      const sizes = await Promise.all(slots.map(async (s) => (await getStatus(s.url)).size));
      return sizes.every((n) => n === o.relays) ? true : null;
    }, 120_000);
    if (!formed) throw new Error(`the ${o.relays} relays did not form one tree`);
    o.log(`chaos: ${o.relays} relays in one tree; running ${o.minutes} min with seed ${o.seed}`);

    const isLive = (s: Slot) => s.proc !== null && s.frozenUntil <= Date.now();
    const live = () => slots.filter(isLive);
    const dead = () => slots.filter((s) => s.proc === null);
    const anyLive = (r: Prng) => {
      const l = live();
      return l.length > 0 ? r.pick(l) : null;
    };

    const restart = async (s: Slot) => {
      const contact = slots.find((x) => x !== s && isLive(x));
      const args = [
        '--log-level',
        'error',
        '--replicas',
        String(o.replicas),
        ...repairArgs,
        ...(contact ? ['--join', contact.url] : []),
      ];
      const proc = await startRelayProcess(s.data, args, 30_000);
      s.proc = proc;
      s.url = proc.ready.url;
      report.faults.restarts++;
    };

    const end = started + o.minutes * 60_000;

    // --- faults --------------------------------------------------------------------------------------
    const faults = async () => {
      const frng = new Prng(o.seed * 31 + 7);
      while (Date.now() < end) {
        await sleep(frng.range(3_000, 9_000));
        if (Date.now() >= end) break;
        const action = frng.pick(['kill', 'kill', 'freeze', 'restart']);
        const down = dead();
        if ((action === 'restart' || down.length >= 2) && down.length > 0) {
          await restart(frng.pick(down)).catch((err: unknown) => o.log(`  restart failed: ${String(err)}`));
          continue;
        }
        const victim = anyLive(frng);
        if (!victim || !victim.proc) continue;
        if (action === 'kill') {
          await victim.proc.stop('SIGKILL');
          victim.proc = null;
          report.faults.kills++;
          o.log(`  t+${Math.round((Date.now() - started) / 1000)}s kill -9 relay ${victim.index}`);
        } else {
          const ms = frng.range(2_000, 8_000);
          const p = victim.proc.proc;
          p.kill('SIGSTOP');
          victim.frozenUntil = Date.now() + ms;
          report.faults.freezes++;
          const t = setTimeout(() => {
            timers.delete(t);
            if (p.exitCode === null && p.signalCode === null) p.kill('SIGCONT');
          }, ms);
          timers.add(t);
        }
      }
    };

    // --- clients --------------------------------------------------------------------------------------
    const client = async (c: number) => {
      const crng = new Prng(o.seed * 1009 + c);
      let n = 0;
      while (Date.now() < end) {
        const relay = anyLive(crng);
        if (!relay) {
          await sleep(500);
          continue;
        }
        if (stored.length === 0 || crng.chance(0.5)) {
          const size = crng.chance(0.2) ? crng.range(MiB, 2 * MiB + 100) : crng.range(0, 200_000);
          const path = join(root.path, `c${c}-${n++}.bin`);
          writeFileSync(path, fill(crng, size));
          report.puts.tried++;
          const args = [
            'put',
            path,
            '--relay',
            relay.url,
            '--replicas',
            String(o.replicas),
            ...(crng.chance(0.3) ? ['--public'] : []),
          ];
          const r = await runCli(args, 60_000).catch(() => ({ code: -1, stdout: '', stderr: '' }));
          const capability = lastLine(r.stdout);
          if (r.code === 0 && capability.startsWith('pt1.')) {
            stored.push({ capability, path, size });
            report.puts.acknowledged++;
            report.puts.bytes += size;
          } else {
            report.puts.failed++;
            rmSync(path, { force: true });
          }
        } else {
          const file = crng.pick(stored);
          const out = join(root.path, `get-c${c}.out`);
          rmSync(out, { force: true });
          report.gets.tried++;
          const r = await runCli(['get', file.capability, '--relay', relay.url, '-o', out], 60_000).catch(() => ({
            code: -1,
            stdout: '',
            stderr: '',
          }));
          if (r.code === 0) {
            if (existsSync(out) && Buffer.compare(readFileSync(out), readFileSync(file.path)) === 0) report.gets.ok++;
            else report.gets.wrongBytes++;
          } else report.gets.failed++;
        }
      }
    };

    const progress = setInterval(() => {
      o.log(
        `  t+${Math.round((Date.now() - started) / 1000)}s puts ${report.puts.acknowledged}/${report.puts.tried}, gets ${report.gets.ok}/${report.gets.tried}, ` +
          `wrong ${report.gets.wrongBytes}, kills ${report.faults.kills}, freezes ${report.faults.freezes}, restarts ${report.faults.restarts}, down ${dead().length}`,
      );
    }, 30_000);
    await Promise.all([faults(), ...Array.from({ length: o.clients }, (_, c) => client(c))]);
    clearInterval(progress);

    // --- heal: thaw, restart, converge ------------------------------------------------------------------
    for (const t of timers) clearTimeout(t);
    for (const s of slots) {
      if (s.proc && s.frozenUntil > 0) s.proc.proc.kill('SIGCONT');
      s.frozenUntil = 0;
    }
    for (const s of dead()) await restart(s);
    const size = await waitFor(async () => {
      const sizes = await Promise.all(slots.map(async (s) => (await getStatus(s.url)).size));
      return sizes.every((n) => n === o.relays) ? o.relays : null;
    }, 120_000);
    report.final.treeSize = size ?? -1;

    // Every shard of every acknowledged file, read from the manifests on disk.
    const holdersOf = (hash: string) =>
      slots.filter((s) => existsSync(join(s.data, 'shards', hash.slice(0, 2), hash))).length;
    const shardsOf = new Map<string, string[]>();
    for (const f of stored) {
      const cap = parseCapability(f.capability);
      const where = slots.find((s) => existsSync(join(s.data, 'shards', cap.manifest.slice(0, 2), cap.manifest)));
      if (!where) {
        shardsOf.set(f.capability, [cap.manifest]);
        continue;
      }
      const bytes = new Uint8Array(readFileSync(join(where.data, 'shards', cap.manifest.slice(0, 2), cap.manifest)));
      shardsOf.set(f.capability, [cap.manifest, ...storedShards((await FileDecoder.open(cap, bytes)).manifest)]);
    }
    const allShards = [...new Set([...shardsOf.values()].flat())];
    const repairStart = Date.now();
    // Settled: every shard exactly at its target (the sweep repairs the missing copies and releases the surplus).
    await waitFor(async () => (allShards.every((h) => holdersOf(h) === o.replicas) ? true : null), 180_000, 1_000);
    report.final.repairWaitMs = Date.now() - repairStart;
    report.final.shards = allShards.length;
    for (const h of allShards) {
      const n = holdersOf(h);
      report.final.holders[String(n)] = (report.final.holders[String(n)] ?? 0) + 1;
      if (n < o.replicas) report.final.underReplicated++;
      if (n > o.replicas) report.final.overReplicated++;
    }

    // Every acknowledged put, byte for byte, each from a random relay.
    const vrng = new Prng(o.seed * 17 + 3);
    for (const f of stored) {
      report.final.filesChecked++;
      const out = join(root.path, 'verify.out');
      rmSync(out, { force: true });
      const relay = vrng.pick(slots);
      const r = await runCli(['get', f.capability, '--relay', relay.url, '-o', out], 60_000).catch(() => ({
        code: -1,
        stdout: '',
        stderr: '',
      }));
      if (r.code === 0 && Buffer.compare(readFileSync(out), readFileSync(f.path)) === 0) report.final.filesRetrieved++;
      else if (r.code === 0) report.gets.wrongBytes++;
      else o.log(`  not retrievable: ${f.capability.slice(0, 24)}… (${lastLine(r.stderr)})`);
    }

    // No shard file on any disk that does not hash to its name (kill -9 mid-write leaves only temp files).
    for (const s of slots) {
      const base = join(s.data, 'shards');
      if (!existsSync(base)) continue;
      for (const sub of readdirSync(base).filter((d) => /^[0-9a-f]{2}$/.test(d))) {
        for (const name of readdirSync(join(base, sub))) {
          report.final.shardFilesOnDisk++;
          if (
            createHash('sha256')
              .update(readFileSync(join(base, sub, name)))
              .digest('hex') !== name
          )
            report.final.corruptOnDisk++;
        }
      }
    }
  } finally {
    for (const t of timers) clearTimeout(t);
    for (const s of slots) {
      if (s.proc) {
        s.proc.proc.kill('SIGCONT');
        await s.proc.stop('SIGKILL').catch(() => null);
      }
    }
    killAll();
    root.remove();
  }
  report.durationMs = Date.now() - started;
  return report;
}

/** What makes a run fail; shared by npm run chaos and the CI test. */
export function chaosProblems(r: ChaosReport, replicas = 3): string[] {
  const p: string[] = [];
  if (r.final.treeSize !== r.relays) p.push(`the relays did not form one tree of ${r.relays} again`);
  if (r.gets.wrongBytes > 0) p.push(`${r.gets.wrongBytes} gets returned wrong bytes`);
  if (r.final.filesRetrieved !== r.puts.acknowledged)
    p.push(`${r.puts.acknowledged - r.final.filesRetrieved} acknowledged puts not retrievable`);
  if (r.final.underReplicated > 0) p.push(`${r.final.underReplicated} shards below ${replicas} holders`);
  if (r.final.overReplicated > 0) p.push(`${r.final.overReplicated} shards above ${replicas} holders once settled`);
  if (r.final.corruptOnDisk > 0) p.push(`${r.final.corruptOnDisk} shard files on disk do not match their hash`);
  if (r.puts.acknowledged === 0) p.push('no put was acknowledged');
  return p;
}

function flag(args: string[], name: string, fallback: number): number {
  const i = args.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const v = Number(args[i + 1]);
  if (!Number.isFinite(v) || v < 0) throw new Error(`--${name} must be a non-negative number`);
  return v;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const o: ChaosOptions = {
    seed: flag(args, 'seed', 1),
    minutes: flag(args, 'minutes', 5),
    relays: flag(args, 'relays', 12),
    replicas: flag(args, 'replicas', 3),
    clients: flag(args, 'clients', 2),
    repairIntervalMs: flag(args, 'repair-interval', 2_000),
    log: (line) => process.stdout.write(line + '\n'),
  };
  const r = await runChaos(o);
  o.log(JSON.stringify(r, null, 2));
  const problems = chaosProblems(r, o.replicas);
  o.log(
    `\n${r.relays} relays, replicas ${o.replicas}, ${r.minutes} min, seed ${r.seed}: ` +
      `kills ${r.faults.kills}, restarts ${r.faults.restarts}, freezes ${r.faults.freezes}` +
      `\nputs acknowledged ${r.puts.acknowledged} of ${r.puts.tried} (${(r.puts.bytes / MiB).toFixed(1)} MiB); gets ok ${r.gets.ok} of ${r.gets.tried}, wrong bytes ${r.gets.wrongBytes}` +
      `\nafterwards: tree size ${r.final.treeSize}; retrievable byte for byte ${r.final.filesRetrieved} of ${r.final.filesChecked}; ` +
      `shards ${r.final.shards}, holders ${JSON.stringify(r.final.holders)}, below ${o.replicas}: ${r.final.underReplicated}, above: ${r.final.overReplicated} (repair wait ${(r.final.repairWaitMs / 1000).toFixed(1)} s); ` +
      `shard files on disk ${r.final.shardFilesOnDisk}, corrupt ${r.final.corruptOnDisk}` +
      `\n${problems.length === 0 ? 'PASS' : 'FAIL:\n  ' + problems.join('\n  ')}`,
  );
  process.exitCode = problems.length === 0 ? 0 : 1;
}

if (process.argv[1] && pathToFileURL(resolve(process.argv[1])).href === import.meta.url) {
  main().catch((err: unknown) => {
    process.stderr.write(`chaos failed: ${String((err as Error)?.stack ?? err)}\n`);
    process.exitCode = 1;
  });
}
