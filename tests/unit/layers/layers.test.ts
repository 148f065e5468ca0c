// The layer rules are enforced, not conventions: a scratch file that crosses a layer fails lint, and one
// that uses another runtime's API fails the layer's own TypeScript project.
import { join } from 'node:path';
import { ESLint } from 'eslint';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const eslint = new ESLint({ cwd: ROOT });

async function lintMessages(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: join(ROOT, file) });
  return (result?.messages ?? []).map((m) => `${m.ruleId}: ${m.message}`);
}

/** Type errors of `code` placed at `file` and compiled with the options of layer project `project`. */
function typeErrors(project: string, file: string, code: string): string[] {
  const config = ts.getParsedCommandLineOfConfigFile(
    join(ROOT, project),
    {},
    { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => undefined },
  );
  if (config === undefined) throw new Error(`cannot read ${project}`);
  const path = join(ROOT, file);
  const host = ts.createCompilerHost(config.options);
  const read = host.getSourceFile.bind(host);
  host.getSourceFile = (name, lang, ...rest) =>
    name === path ? ts.createSourceFile(name, code, lang) : read(name, lang, ...rest);
  host.fileExists = (
    (exists) => (name: string) =>
      name === path || exists(name)
  )(host.fileExists.bind(host));
  const program = ts.createProgram([path], config.options, host);
  return ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
}

describe('lint', () => {
  it('refuses a limit declared outside core/limits.ts, and accepts byte layouts and derived values', async () => {
    const code = 'export const MAX_WIDGETS = 8;\nexport const WIDGET_TIMEOUT_MS = 2 * 1000;\n';
    expect(await lintMessages('node-relay/tree/scratch.ts', code)).toEqual([
      expect.stringMatching(/^peertree\/limits-in-one-place: MAX_WIDGETS looks like a limit/),
      expect.stringMatching(/^peertree\/limits-in-one-place: WIDGET_TIMEOUT_MS looks like a limit/),
    ]);
    expect(await lintMessages('core/limits.ts', code)).toEqual([]);
    const formats = 'export const WIDGET_BYTES = 32;\nexport const MAX_CHARS = Math.ceil(WIDGET_BYTES / 3);\n';
    expect(await lintMessages('core/wire/scratch.ts', formats)).toEqual([]);
  });

  it('refuses core importing from the relay, the PWA or the tests', async () => {
    for (const target of ['../../node-relay/relay.ts', '../pwa/src/main.ts', '../../tests/sim/world.ts']) {
      expect(await lintMessages('core/tree/scratch.ts', `import '${target}';\n`)).toEqual([
        expect.stringMatching(/^no-restricted-imports: .*core\/ may not import/),
      ]);
    }
  });

  it('refuses the relay importing the PWA or the tests, and the PWA importing the relay or node:*', async () => {
    expect(await lintMessages('node-relay/storage/scratch.ts', "import '../../pwa/src/app.ts';\n")).toEqual([
      expect.stringMatching(/node-relay\/ may not import/),
    ]);
    expect(await lintMessages('node-relay/scratch.ts', "import '../tests/sim/world.ts';\n")).toEqual([
      expect.stringMatching(/node-relay\/ may not import/),
    ]);
    expect(await lintMessages('pwa/src/scratch.ts', "import '../../node-relay/relay.ts';\n")).toEqual([
      expect.stringMatching(/pwa\/ may not import/),
    ]);
    expect(await lintMessages('pwa/src/scratch.ts', "import 'node:fs';\n")).toEqual([
      expect.stringMatching(/runs in browsers/),
    ]);
  });

  it('lets every layer import core, and tests import anything', async () => {
    expect(await lintMessages('node-relay/scratch.ts', "import '../core/bytes.ts';\n")).toEqual([]);
    expect(await lintMessages('pwa/src/scratch.ts', "import '../../core/bytes.ts';\n")).toEqual([]);
    expect(
      await lintMessages(
        'tests/unit/scratch.ts',
        "import '../../node-relay/relay.ts';\nimport '../../pwa/src/app.ts';\n",
      ),
    ).toEqual([]);
  });

  it('refuses time, randomness and runtime globals in core outside core/runtime.ts', async () => {
    const code =
      'export const a = performance.now();\nexport const b = new Date();\nexport const c = crypto.getRandomValues(new Uint8Array(1));\nexport const d = new TextEncoder();\n';
    const messages = await lintMessages('core/tree/scratch.ts', code);
    expect(messages.filter((m) => m.startsWith('no-restricted-globals')).length).toBeGreaterThanOrEqual(3);
    expect(messages.some((m) => m.startsWith('no-restricted-syntax') && m.includes('pass time'))).toBe(true);
    expect(await lintMessages('core/runtime.ts', 'export const d = new TextEncoder();\n')).toEqual([]);
  });
});

describe('layer projects', () => {
  it('give core neither DOM nor Node types', () => {
    const errors = typeErrors(
      'tsconfig.core.json',
      'core/scratch.ts',
      'export const a = document.title;\nexport const b = process.pid;\n',
    );
    expect(errors).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/Cannot find name 'document'/),
        expect.stringMatching(/Cannot find name 'process'/),
      ]),
    );
  });

  it('give the relay Node types and no DOM, and the PWA the DOM and no Node types', () => {
    expect(
      typeErrors(
        'tsconfig.relay.json',
        'node-relay/scratch.ts',
        'export const a = process.pid;\nexport const b = document.title;\n',
      ),
    ).toEqual([expect.stringMatching(/Cannot find name 'document'/)]);
    expect(
      typeErrors(
        'tsconfig.pwa.json',
        'pwa/src/scratch.ts',
        'export const a = document.title;\nexport const b = process.pid;\n',
      ),
    ).toEqual([expect.stringMatching(/Cannot find name 'process'/)]);
  });

  it('compile a scratch file that keeps to its layer', () => {
    expect(
      typeErrors(
        'tsconfig.core.json',
        'core/scratch.ts',
        "import { toHex } from './bytes.ts';\nexport const a: string = toHex(new Uint8Array(1));\n",
      ),
    ).toEqual([]);
  });
});
