// The entry of a suite run in a process of its own (bench/in-child.ts): `run-ts bench/suite-child.ts NAME JSON`.
//
// Why a process per measured client: the bench process loads every suite (Helia, libp2p, Playwright, the S3
// gateway's clients…), ≈ 90–100 MB of heap. A client sharing that heap pays for it in every major GC: measured
// on the 2-vCPU VM, 5 relays, 128 MiB, the library's get cost 8.0–9.4 ms of client CPU per MiB beside those
// modules and 4.6–5.2 ms without them (put 11.9–14.2 against 4.9–5.0). A person's app does not carry the
// benchmark's other suites, and neither should Helia's nodes, so each runs here with only its own code loaded.
// Prints the suite's result as one JSON line on stdout (the last line); progress goes to stderr.
import { setMaxListeners } from 'node:events';
import { cleanup } from './cluster.ts';
import { tuneProcess } from '../node-relay/process-tuning.ts';

type Runner = (opts: Record<string, unknown>) => Promise<unknown>;

// Each suite's module is imported only when that suite runs, so the process holds only its code.
const RUNNERS: Record<string, Runner> = {
  limits: async (o) => (await import('./limits.ts')).limitsSuite(o.quick === true),
  helia: async (o) => {
    // Helia and libp2p add many abort listeners to long-lived signals; that is expected here.
    setMaxListeners(1_000);
    return (await import('./helia.ts')).heliaSuite(o as never);
  },
  files: async (o) => (await import('./files.ts')).filesSuite(o as never),
  messages: async (o) => (await import('./messages.ts')).messagesSuite(o as never),
  tree: async (o) => {
    const { treeSuite } = await import('./tree.ts');
    const { smallAssetsSuite } = await import('./small-assets.ts');
    let small: unknown = null;
    const tree = await treeSuite({
      relays: o.relays as number,
      broadcasts: o.broadcasts as number,
      during: async (t) => {
        small = await smallAssetsSuite(t, { count: o.assets as number });
      },
    });
    return { tree, small };
  },
};

const [name, json] = process.argv.slice(2);
const run = name === undefined ? undefined : RUNNERS[name];
if (!run || json === undefined) {
  process.stderr.write(`usage: suite-child.ts ${Object.keys(RUNNERS).join('|')} JSON\n`);
  process.exit(2);
}
const stop = () => {
  cleanup();
  process.exit(130);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
// The parent going away (killed, or its pipe closed) ends this suite and every process it started.
process.stdout.on('error', stop);
process.on('disconnect', stop);
// The channel only carries that news: it must not keep this process alive once the suite is done.
process.channel?.unref();
await tuneProcess();
try {
  const out = await run(JSON.parse(json) as Record<string, unknown>);
  process.stdout.write(`${JSON.stringify(out)}\n`);
} finally {
  cleanup();
}
