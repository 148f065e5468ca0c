// The CLI as a person meets it (issue #16 items 8 and 9): their mistakes in their words (exit 2), a default relay,
// `ls`, `version`, help with examples, no binary on a terminal, time-outs, and a joining relay's true ready line.
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from '../../node-relay/ws/connector.ts';
import { loadClientIdentity } from '../../node-relay/cli/client-identity.ts';
import { signPinList } from '../../core/storage/pin-list.ts';
import { LIST } from '../../core/protocol/shard-messages.ts';
import { ShardClient } from '../../core/protocol/shard-client.ts';
import { killAll, lastLine, runCli, startRelayProcess, tmpDir, type RelayProcess } from './relay-harness.ts';

const root = tmpDir('peertree-cli-use-');
const home = join(root.path, 'home');
const files = join(root.path, 'files');
mkdirSync(files, { recursive: true });
process.env.PEERTREE_HOME = home;
// No default relay leaks in from the machine running the tests.
delete process.env.PEERTREE_RELAY;

let a: RelayProcess;
let b: RelayProcess;
let capability = '';
const bytes = randomBytes(300_000);
const source = join(files, 'report.bin');
writeFileSync(source, bytes);
const missingCap = `pt1.${'ab'.repeat(32)}`;
const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

beforeAll(async () => {
  a = await startRelayProcess(join(root.path, 'a'), ['--replicas', '2']);
  b = await startRelayProcess(join(root.path, 'b'), ['--join', a.ready.url]);
  const put = await runCli(['put', source, '--replicas', '2'], 60_000, { env: { PEERTREE_RELAY: a.ready.url } });
  expect(put.code, put.stderr).toBe(0);
  capability = lastLine(put.stdout);
}, 90_000);

afterAll(async () => {
  await b?.stop();
  await a?.stop();
  killAll();
  root.remove();
});

describe('a relay that joins a tree', () => {
  it('prints its ready line once it has joined, with the tree id and position it really has', () => {
    expect(b.ready).toMatchObject({ treeId: a.ready.treeId, joined: true });
    expect((b.ready as unknown as { position: number }).position).toBeGreaterThan(0);
  });
});

describe('the relay a command talks to', () => {
  it('comes from PEERTREE_RELAY when --relay is not given (the put above used it)', () => {
    expect(capability).toMatch(/^pt1\./);
  });

  it('comes from the saved config after `peertree config set relay URL`', async () => {
    const set = await runCli(['config', 'set', 'relay', b.ready.url]);
    expect(set.code, set.stderr).toBe(0);
    const shown = await runCli(['config', 'get', 'relay']);
    expect(shown.stdout.trim()).toBe(b.ready.url);
    const out = join(files, 'via-config.bin');
    const get = await runCli(['get', capability, '-o', out], 30_000);
    expect(get.code, get.stderr).toBe(0);
    expect(readFileSync(out).equals(bytes)).toBe(true);
    expect((await runCli(['config', 'unset', 'relay'])).code).toBe(0);
  }, 60_000);

  it('is asked for in one line when none is set anywhere', async () => {
    const get = await runCli(['get', capability, '-o', join(files, 'x.bin')]);
    expect(get.code).toBe(2);
    expect(get.stderr).toMatch(/which relay\? give --relay URL, set PEERTREE_RELAY=URL/);
    expect(get.stderr.trim().split('\n')).toHaveLength(2);
  });

  it('refuses a saved relay that is not a URL, naming where it came from', async () => {
    const set = await runCli(['config', 'set', 'relay', 'not a url']);
    expect(set.code).toBe(2);
  });
});

describe('mistakes of the person running the command', () => {
  it('says a file to put does not exist, by its name, with exit 2 and no internal error', async () => {
    const missing = join(files, 'no-such.txt');
    const put = await runCli(['put', missing, '--relay', a.ready.url]);
    expect(put.code).toBe(2);
    expect(put.stderr).toContain(`${missing} does not exist`);
    expect(put.stderr).not.toMatch(/INTERNAL/);
  });

  it('says a folder is not a file to put, and how to pack one', async () => {
    const put = await runCli(['put', files, '--relay', a.ready.url]);
    expect(put.code).toBe(2);
    expect(put.stderr).toMatch(/is a folder: put takes one file/);
  });

  it('checks where -o goes before downloading: a folder that does not exist', async () => {
    // The capability names nothing stored: only a check made before any download can answer exit 2.
    const out = join(files, 'no-such-folder', 'x.bin');
    const get = await runCli(['get', missingCap, '-o', out, '--relay', a.ready.url]);
    expect(get.code).toBe(2);
    expect(get.stderr).toContain(`cannot write ${out}: the folder it goes in does not exist`);
    expect(get.stderr).not.toMatch(/INTERNAL|\.partial/);
  });

  it('checks where -o goes before downloading: a folder given as the file', async () => {
    const get = await runCli(['get', missingCap, '-o', files, '--relay', a.ready.url]);
    expect(get.code).toBe(2);
    expect(get.stderr).toContain(`${files} is a folder: give a file name`);
  });

  it('checks where -o goes before downloading: a read-only file system', async () => {
    const ro = join(root.path, 'read-only');
    mkdirSync(ro);
    const out = join(ro, 'x.bin');
    // A read-only tmpfs in a mount namespace of the CLI's own (unprivileged; root bypasses file modes).
    const prefix = [
      'unshare',
      '--user',
      '--map-root-user',
      '--mount',
      'sh',
      '-c',
      'mount -t tmpfs -o ro tmpfs "$0" && exec "$@"',
      ro,
    ];
    const get = await runCli(['get', capability, '-o', out, '--relay', a.ready.url], 30_000, { prefix });
    expect(get.code).toBe(2);
    expect(get.stderr).toContain(`cannot write ${out}: it is on a read-only file system`);
    expect(readdirSync(ro)).toEqual([]);
  });

  it('hints at https when a plain http:// URL is given for an HTTPS relay', async () => {
    const plain = a.ready.url.replace('https://', 'http://');
    const get = await runCli([
      'get',
      capability,
      '-o',
      join(files, 'y.bin'),
      '--relay',
      plain,
      '--connect-timeout',
      '5s',
    ]);
    expect(get.code).toBe(1);
    expect(get.stderr).toContain(`try --relay ${a.ready.url}`);
  });

  it('answers a usage error with one reason line and where the help is, not the whole usage', async () => {
    const get = await runCli(['get', '--relay', a.ready.url]);
    expect(get.code).toBe(2);
    expect(get.stderr).toBe("peertree get: give exactly one CAPABILITY\nsee 'peertree get --help'\n");
    const timeout = await runCli(['get', capability, '--timeout', 'soon', '--relay', a.ready.url]);
    expect(timeout.code).toBe(2);
    expect(timeout.stderr).toMatch(/--timeout must be a duration like 30s/);
  });

  it('does not write a file to a terminal unless asked with -o -', async () => {
    // `script` gives the command a real terminal as standard output.
    const command = `${process.execPath} bin/peertree.js get ${capability} --relay ${a.ready.url}; echo "exit=$?"`;
    // runCli appends `node bin/peertree.js` after the prefix: they become unused arguments of `sh -c`.
    const run = await runCli([], 30_000, { prefix: ['sh', '-c', `script -qec '${command}' /dev/null`] });
    expect(run.stdout).toMatch(
      /not writing a file to the terminal: give -o FILE to save it, or -o - to write it here anyway/,
    );
    expect(run.stdout).toMatch(/exit=2/);
  });
});

describe('what the tools people know have', () => {
  it('lists what my key pins, with the name of the file put from here and its copies', async () => {
    const ls = await runCli(['ls', '--json', '--relay', a.ready.url], 30_000);
    expect(ls.code, ls.stderr).toBe(0);
    const rows = ls.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { hash: string; name: string | null; copies: number; size: number });
    const manifest = capability.split('.')[1]!;
    const named = rows.find((r) => r.hash === manifest);
    expect(named).toMatchObject({ name: 'report.bin', copies: 2 });
    expect(ls.stderr).toMatch(/on 2 of 2 relays/);
  }, 60_000);

  it("lists a key's pins to that key only: another key presenting the owner's signed statement is refused", async () => {
    const ownerKey = await loadClientIdentity(join(home, 'identity.seed'));
    const stolen = await signPinList(ownerKey, Date.now());
    const thief = await connect(a.ready.url);
    try {
      await expect(thief.request(LIST, { list: stolen, after: null, limit: 10 }, 10_000)).rejects.toMatchObject({
        code: 'FORBIDDEN',
      });
    } finally {
      thief.close(1000, 'done');
    }
    const owner = await connect(a.ready.url, { identity: ownerKey });
    try {
      const stale = await signPinList(ownerKey, Date.now() - 60 * 60 * 1000);
      await expect(owner.request(LIST, { list: stale, after: null, limit: 10 }, 10_000)).rejects.toMatchObject({
        code: 'STALE',
      });
      const page = await new ShardClient(owner, { identity: ownerKey, now: Date.now }).listPins();
      expect(page.pins.some((p) => p.hash === capability.split('.')[1])).toBe(true);
    } finally {
      owner.close(1000, 'done');
    }
  });

  it('prints its version', async () => {
    const v = await runCli(['version']);
    expect(v.code).toBe(0);
    expect(v.stdout.trim()).toBe(pkg.version);
  });

  it('gives examples and the exit codes in every command help, the ledger subcommands included', async () => {
    for (const args of [
      ['put'],
      ['get'],
      ['delete'],
      ['ls'],
      ['status'],
      ['relay'],
      ['config'],
      ['search'],
      ['remember'],
      ['ledger'],
      ['ledger', 'register'],
      ['ledger', 'history'],
    ]) {
      const help = await runCli([...args, '--help']);
      expect(help.code, args.join(' ')).toBe(0);
      expect(help.stdout, args.join(' ')).toMatch(/Examples?:/);
      expect(help.stdout, args.join(' ')).toMatch(/Exit codes?/);
    }
  }, 60_000);

  it('gives up on a relay that does not answer the handshake within --connect-timeout', async () => {
    process.kill(b.proc.pid!, 'SIGSTOP');
    try {
      const get = await runCli(
        ['get', capability, '-o', join(files, 'z.bin'), '--relay', b.ready.url, '--connect-timeout', '1s'],
        20_000,
      );
      expect(get.code).toBe(1);
      expect(get.stderr).toMatch(/cannot connect|time/i);
    } finally {
      process.kill(b.proc.pid!, 'SIGCONT');
    }
  }, 30_000);
});
