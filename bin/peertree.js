#!/usr/bin/env node
// The `peertree` command. Runs the compiled CLI (build/cli.js, made by scripts/build-cli.js at `npm ci`,
// `npm start`, `npm test` and `npm run bench`) when it is up to date, and otherwise the TypeScript sources
// through the tsx loader, so it never runs stale code: the bundle counts only if every source file it was
// built from still exists, none was modified after its build started and each still has the size that was
// built (one stat per file, ≈ 1 ms for ~120 files). Falling back instead of rebuilding here: many relays
// start at once in tests, a build would race and cost every start in an edited tree, and every npm entry
// point builds first anyway. The compiled CLI starts in about half the time and with ≈ 30 MiB (a third)
// less memory than compiling the sources at every start.
// PEERTREE_CLI=src forces the sources, PEERTREE_CLI=bundle the bundle (an error if it is stale).
import { readFileSync, statSync } from 'node:fs';

const BUILD = new URL('../build/', import.meta.url);

/** Why build/cli.js cannot be used, or null when it is current. */
function staleReason() {
  let list;
  try {
    list = JSON.parse(readFileSync(new URL('cli-inputs.json', BUILD), 'utf8'));
    statSync(new URL('cli.js', BUILD));
  } catch {
    return 'not built';
  }
  if (typeof list?.startedAt !== 'number' || !Array.isArray(list.inputs) || list.inputs.length === 0)
    return 'unreadable build/cli-inputs.json';
  for (const entry of list.inputs) {
    const [file, bytes] = Array.isArray(entry) ? entry : [];
    if (typeof file !== 'string' || typeof bytes !== 'number') return 'unreadable build/cli-inputs.json';
    let info;
    try {
      info = statSync(new URL(`../${file}`, import.meta.url));
    } catch {
      return `${file} is gone`;
    }
    // Modified since the build started, or (a copy that kept an old time) not the size that was built.
    if (info.mtimeMs >= list.startedAt || info.size !== bytes) return `${file} changed`;
  }
  return null;
}

const mode = process.env.PEERTREE_CLI;
const reason = mode === 'src' ? 'PEERTREE_CLI=src' : staleReason();
let main;
if (reason === null) {
  ({ main } = await import('../build/cli.js'));
} else if (mode === 'bundle') {
  process.stderr.write(
    `peertree: PEERTREE_CLI=bundle but build/cli.js is not current (${reason}); run: node scripts/build-cli.js\n`,
  );
  process.exit(1);
} else {
  if (process.stderr.isTTY && mode !== 'src')
    process.stderr.write(
      `peertree: running the TypeScript sources (build/cli.js: ${reason}); \`node scripts/build-cli.js\` starts faster\n`,
    );
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import('../node-relay/cli/main.ts'));
}
const code = await main(process.argv.slice(2));
if (typeof code === 'number') process.exitCode = code;
// The command is over: whatever a failed request left open (a socket, a timer) must not keep the process
// alive. Exits by itself when nothing is pending; else after a grace that lets stdout and stderr drain.
globalThis.setTimeout(() => process.exit(typeof code === 'number' ? code : 1), 2_000).unref();
