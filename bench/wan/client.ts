// The WAN suite's client, run inside the client's namespace: one transfer per run, timed here (not the process
// start), printed as one JSON line on stdout. `run-ts bench/wan/client.ts MODE …`:
//   put URL FILE REPLICAS [MEMBERS]  -> {ms, capability, widestWindow, trace} the library put (bench/files.ts putLib), a fresh owner
//   get URL CAPABILITY [MEMBERS]     -> {ms, bytes, busiestShare, trace}   the library get, every shard verified
// MEMBERS: a JSON file of the tree's members ({id, url}[]) to route by; without it the client reads them from the
// entry relay's public status, as the CLI does (an empty list: every shard goes through the entry).
//   https-get URL           -> {ms, bytes}        one HTTPS download (the baseline)
//   https-put URL FILE      -> {ms, bytes}        one HTTPS upload of the file (the baseline)
//   https-spread SIZE URL…  -> {ms, bytes}        the file in equal slices, one from each server, all at once: what the
//                                                 network can carry to this client from every relay (a swarm's limit)
import { createReadStream, readFileSync, statSync } from 'node:fs';
import { request } from 'node:https';
import { tuneProcess } from '../../node-relay/process-tuning.ts';
import type { RouteMember } from '../../node-relay/storage/routed-transport.ts';
import { getLib, putLib } from '../files.ts';
import { sampleLink } from './link-profile.ts';

/** One HTTPS transfer: a GET read to its end, or a PUT of `file` answered once the server has it all. */
function https(
  method: 'GET' | 'PUT',
  url: string,
  file?: string,
  range?: readonly [number, number],
): Promise<{ ms: number; bytes: number }> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const headers = file
      ? { 'content-length': String(statSync(file).size) }
      : range
        ? { range: `bytes=${range[0]}-${range[1]}` }
        : undefined;
    const req = request(
      {
        method,
        host: u.hostname,
        port: u.port,
        path: u.pathname,
        rejectUnauthorized: false,
        agent: false,
        ...(headers ? { headers } : {}),
      },
      (res) => {
        let bytes = 0;
        let body = '';
        res.on('data', (d: Buffer) => {
          bytes += d.length;
          if (method === 'PUT') body += d.toString();
        });
        res.on('end', () => {
          const ms = performance.now() - start;
          if (res.statusCode !== (range ? 206 : 200)) reject(new Error(`${method} ${url} answered ${res.statusCode}`));
          else resolve({ ms, bytes: method === 'PUT' ? Number(body) : bytes });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    if (file) createReadStream(file, { highWaterMark: 1024 * 1024 }).pipe(req);
    else req.end();
  });
}

/** `size` bytes in equal slices, slice i from `urls[i]`, all at once; timed from the first request to the last byte. */
async function spread(size: number, urls: readonly string[]): Promise<{ ms: number; bytes: number }> {
  const slice = Math.ceil(size / urls.length);
  const start = performance.now();
  const parts = await Promise.all(
    urls.map((url, i) => https('GET', url, undefined, [i * slice, Math.min(size, (i + 1) * slice) - 1])),
  );
  return { ms: performance.now() - start, bytes: parts.reduce((n, p) => n + p.bytes, 0) };
}

async function main(): Promise<unknown> {
  const [mode, url, arg, ...rest] = process.argv.slice(2);
  if (!url) throw new Error('usage: client.ts MODE URL …');
  const membersFile = mode === 'put' ? rest[1] : mode === 'get' ? rest[0] : undefined;
  const members = membersFile ? (JSON.parse(readFileSync(membersFile, 'utf8')) as RouteMember[]) : undefined;
  if (mode === 'put' && arg) {
    const r = await putLib(url, arg, Number(rest[0] ?? 3), crypto.getRandomValues(new Uint8Array(32)), members, true);
    return { ms: r.ms, capability: r.capability, widestWindow: r.widestWindow, trace: r.trace };
  }
  if (mode === 'get' && arg) return await getLib(url, arg, false, (u) => u, members, true);
  if (mode === 'https-get') return await https('GET', url);
  if (mode === 'https-put' && arg) return await https('PUT', url, arg);
  if (mode === 'https-spread' && arg) return await spread(Number(url), [arg, ...rest]);
  throw new Error(`unknown mode ${mode}`);
}

await tuneProcess();
try {
  // WAN_DEV: the client's veth end; its counter in the transfer's direction is sampled while main() runs.
  const dev = process.env['WAN_DEV'];
  const mode = process.argv[2] ?? '';
  const sampler = dev ? sampleLink(dev, mode.endsWith('put') ? 'tx' : 'rx') : null;
  const result = (await main()) as Record<string, unknown>;
  const link = sampler?.stop();
  process.stdout.write(JSON.stringify(link ? { ...result, link } : result) + '\n');
  process.exit(0);
} catch (err) {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
}
