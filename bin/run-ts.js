#!/usr/bin/env node
// Runs a TypeScript entry file through tsx's loader: `node bin/run-ts.js FILE [args…]`.
import { register } from 'tsx/esm/api';
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';

const [, , file, ...rest] = process.argv;
if (!file) {
  process.stderr.write('usage: run-ts FILE [args...]\n');
  process.exit(2);
}
register();
process.argv = [process.argv[0], resolve(file), ...rest];
await import(pathToFileURL(resolve(file)).href);
