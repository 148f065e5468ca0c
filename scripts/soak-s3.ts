// `npm run soak:s3`: a large object through the S3 gateway with the real AWS CLI, watching the gateway's memory.
// Starts 3 relays and `peertree s3`, puts and gets the object with `aws s3 cp` (multipart both ways), samples the
// gateway's VmRSS from /proc every 200 ms (and its VmHWM at the end), compares the SHA-256 of what went up and
// came back, and prints the peak RSS and the MiB/s. Exits non-zero when the bytes differ or the peak RSS is above
// the limit (200 MiB: issue 18).
// Flags: --mib N (object size, default 1024), --runs N (default 1), --limit-mib N (default 200).
import { createHash } from 'node:crypto';
import { createReadStream, readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { cleanup, MiB, rssOf, startTree, tempDir, writeRandomFile } from '../bench/cluster.ts';
import { timed } from '../bench/measure.ts';
import { awsCliEnv, startGatewayProcess } from '../tests/support/s3-gateway.ts';

const RSS_SAMPLE_MS = 200;

function flag(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);
  if (at === -1) return fallback;
  const value = Number(process.argv[at + 1]);
  if (!Number.isSafeInteger(value) || value < 1) throw new Error(`--${name} needs a positive integer`);
  return value;
}

/** The process's peak resident set (VmHWM) in bytes, or 0 when it cannot be read. */
function highWater(pid: number): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

function sha256(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    createReadStream(path)
      .on('data', (d) => hash.update(d))
      .on('error', reject)
      .on('end', () => resolve(hash.digest('hex')));
  });
}

async function main(): Promise<number> {
  const sizeMiB = flag('mib', 1024);
  const runs = flag('runs', 1);
  const limitMiB = flag('limit-mib', 200);
  const tree = await startTree(3);
  const work = tempDir('soak-s3');
  const { proc, info, stderr } = await startGatewayProcess(tree.root, join(work, 'gateway-home'), {
    args: ['--log-requests'],
  });
  /** How many parts the gateway's request log shows streamed into the join, and stored on their own. */
  const partsTaken = () => ({
    joined: stderr().split('request UploadPart 200 joined').length - 1,
    stored: stderr().split('request UploadPart 200 stored').length - 1,
  });
  console.log(`gateway ${info.endpoint}, library mirror ${info.library ? 'on (multipart objects joined)' : 'off'}`);
  let peak = 0;
  /** The highest sample since the last reset: the peak of one phase (put or get). */
  let phase = 0;
  const sampler = setInterval(() => {
    const rss = rssOf(proc.pid!) ?? 0;
    peak = Math.max(peak, rss);
    phase = Math.max(phase, rss);
  }, RSS_SAMPLE_MS);
  const phasePeak = () => {
    const p = phase;
    phase = 0;
    return `${(p / MiB).toFixed(1)} MiB`;
  };
  const env = awsCliEnv(info, work);
  const aws = (args: string[]) => timed('aws', ['--endpoint-url', info.endpoint, ...args], env);
  let failed = false;
  try {
    await aws(['s3', 'mb', 's3://soak']);
    for (let run = 1; run <= runs; run++) {
      const file = join(work, `up-${run}.bin`);
      const back = join(work, `down-${run}.bin`);
      await writeRandomFile(file, sizeMiB * MiB);
      phasePeak();
      const putMs = await aws(['s3', 'cp', '--only-show-errors', file, `s3://soak/object-${run}`]);
      const putPeak = phasePeak();
      const getMs = await aws(['s3', 'cp', '--only-show-errors', `s3://soak/object-${run}`, back]);
      const getPeak = phasePeak();
      const same = (await sha256(file)) === (await sha256(back));
      if (!same) failed = true;
      const rate = (ms: number) => (sizeMiB / (ms / 1000)).toFixed(1);
      console.log(
        `run ${run}: ${sizeMiB} MiB put ${(putMs / 1000).toFixed(1)} s (${rate(putMs)} MiB/s), ` +
          `get ${(getMs / 1000).toFixed(1)} s (${rate(getMs)} MiB/s), sha256 ${same ? 'identical' : 'DIFFERENT'}, ` +
          `gateway peak RSS put ${putPeak}, get ${getPeak}, so far ${(peak / MiB).toFixed(1)} MiB, parts so far ${JSON.stringify(partsTaken())}`,
      );
      await rm(file, { force: true });
      await rm(back, { force: true });
    }
  } finally {
    clearInterval(sampler);
    // The kernel's own high-water mark catches a peak between two samples.
    peak = Math.max(peak, highWater(proc.pid!));
    proc.kill('SIGKILL');
    cleanup();
  }
  const over = peak > limitMiB * MiB;
  console.log(
    JSON.stringify({
      sizeMiB,
      runs,
      peakRssMiB: Number((peak / MiB).toFixed(1)),
      limitMiB,
      identical: !failed,
      parts: partsTaken(),
    }),
  );
  if (failed) console.error('soak:s3: the bytes read back differ from the bytes put');
  if (over) console.error(`soak:s3: the gateway's peak RSS was above ${limitMiB} MiB`);
  return failed || over ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    cleanup();
    process.exit(1);
  },
);
