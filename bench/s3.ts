// The S3 gateway beside the CLI in the same run: `aws s3 cp` of one file up and down through `peertree s3`,
// and `peertree put/get` of the same-sized file, on a 3-relay tree (replicas 3); the gateway's peak RSS after.
import { readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { lastLine, MiB, runCli, startTree, tempDir, writeRandomFile } from './cluster.ts';
import { median, timed } from './measure.ts';
import { awsCliEnv, startGatewayProcess } from '../tests/support/s3-gateway.ts';

export interface S3Rates {
  readonly sizeMiB: number;
  readonly putGateway: number;
  readonly getGateway: number;
  readonly putCli: number;
  readonly getCli: number;
  /** Peak RSS of the gateway process (bytes), from /proc VmHWM. */
  readonly gatewayPeakRss: number;
}

function peakRss(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : NaN;
}

export async function s3Suite(opts: { sizeMiB: number; samples: number }): Promise<S3Rates> {
  const tree = await startTree(3);
  const work = tempDir('s3');
  const { proc: gatewayProc, info: gw } = await startGatewayProcess(tree.root, join(work, 'gateway-home'));
  try {
    const env = awsCliEnv(gw, work);
    const aws = (args: string[]) => timed('aws', ['--endpoint-url', gw.endpoint, ...args], env);
    await aws(['s3', 'mb', 's3://bench']);
    const cliEnv = { PEERTREE_HOME: join(work, 'cli-home') };
    const mibs = (ms: number) => opts.sizeMiB / (ms / 1000);
    const rates = {
      putGateway: [] as number[],
      getGateway: [] as number[],
      putCli: [] as number[],
      getCli: [] as number[],
    };
    for (let s = 0; s < opts.samples; s++) {
      // A new file per sample and per path, so that nothing is de-duplicated or cached.
      const file = join(work, `in-${s}.bin`);
      const out = join(work, `out-${s}.bin`);
      await writeRandomFile(file, opts.sizeMiB * MiB);
      rates.putGateway.push(mibs(await aws(['s3', 'cp', '--only-show-errors', file, `s3://bench/f${s}`])));
      rates.getGateway.push(mibs(await aws(['s3', 'cp', '--only-show-errors', `s3://bench/f${s}`, out])));
      await rm(out, { force: true });
      await writeRandomFile(file, opts.sizeMiB * MiB);
      const put = await runCli(['put', file, '--relay', tree.root], cliEnv);
      if (put.code !== 0) throw new Error(`put failed: ${put.stderr}`);
      rates.putCli.push(mibs(put.ms));
      const get = await runCli(['get', lastLine(put.stdout), '--relay', tree.relays[1]!.ready.url, '-o', out], cliEnv);
      if (get.code !== 0) throw new Error(`get failed: ${get.stderr}`);
      rates.getCli.push(mibs(get.ms));
      await rm(file, { force: true });
      await rm(out, { force: true });
    }
    return {
      sizeMiB: opts.sizeMiB,
      putGateway: median(rates.putGateway),
      getGateway: median(rates.getGateway),
      putCli: median(rates.putCli),
      getCli: median(rates.getCli),
      gatewayPeakRss: peakRss(gatewayProc.pid!),
    };
  } finally {
    gatewayProc.kill('SIGKILL');
  }
}
