#!/usr/bin/env node
// `npm start [-- relay flags]`: builds the CLI and the PWA, then runs a local relay with the defaults the
// README names (data in .peertree/default, port 8443, plain HTTP on loopback). Flags given after `--` take
// the place of a default (`npm start -- --port 9000`) or add to them; SIGINT/SIGTERM reach the relay.
import { spawn, spawnSync } from 'node:child_process';

const given = process.argv.slice(2);
const has = (flag) => given.some((a) => a === flag || a.startsWith(`${flag}=`));

for (const [what, args] of [
  ['CLI', ['scripts/build-cli.js']],
  ['PWA', ['node_modules/vite/bin/vite.js', 'build', '--logLevel', 'warn']],
]) {
  const r = spawnSync(process.execPath, args, { stdio: 'inherit' });
  if (r.status !== 0) {
    console.error(`npm start: building the ${what} failed (exit ${r.status ?? r.signal}); see the lines above.`);
    process.exit(1);
  }
}

const defaults = [
  ...(has('--data') ? [] : ['--data', '.peertree/default']),
  ...(has('--port') ? [] : ['--port', '8443']),
  // Plain HTTP only for the local default; a certificate given on the command line means HTTPS.
  ...(has('--http') || has('--cert') ? [] : ['--http']),
];
const child = spawn(
  process.execPath,
  ['--initial-old-space-size=64', 'bin/peertree.js', 'relay', ...defaults, ...given],
  { stdio: 'inherit' },
);
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
