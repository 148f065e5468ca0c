// bin/peertree.js runs the compiled CLI (build/cli.js) only when it is current, else the sources through tsx.
// Checked on a copy of bin/peertree.js in a temp tree with a fake bundle and fake sources, so the shared
// repository's files and mtimes are never touched; the real bundle is checked by building it.
import { spawnSync } from 'node:child_process';
import {
  copyFileSync,
  mkdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BIN, REPO, tmpDir } from './relay-harness.ts';

const tree = tmpDir('peertree-bin-');
afterAll(() => tree.remove());

/** A temp "repository": bin/peertree.js, fake sources that say "sources", a fake bundle that says "bundle". */
function fakeRepo(name: string): string {
  const root = join(tree.path, name);
  mkdirSync(join(root, 'bin'), { recursive: true });
  mkdirSync(join(root, 'build'), { recursive: true });
  mkdirSync(join(root, 'node-relay', 'cli'), { recursive: true });
  copyFileSync(BIN, join(root, 'bin', 'peertree.js'));
  writeFileSync(join(root, 'package.json'), '{"type":"module"}\n');
  symlinkSync(join(REPO, 'node_modules'), join(root, 'node_modules'));
  const main = (who: string) =>
    `export async function main(argv: string[]): Promise<number> { process.stdout.write('${who} ' + argv.join(' ')); return 3; }\n`;
  writeFileSync(join(root, 'node-relay', 'cli', 'main.ts'), main('sources'));
  writeFileSync(join(root, 'node-relay', 'cli', 'other.ts'), 'export const x = 1;\n');
  const past = new Date(Date.now() - 60_000);
  for (const f of ['main.ts', 'other.ts']) utimesSync(join(root, 'node-relay', 'cli', f), past, past);
  writeFileSync(
    join(root, 'build', 'cli.js'),
    main('bundle').replace(': string[]', '').replace(': Promise<number>', ''),
  );
  writeFileSync(
    join(root, 'build', 'cli-inputs.json'),
    JSON.stringify({
      startedAt: Date.now() - 1_000,
      inputs: ['main.ts', 'other.ts'].map((f) => [
        `node-relay/cli/${f}`,
        statSync(join(root, 'node-relay', 'cli', f)).size,
      ]),
    }),
  );
  return root;
}

function run(root: string, env: Record<string, string> = {}): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [join(root, 'bin', 'peertree.js'), 'a', 'b'], {
    encoding: 'utf8',
    env: { ...process.env, PEERTREE_CLI: '', ...env },
    timeout: 30_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('bin/peertree.js', () => {
  it('runs the bundle when every source it was built from is older than the build, and passes argv and the exit code', () => {
    const root = fakeRepo('current');
    expect(run(root)).toMatchObject({ code: 3, stdout: 'bundle a b' });
    expect(run(root, { PEERTREE_CLI: 'src' })).toMatchObject({ code: 3, stdout: 'sources a b' });
  });

  it('runs the sources through tsx when a source changed after the build, one is gone, or the bundle or its list is missing', () => {
    const changed = fakeRepo('changed');
    writeFileSync(join(changed, 'node-relay', 'cli', 'other.ts'), 'export const x = 2;\n');
    expect(run(changed)).toMatchObject({ code: 3, stdout: 'sources a b' });
    const strict = run(changed, { PEERTREE_CLI: 'bundle' });
    expect(strict.code).toBe(1);
    expect(strict.stderr).toMatch(/node-relay\/cli\/other\.ts changed/);

    // A copy that kept an old modification time (cp -p, tar) but has other contents: caught by its size.
    const copied = fakeRepo('copied');
    const other = join(copied, 'node-relay', 'cli', 'other.ts');
    writeFileSync(other, 'export const x = 22;\n');
    utimesSync(other, new Date(Date.now() - 60_000), new Date(Date.now() - 60_000));
    expect(run(copied)).toMatchObject({ code: 3, stdout: 'sources a b' });

    const gone = fakeRepo('gone');
    rmSync(join(gone, 'node-relay', 'cli', 'other.ts'));
    expect(run(gone)).toMatchObject({ code: 3, stdout: 'sources a b' });

    const noList = fakeRepo('no-list');
    rmSync(join(noList, 'build', 'cli-inputs.json'));
    expect(run(noList)).toMatchObject({ code: 3, stdout: 'sources a b' });

    const noBundle = fakeRepo('no-bundle');
    rmSync(join(noBundle, 'build', 'cli.js'));
    expect(run(noBundle)).toMatchObject({ code: 3, stdout: 'sources a b' });
  });

  it('scripts/build-cli.js bundles the real CLI, which then runs without tsx', () => {
    const build = spawnSync(process.execPath, [join(REPO, 'scripts', 'build-cli.js')], {
      cwd: REPO,
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(build.status, build.stderr).toBe(0);
    const list = JSON.parse(readFileSync(join(REPO, 'build', 'cli-inputs.json'), 'utf8')) as {
      inputs: [string, number][];
    };
    const files = list.inputs.map(([f]) => f);
    expect(files).toContain('node-relay/cli/main.ts');
    expect(files).toContain('core/storage/put-file.ts');
    expect(files.some((f) => f.startsWith('node_modules'))).toBe(false);
    // The recorded sizes are the files' sizes (what bin/peertree.js compares).
    const [, bytes] = list.inputs.find(([f]) => f === 'node-relay/cli/main.ts')!;
    expect(bytes).toBe(statSync(join(REPO, 'node-relay', 'cli', 'main.ts')).size);
    const version = spawnSync(process.execPath, [BIN, '--version'], {
      cwd: REPO,
      encoding: 'utf8',
      env: { ...process.env, PEERTREE_CLI: 'bundle' },
      timeout: 30_000,
    });
    expect(version.status, version.stderr).toBe(0);
    expect(version.stdout.trim()).toBe(JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')).version);

    // What `peertree get` loads before it runs: build/cli.js, the chunk of the file commands, and every chunk or
    // package either imports statically. None of the relay's or the S3 gateway's packages may be among them.
    const entry = readFileSync(join(REPO, 'build', 'cli.js'), 'utf8');
    const fileCommands = /"\.\/(cli-file-commands-[\w-]+\.js)"/.exec(entry)?.[1];
    expect(fileCommands, 'build/cli.js imports the file commands as a chunk of their own').toBeDefined();
    const packages = staticPackages(['cli.js', fileCommands!]);
    expect(packages).toContain('ws');
    for (const relayOnly of [
      'acme-client',
      'selfsigned',
      'better-sqlite3',
      'pino',
      '@smithy/signature-v4',
      'fast-xml-parser',
    ])
      expect(packages, `${relayOnly} is loaded by a client command`).not.toContain(relayOnly);
  });
});

/** Packages (not node: built-ins) that the given build/ files and the chunks they import statically import. */
function staticPackages(files: string[]): string[] {
  const seen = new Set<string>();
  const packages = new Set<string>();
  const queue = [...files];
  for (let file = queue.shift(); file !== undefined; file = queue.shift()) {
    if (seen.has(file)) continue;
    seen.add(file);
    const text = readFileSync(join(REPO, 'build', file), 'utf8');
    for (const m of text.matchAll(/^import\s(?:[^;]*?\sfrom\s*)?"([^"]+)"/gm)) {
      const target = m[1]!;
      if (target.startsWith('./')) queue.push(target.slice(2));
      else if (!target.startsWith('node:')) packages.add(target);
    }
  }
  return [...packages];
}
