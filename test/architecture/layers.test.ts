import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve, dirname } from 'node:path';

const SRC = resolve(__dirname, '..', '..', 'src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sourceFiles(path) : path.endsWith('.ts') ? [path] : [];
  });
}

/** Every module a file imports or re-exports: package names, or paths relative to src/. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specifiers = [...text.matchAll(/(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|import\s+['"]([^'"]+)['"]|require\(['"]([^'"]+)['"]\)/g)].map(
    (m) => m[1] ?? m[2] ?? m[3]!,
  );
  return specifiers.map((s) => (s.startsWith('.') ? relative(SRC, resolve(dirname(file), s)) : s));
}

describe('the dependency rule: layers point inward only', () => {
  it.each([
    ['domain', ['domain']],
    ['application', ['domain', 'application']],
  ])('%s imports only %j and no package', (layer, allowed) => {
    const files = sourceFiles(join(SRC, layer));
    expect(files.length).toBeGreaterThan(0);
    const offending = files.flatMap((file) =>
      importsOf(file)
        .filter((target) => !allowed.some((layerName) => target === layerName || target.startsWith(`${layerName}/`)))
        .map((target) => `${relative(SRC, file)} -> ${target}`),
    );
    expect(offending).toEqual([]);
  });

  it('finds a forbidden import when there is one (the check itself works)', () => {
    const file = join(SRC, 'bootstrap', 'create-core.ts');
    expect(importsOf(file)).toEqual(expect.arrayContaining(['inversify', 'adapters/persistence/typeorm/typeorm-storage']));
  });

  it('adapters never import bootstrap', () => {
    const offending = sourceFiles(join(SRC, 'adapters')).flatMap((file) =>
      importsOf(file)
        .filter((target) => target.startsWith('bootstrap'))
        .map((target) => `${relative(SRC, file)} -> ${target}`),
    );
    expect(offending).toEqual([]);
  });
});
