// /metrics of a live relay that has stored and served files passes Prometheus's own checker (`promtool check
// metrics`, Debian's prometheus package; scripts/setup.sh installs it): real counters end in _total, no
// metric mixes counters and gauges.
import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  killAll,
  lastLine,
  rawRequest,
  runCli,
  startRelayProcess,
  tmpDir,
  type RelayProcess,
} from './relay-harness.ts';

const PROMTOOL = '/usr/bin/promtool';
const root = tmpDir('peertree-metrics-');
process.env.PEERTREE_HOME = join(root.path, 'home');
let relay: RelayProcess | undefined;

afterAll(async () => {
  await relay?.stop('SIGKILL');
  killAll();
  root.remove();
});

describe('/metrics', () => {
  it('passes promtool check metrics on a relay that stored and served a file', async () => {
    expect(
      existsSync(PROMTOOL),
      `${PROMTOOL} is missing: run scripts/setup.sh (it installs Debian's prometheus package)`,
    ).toBe(true);
    relay = await startRelayProcess(join(root.path, 'r0'), ['--log-level', 'warn'], 30_000);
    const file = join(root.path, 'a.bin');
    writeFileSync(file, randomBytes(5000));
    const put = await runCli(['put', file, '--relay', relay.ready.url]);
    expect(put.code, put.stderr).toBe(0);
    expect(
      (await runCli(['get', lastLine(put.stdout), '--relay', relay.ready.url, '-o', join(root.path, 'a.out')])).code,
    ).toBe(0);
    const text = (await rawRequest(relay.ready.url, '/metrics')).body.toString('utf8');
    expect(text).toMatch(/^peertree_app_events_total\{app="storage",name="stored"\} [1-9]/m);
    // Disk of the data folder (statfs) and the refusal family are there, with units and _total.
    expect(text).toMatch(/^peertree_disk_size_bytes [1-9]/m);
    expect(text).toMatch(/^peertree_disk_free_bytes \d/m);
    expect(text).toMatch(/^# TYPE peertree_refusals_total counter$/m);
    expect(text).not.toMatch(/^peertree_app_counter/m);
    const check = spawnSync(PROMTOOL, ['check', 'metrics'], { input: text, encoding: 'utf8', timeout: 20_000 });
    expect(check.status, `${check.stdout}${check.stderr}`).toBe(0);
  }, 90_000);
});
