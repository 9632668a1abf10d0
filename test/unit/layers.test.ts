import {readdirSync, readFileSync} from 'node:fs';
import {dirname, join, relative, resolve} from 'node:path';
import {describe, expect, it} from 'vitest';

/**
 * The layers of ARCHITECTURE.md: what each folder of the product may import (besides itself, Node's
 * built-ins and its npm dependencies). A folder missing here is refused until it is given a row.
 */
const MAY_IMPORT: Record<string, readonly string[]> = {
  util: [],
  target: ['util'],
  core: ['target', 'util'],
  wg: ['core', 'target', 'util'],
  render: ['core', 'util', 'wg'],
  platform: ['core', 'render', 'target', 'util'],
  units: ['core', 'render', 'util', 'wg'],
  recipes: ['core', 'platform', 'render', 'units', 'util', 'wg'],
  team: ['core', 'util'],
  engine: ['core', 'platform', 'target', 'util'],
  drift: ['core', 'engine', 'platform', 'target', 'util'],
  evidence: ['core', 'engine', 'util', 'wg'],
  steps: ['core', 'drift', 'engine', 'evidence', 'platform', 'render', 'target', 'team', 'units', 'util', 'wg'],
  present: ['core', 'engine', 'platform', 'render', 'target', 'util', 'wg'],
  fleet: ['core', 'drift', 'engine', 'platform', 'present', 'recipes', 'target', 'util'],
  ui: ['core', 'engine', 'fleet', 'platform', 'present', 'recipes', 'target', 'util', 'wg'],
  headless: ['core', 'engine', 'platform', 'present', 'target', 'util', 'wg'],
  cli: [
    'core',
    'drift',
    'engine',
    'evidence',
    'fleet',
    'headless',
    'platform',
    'present',
    'recipes',
    'render',
    'steps',
    'target',
    'team',
    'ui',
    'units',
    'util',
    'wg',
  ],
};

/**
 * The frontends see the engine only through its public face: the runbook (plan, apply), its events, the
 * frontend contract and the apply options' types. Operator-facing text built from the engine's internals
 * (compiled commands, action summaries, ahead lines) comes through present/.
 */
const FRONTENDS = new Set(['ui', 'headless']);
const ENGINE_FACE = new Set(['runbook', 'events', 'frontend', 'apply-options'].map((f) => `src/engine/${f}.ts`));

/** Terminal UI libraries: only the frontends (ui, headless) and the CLI that picks one may load them. */
const UI_PACKAGES = /^(ink|ink-[\w-]+|react|react-dom|@inkjs\/[\w-]+|listr2|@inquirer\/[\w-]+)$/;
const UI_FOLDERS = new Set(['ui', 'headless', 'cli']);

const ROOT = resolve(import.meta.dirname, '../..');

function productFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir), {withFileTypes: true, recursive: true})
    .filter((e) => e.isFile() && /\.tsx?$/.test(e.name) && !e.name.endsWith('.d.ts'))
    .map((e) => relative(ROOT, join(e.parentPath, e.name)));
}

/** The folder a product file belongs to: `steps`, or the folder under src/. */
function folderOf(file: string): string {
  const parts = file.split('/');
  return parts[0] === 'steps' ? 'steps' : (parts[1] ?? '');
}

/** Every module a file imports: static, re-exported and dynamic imports alike. */
function importsOf(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/(?:^|[\s;}])(?:import|export)\s[^'"]*?\sfrom\s*['"]([^'"]+)['"]/g))
    out.push(m[1] ?? '');
  for (const m of text.matchAll(/(?:^|[\s;])import\s*['"]([^'"]+)['"]/g)) out.push(m[1] ?? '');
  for (const m of text.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)) out.push(m[1] ?? '');
  return out;
}

interface Edge {
  file: string;
  from: string;
  to: string;
  spec: string;
  /** The imported file, relative to the root (`.js` as `.ts`); for a package, its name. */
  target: string;
}

function edges(): Edge[] {
  const out: Edge[] = [];
  for (const file of [...productFiles('src'), ...productFiles('steps')]) {
    const from = folderOf(file);
    for (const spec of importsOf(readFileSync(join(ROOT, file), 'utf8'))) {
      if (spec.startsWith('.')) {
        const target = relative(ROOT, resolve(ROOT, dirname(file), spec)).replace(/\.js$/, '.ts');
        const to = folderOf(target);
        if (to !== from) out.push({file, from, to, spec, target});
      } else if (UI_PACKAGES.test(spec)) out.push({file, from, to: `npm:${spec}`, spec, target: spec});
    }
  }
  return out;
}

/** A cycle in the graph of folders, as a path that ends where it starts; undefined when there is none. */
function folderCycle(graph: ReadonlyMap<string, ReadonlySet<string>>): string[] | undefined {
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const visit = (n: string): string[] | undefined => {
    if (state.get(n) === 'done') return undefined;
    if (state.get(n) === 'open') return [...path.slice(path.indexOf(n)), n];
    state.set(n, 'open');
    path.push(n);
    for (const m of graph.get(n) ?? []) {
      const c = visit(m);
      if (c) return c;
    }
    path.pop();
    state.set(n, 'done');
    return undefined;
  };
  for (const n of graph.keys()) {
    const c = visit(n);
    if (c) return c;
  }
  return undefined;
}

describe('layers (ARCHITECTURE.md)', () => {
  const all = edges();

  it('reads the imports of the product (the check sees what it checks)', () => {
    expect(all.some((e) => e.from === 'engine' && e.to === 'core')).toBe(true);
    expect(all.some((e) => e.from === 'ui' && e.to === 'npm:ink')).toBe(true);
    expect(
      importsOf("import {a} from './a.js';\nexport {b} from '../b.js';\nconst c = await import('./c.js');"),
    ).toEqual(['./a.js', '../b.js', './c.js']);
  });

  it('no folder imports a folder above it', () => {
    const wrong = all
      .filter((e) => !e.to.startsWith('npm:'))
      .filter((e) => !(MAY_IMPORT[e.from] ?? []).includes(e.to))
      .map((e) => `${e.file} imports ${e.spec} (${e.from} may not import ${e.to})`);
    expect(wrong).toEqual([]);
  });

  it("the frontends import only the engine's public face (its internals reach them through present/)", () => {
    const wrong = all
      .filter((e) => FRONTENDS.has(e.from) && e.to === 'engine' && !ENGINE_FACE.has(e.target))
      .map((e) => `${e.file} imports ${e.spec} (a frontend may import only ${[...ENGINE_FACE].join(', ')})`);
    expect(wrong).toEqual([]);
    // The check sees the frontends' engine imports.
    expect(all.some((e) => FRONTENDS.has(e.from) && e.target === 'src/engine/events.ts')).toBe(true);
  });

  it('only the frontends and the CLI load terminal UI libraries', () => {
    const wrong = all
      .filter((e) => e.to.startsWith('npm:') && !UI_FOLDERS.has(e.from))
      .map((e) => `${e.file} imports ${e.spec}`);
    expect(wrong).toEqual([]);
  });

  it('no import cycle between folders', () => {
    const graph = new Map<string, Set<string>>();
    for (const e of all) if (!e.to.startsWith('npm:')) graph.set(e.from, (graph.get(e.from) ?? new Set()).add(e.to));
    expect(folderCycle(graph)).toBeUndefined();
    // The check itself finds a cycle where there is one.
    expect(
      folderCycle(
        new Map([
          ['a', new Set(['b'])],
          ['b', new Set(['a'])],
        ]),
      ),
    ).toEqual(['a', 'b', 'a']);
  });
});
