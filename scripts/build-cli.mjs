#!/usr/bin/env node
/**
 * Bundles the `tasklane` command (src/cli/main.ts) into dist/bundle/ (issue 8 item 9):
 * one file per lazily loaded command instead of hundreds of modules, so a process
 * starts in a fraction of the time (`serve` reaches "listening" with about half the CPU
 * of the per-file dist/, `--help` in about 40% of the time). bin/tasklane.js runs it.
 *
 * Packages that find files of their own at run time stay external and load from
 * node_modules: better-sqlite3 (native addon), PGlite (its WebAssembly and data files),
 * pino (transports run in worker threads by path), Swagger UI and @fastify/static (static
 * assets), libphonenumber-geo-carrier (per-country data files). The sources' own paths
 * (web/dist/, package.json, fixtures/) are resolved from `import.meta.url`, two folders
 * down from the package root as in dist/cli/, so they resolve the same.
 */
import { rmSync } from 'node:fs';
import { build } from 'esbuild';

const external = [
  'better-sqlite3',
  '@electric-sql/pglite',
  'kysely-pglite-dialect',
  'pino',
  'thread-stream',
  '@fastify/swagger-ui',
  '@fastify/static',
  'libphonenumber-geo-carrier',
  'pg-native',
];

// Chunk names carry content hashes: start empty so old chunks do not pile up.
rmSync('dist/bundle', { recursive: true, force: true });

await build({
  entryPoints: ['src/cli/main.ts'],
  outdir: 'dist/bundle',
  bundle: true,
  splitting: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  external,
  // CommonJS packages inside an ESM bundle call require() for Node's built-ins.
  banner: { js: "import { createRequire as __tasklaneRequire } from 'node:module'; const require = __tasklaneRequire(import.meta.url);" },
  logLevel: 'warning',
});
