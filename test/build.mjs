#!/usr/bin/env node
/**
 * Compiles the test files and the sources they import into `.tmp/build/` (issue 8 item 9):
 * `test/x.test.ts` becomes `.tmp/build/test/x.test.js` beside `.tmp/build/src/...`, so the
 * suite runs plain JavaScript under `node --test` without a TypeScript loader in every
 * test process (tsx cost about 1.2-2 s of CPU per file). Type checking stays with
 * `npm run typecheck`. The folders that tests and sources reach by relative path (the
 * package's bin, fixtures, web build, README and package.json, the browser tests'
 * artifacts) are linked in, so paths resolve as they do from the sources.
 *
 * Prints the build folder. Used by test/run-backends.mjs.
 */
import { mkdirSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { dirname, join, resolve as resolvePath } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
/** Where the compiled tests and sources go. */
export const BUILD_DIR = join(root, '.tmp', 'build');

/** An esbuild plugin that bundles only the page's modules (web/src/) and leaves every other import as it is. */
const pageModulesOnly = {
  name: 'page-modules-only',
  setup(b) {
    b.onResolve({ filter: /.*/ }, (args) => {
      if (args.kind === 'entry-point') return undefined;
      const inPage = args.path.startsWith('.') && resolvePath(args.resolveDir, args.path).startsWith(join(root, 'web', 'src'));
      return inPage ? undefined : { path: args.path, external: true };
    });
  },
};

/**
 * Paths below `dir` (relative to the package root) whose names end with `ext`
 * (declarations left out when `ext` is `.ts`), skipping the browser tests' artifacts,
 * benchmark data and results, and dot-folders.
 */
function filesUnder(dir, ext) {
  return readdirSync(join(root, dir)).flatMap((name) => {
    const rel = join(dir, name);
    if (statSync(join(root, rel)).isDirectory()) return name === 'artifacts' || name === 'results' || name.startsWith('.') ? [] : filesUnder(rel, ext);
    return name.endsWith(ext) && !(ext === '.ts' && name.endsWith('.d.ts')) ? [rel] : [];
  });
}

/** Builds the test tree into BUILD_DIR; resolves when it is ready. */
export async function buildTests() {
  rmSync(BUILD_DIR, { recursive: true, force: true });
  const options = { outdir: BUILD_DIR, outbase: root, platform: 'node', format: 'esm', target: 'node20', logLevel: 'warning', sourcemap: 'inline' };
  const tests = filesUnder('test', '.ts');
  // Tests of the page's own modules import web/src/*.ts (with the .ts extension, as Vite
  // does): those files are bundled with the page modules they import, everything else
  // left as an import.
  const ofPage = tests.filter((f) => readFileSync(join(root, f), 'utf8').includes('web/src/'));
  const entryPoints = [...filesUnder('src', '.ts'), ...filesUnder('bench', '.ts'), ...tests.filter((f) => !ofPage.includes(f))].map((f) => join(root, f));
  await build({ ...options, entryPoints });
  if (ofPage.length) await build({ ...options, entryPoints: ofPage.map((f) => join(root, f)), bundle: true, plugins: [pageModulesOnly] });
  // Everything else at the top (bin, dist, fixtures, web, README.md, package.json,
  // openapi.json, node_modules, ...) is linked in.
  for (const name of readdirSync(root)) {
    if (!['src', 'test', 'bench', '.tmp', '.git'].includes(name)) symlinkSync(join(root, name), join(BUILD_DIR, name));
  }
  // Files of src/ and bench/ that are not compiled (declarations such as src/client/schema.d.ts).
  for (const f of [...filesUnder('src', ''), ...filesUnder('bench', '')].filter((name) => !name.endsWith('.ts') || name.endsWith('.d.ts'))) {
    mkdirSync(dirname(join(BUILD_DIR, f)), { recursive: true });
    symlinkSync(join(root, f), join(BUILD_DIR, f));
  }
  // Test files that are not TypeScript (.mjs helpers, JSON fixtures) are read by path from compiled tests.
  for (const f of filesUnder('test', '').filter((name) => !name.endsWith('.ts'))) {
    mkdirSync(dirname(join(BUILD_DIR, f)), { recursive: true });
    symlinkSync(join(root, f), join(BUILD_DIR, f));
  }
  mkdirSync(join(root, 'test', 'artifacts'), { recursive: true });
  symlinkSync(join(root, 'test', 'artifacts'), join(BUILD_DIR, 'test', 'artifacts'));
  return BUILD_DIR;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) console.log(await buildTests());
