#!/usr/bin/env node
// Runs the whole test suite once per database backend (issue 4): SQLite and PGlite
// always, and a real PostgreSQL server too when TEST_DATABASE_URL is set (.ci/run sets
// it). Each backend is one `node --test` run with TEST_DB set; files named
// `*.postgres.test.ts` need a server and run in the PostgreSQL pass only. Exits non-zero
// when any run fails, and ends with one line adding up every run.
//
// TEST_DB=sqlite|pglite|postgres limits the run to that backend.
//
// The test files and the sources they import run compiled (test/build.mjs builds them
// into .tmp/build/ first; `npm test` type-checks the sources beforehand). A file that
// never opens the test backend's database (no `harness(`, `freshDatabase(`,
// `testBackend(` or `TEST_DB` in it: pure rules, CLI processes on their own SQLite files)
// runs once, in the first backend's pass, since every pass would run it the same way.
//
// Browser tests (`*.browser.test.ts`, the inbox page in Chromium, issue 10) run once, in
// the first backend's pass. Without Chromium (`CHROMIUM_PATH`, default /usr/bin/chromium)
// a developer run leaves them out and says so loudly; under CI (`CI` set) they run
// anyway and fail, so CI never passes without them.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import pg from 'pg';
import { buildTests } from './build.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = dirname(here);
/** Every `*.test.ts` below test/ (the folders mirror src/), as paths relative to test/. */
function testFiles(dir, prefix = '') {
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const full = join(dir, name);
      if (statSync(full).isDirectory()) return testFiles(full, prefix + name + '/');
      return name.endsWith('.test.ts') ? [prefix + name] : [];
    });
}
const all = testFiles(here);
const usesBackend = (f) => /harness\(|freshDatabase\(|testBackend\(|TEST_DB/.test(readFileSync(join(here, f), 'utf8'));
const serverOnly = (f) => f.endsWith('.postgres.test.ts');
const browserOnly = (f) => f.endsWith('.browser.test.ts');
const chromium = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const leaveOutBrowser = !existsSync(chromium) && !process.env.CI;
const browserNote = `browser tests (test/web/*.browser.test.ts) NOT run: no Chromium at ${chromium}; install it (apt-get install -y chromium) or set CHROMIUM_PATH. CI fails without it.`;
if (leaveOutBrowser) console.log(`\n*** ${browserNote}\n`);

const only = process.env.TEST_DB;
let backends = ['sqlite', 'pglite', ...(process.env.TEST_DATABASE_URL ? ['postgres'] : [])];
if (only) {
  if (!['sqlite', 'pglite', 'postgres'].includes(only)) {
    console.error(`TEST_DB must be sqlite, pglite or postgres (got "${only}")`);
    process.exit(2);
  }
  if (only === 'postgres' && !process.env.TEST_DATABASE_URL) {
    console.error('TEST_DB=postgres needs TEST_DATABASE_URL, e.g. postgres://postgres@127.0.0.1:5432/test');
    process.exit(2);
  }
  backends = [only];
}
if (!process.env.TEST_DATABASE_URL) {
  console.log('TEST_DATABASE_URL is not set: running on SQLite and PGlite only (set it to also run on a PostgreSQL server).');
}

/** True when process `pid` is running on this machine. */
function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return e.code === 'EPERM';
  }
}

/**
 * Drops databases that an interrupted earlier run left on the server: those whose
 * name carries the pid of a test process that is gone (`tasklane_t_<pid>_<random>`,
 * test/support/helpers.ts). Databases of test runs still going, here or in another
 * checkout on this machine, are left alone.
 */
async function dropLeftovers(url) {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const { rows } = await c.query("select datname from pg_database where datname like 'tasklane\\_t\\_%'");
    for (const r of rows) {
      const pid = Number(/^tasklane_t_(\d+)_/.exec(r.datname)?.[1]);
      if (pid && alive(pid)) continue;
      await c.query(`drop database if exists "${r.datname}" with (force)`);
    }
  } finally {
    await c.end();
  }
}

/** One `node --test` run; resolves with its exit code and its pass/fail counts. */
function run(backend, files) {
  return new Promise((resolve) => {
    const args = ['--enable-source-maps', '--test', `--test-concurrency=${CONCURRENCY}`, '--test-reporter=spec', ...files.map((f) => join(buildDir, 'test', f.replace(/\.ts$/, '.js')))];
    const child = spawn(process.execPath, args, { cwd: root, env: { ...process.env, TEST_DB: backend }, stdio: ['ignore', 'pipe', 'inherit'] });
    const counts = { pass: 0, fail: 0 };
    let tail = '';
    child.stdout.on('data', (chunk) => {
      process.stdout.write(chunk);
      const text = tail + chunk.toString('utf8');
      const lines = text.split('\n');
      tail = lines.pop();
      for (const line of lines) {
        const m = /^\S*\s*(pass|fail) (\d+)\s*$/.exec(line.replace(/\x1b\[[0-9;]*m/g, ''));
        if (m) counts[m[1]] = Number(m[2]);
      }
    });
    child.on('close', (code) => resolve({ code: code ?? 1, ...counts }));
  });
}

/**
 * A migrated PGlite database, dumped once per run: each PGlite test file restores it
 * instead of starting PGlite and migrating (test/support/helpers.ts `openFresh`).
 * Built from dist/, which `npm test` builds first.
 */
async function pgliteTemplate() {
  const { dumpFreshPgliteDb } = await import('../dist/db/connect.js');
  const dir = join(root, '.tmp');
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `pglite-template-${process.pid}.tar`);
  writeFileSync(path, Buffer.from(await (await dumpFreshPgliteDb()).arrayBuffer()));
  return path;
}

/** Test files run at once per pass (`TEST_CONCURRENCY`, default 2: this machine's cores). */
const CONCURRENCY = Number(process.env.TEST_CONCURRENCY || 2);
const buildDir = await buildTests();
let madeTemplate = null;
const results = [];
for (const [i, backend] of backends.entries()) {
  console.log(`\n=== tests on ${backend} ===\n`);
  if (backend === 'postgres') await dropLeftovers(process.env.TEST_DATABASE_URL);
  if (backend === 'pglite' && !process.env.TEST_PGLITE_TEMPLATE) {
    process.env.TEST_PGLITE_TEMPLATE = await pgliteTemplate();
    madeTemplate = process.env.TEST_PGLITE_TEMPLATE;
  }
  const files = (backend === 'postgres' ? all : all.filter((f) => !serverOnly(f)))
    .filter((f) => !browserOnly(f) || (i === 0 && !leaveOutBrowser))
    .filter((f) => i === 0 || usesBackend(f));
  results.push({ backend, ...(await run(backend, files)) });
}
console.log('');
for (const r of results) console.log(`${r.backend}: ${r.pass} passed, ${r.fail} failed${r.code ? ` (exit code ${r.code})` : ''}`);
const failed = results.some((r) => r.code !== 0);
const pass = results.reduce((n, r) => n + r.pass, 0);
const fail = results.reduce((n, r) => n + r.fail, 0);
if (leaveOutBrowser) console.log(`*** ${browserNote}`);
console.log(`total: ${pass} passed, ${fail} failed`);
if (madeTemplate) rmSync(madeTemplate, { force: true });
process.exit(failed ? 1 : 0);
