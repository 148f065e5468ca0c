// An index.ts re-exports only what some module imports through it: a barrel that grows with every export of
// its folder hides which parts of a layer are its surface.
import { dirname, join, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..', '..');

function program(): ts.Program {
  const config = ts.getParsedCommandLineOfConfigFile(
    join(ROOT, 'tsconfig.json'),
    {},
    { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => undefined },
  );
  if (config === undefined) throw new Error('cannot read tsconfig.json');
  return ts.createProgram(config.fileNames, config.options);
}

describe('index.ts files', () => {
  it('re-export nothing that no module imports through them', () => {
    const p = program();
    const checker = p.getTypeChecker();
    const sources = p.getSourceFiles().filter((f) => !f.fileName.includes('node_modules'));
    const indexes = sources.filter((f) => f.fileName.endsWith('/index.ts'));
    expect(indexes.length).toBeGreaterThan(0);
    const used = new Map<string, Set<string>>(indexes.map((f) => [f.fileName, new Set<string>()]));
    for (const f of sources) {
      for (const stmt of f.statements) {
        if (!ts.isImportDeclaration(stmt) && !ts.isExportDeclaration(stmt)) continue;
        const spec = stmt.moduleSpecifier;
        if (!spec || !ts.isStringLiteral(spec) || !spec.text.startsWith('.')) continue;
        const names = used.get(resolve(dirname(f.fileName), spec.text));
        if (!names || f.fileName.endsWith('/index.ts')) continue;
        const bindings = ts.isImportDeclaration(stmt) ? stmt.importClause?.namedBindings : stmt.exportClause;
        if (bindings && (ts.isNamedImports(bindings) || ts.isNamedExports(bindings)))
          for (const el of bindings.elements) names.add((el.propertyName ?? el.name).text);
        else names.add('*');
      }
    }
    const unused: string[] = [];
    for (const f of indexes) {
      const names = used.get(f.fileName)!;
      if (names.has('*')) continue;
      const symbol = checker.getSymbolAtLocation(f);
      for (const e of symbol ? checker.getExportsOfModule(symbol) : [])
        if (!names.has(e.name)) unused.push(`${f.fileName.slice(ROOT.length + 1)}: ${e.name}`);
    }
    expect(unused).toEqual([]);
  }, 120_000); // the checker reads the whole project: ≈ 8 s alone, 40 s seen beside every other test file
});
