#!/usr/bin/env node
// Runs the whole test suite once per database backend (issue 4): SQLite and PGlite
// always, and a real PostgreSQL server too when TEST_DATABASE_URL is set (.ci/run sets
// it). Each backend is one `node --test` run with TEST_DB set; files named
// `*.postgres.test.ts` need a server and run in the PostgreSQL pass only. Exits non-zero
// when any run fails, and ends with one line adding up every run.
//
// TEST_DB=sqlite|pglite|postgres limits the run to that backend. `--typecheck` (as
// `npm test` runs it) type-checks the code beside the tests; a type error fails the run.
//
// The test files and the sources they import run compiled (test/build.mjs builds them
// into .tmp/build/ first; `npm test` type-checks the sources beforehand). A file that
// never opens the test backend's database (no `harness(`, `freshDatabase(`,
// `testBackend(` or `TEST_DB` in it: pure rules, CLI processes on their own SQLite files)
// runs once, in the first backend's pass, since every pass would run it the same way.
//
// Test files run in a few processes per pass, not one process each (`groups` below):
// each group process imports its files one after another, each inside a suite of its
// own, so a file's before/after hooks still bracket its own tests only, while the
// sources are loaded, and PGlite's WebAssembly instances made, once per group.
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

/** Where each file's last measured time (ms, per backend) is kept, to balance groups. */
const timesPath = join(root, '.tmp', 'test-times.json');
function readTimes() {
  try {
    return JSON.parse(readFileSync(timesPath, 'utf8'));
  } catch {
    return {};
  }
}
const times = readTimes();

/**
 * A file's expected cost: its last time on this backend, else its length in lines,
 * three times over for files that start processes or a browser (their time is mostly
 * waiting for those).
 */
function weight(backend, f) {
  const known = times[backend]?.[f];
  if (known !== undefined) return known;
  const text = readFileSync(join(here, f), 'utf8');
  return text.split('\n').length * (/spawn\(|execFile|chromium/.test(text) ? 30 : 10);
}

/**
 * Splits a pass's `files` into 2 x CONCURRENCY groups of about equal expected cost
 * (longest first, each to the lightest group) and writes one group file per group into
 * the build folder. A group file sets the pass's `TEST_DB`, then wraps each of its files
 * in a suite named `<backend>: <file>` and imports the file inside it.
 * @returns the groups as `{ path, backend, cost }`.
 */
function groups(backend, files) {
  const n = Math.min(files.length, 2 * CONCURRENCY);
  const bins = Array.from({ length: n }, () => ({ cost: 0, files: [] }));
  const weighed = files.map((f) => ({ f, w: weight(backend, f) })).sort((a, b) => b.w - a.w);
  for (const { f, w } of weighed) {
    const bin = bins.reduce((a, b) => (b.cost < a.cost ? b : a));
    bin.files.push(f);
    bin.cost += w;
  }
  const dir = join(buildDir, 'test', '.groups');
  mkdirSync(dir, { recursive: true });
  return bins
    .filter((b) => b.files.length)
    .map((b, i) => {
      const path = join(dir, `${backend}-${i + 1}.test.js`);
      const imports = b.files.map((f) => `describe(${JSON.stringify(`${backend}: ${f}`)}, async () => {\n  await import(${JSON.stringify('../' + f.replace(/\.ts$/, '.js'))});\n});\n`);
      writeFileSync(path, `import { describe } from 'node:test';\nprocess.env.TEST_DB = ${JSON.stringify(backend)};\n${imports.join('')}`);
      return { path, backend, cost: b.cost };
    });
}

/**
 * One group in its own `node --test` process; its spec output is kept and printed whole
 * when it ends, so groups running side by side do not interleave their lines.
 * @returns its exit code and its pass/fail counts, and the times of its files.
 */
function runGroup(group) {
  return new Promise((resolve) => {
    const timesOut = `${group.path}.times.jsonl`;
    const reporters = ['--test-reporter=spec', '--test-reporter-destination=stdout', `--test-reporter=${join(here, 'support', 'file-times.mjs')}`, `--test-reporter-destination=${timesOut}`];
    // A larger young generation: test processes allocate fast and briefly (fewer scavenges).
    const child = spawn(process.execPath, ['--enable-source-maps', '--max-semi-space-size=32', '--test', ...reporters, group.path], { cwd: root, env: process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    const out = [];
    child.stdout.on('data', (chunk) => out.push(chunk));
    child.stderr.on('data', (chunk) => out.push(chunk));
    child.on('close', (code) => {
      const text = Buffer.concat(out).toString('utf8');
      process.stdout.write(text);
      const counts = { pass: 0, fail: 0 };
      for (const line of text.split('\n')) {
        const m = /^\S*\s*(pass|fail) (\d+)\s*$/.exec(line.replace(/\x1b\[[0-9;]*m/g, ''));
        if (m) counts[m[1]] = Number(m[2]);
      }
      const files = existsSync(timesOut) ? readFileSync(timesOut, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l)) : [];
      resolve({ code: code ?? 1, ...counts, files });
    });
  });
}

/**
 * Runs every pass's groups, heaviest first, CONCURRENCY at a time (so no core idles
 * while one pass finishes its last group), and keeps the files' times.
 * @returns whether all exited 0, and the tests passed and failed per backend.
 */
async function run(passes) {
  const queue = passes.flatMap((p) => groups(p.backend, p.files)).sort((a, b) => b.cost - a.cost);
  const counts = Object.fromEntries(passes.map((p) => [p.backend, { pass: 0, fail: 0 }]));
  let ok = true;
  const lane = async () => {
    for (let g = queue.shift(); g; g = queue.shift()) {
      if (g.backend === 'pglite') await templateReady;
      const r = await runGroup(g);
      ok &&= r.code === 0;
      counts[g.backend].pass += r.pass;
      counts[g.backend].fail += r.fail;
      for (const f of r.files) (times[f.backend] ??= {})[f.file] = f.ms;
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, lane));
  writeFileSync(timesPath, JSON.stringify(times, null, 1));
  return { ok, counts };
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
/**
 * `--typecheck`: type-checks the sources, tests and page (`npm run typecheck`) beside the
 * tests instead of before them (the tests run the esbuild output, which does not need
 * it); a type error fails the run all the same. Resolves with its exit code and output.
 */
function typecheck() {
  return new Promise((resolve) => {
    const child = spawn('npm', ['run', '--silent', 'typecheck'], { cwd: root, env: process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    const out = [];
    child.stdout.on('data', (c) => out.push(c));
    child.stderr.on('data', (c) => out.push(c));
    child.on('close', (code) => resolve({ code: code ?? 1, output: Buffer.concat(out).toString('utf8') }));
  });
}
const typechecking = process.argv.includes('--typecheck') ? typecheck() : null;
const buildDir = await buildTests();
let madeTemplate = null;
/** Files that name the passes they belong in (`// test-backends: sqlite postgres`). */
const declared = (f) => /^\/\/ test-backends: (.+)$/m.exec(readFileSync(join(here, f), 'utf8'))?.[1].split(/\s+/);
const passes = backends.map((backend, i) => ({
  backend,
  files: (backend === 'postgres' ? all : all.filter((f) => !serverOnly(f)))
    .filter((f) => !browserOnly(f) || (i === 0 && !leaveOutBrowser))
    .filter((f) => (declared(f) ? declared(f).includes(backend) : i === 0 || usesBackend(f))),
}));
if (backends.includes('postgres')) await dropLeftovers(process.env.TEST_DATABASE_URL);
// The PGlite template is made while the first groups of the other passes already run;
// PGlite groups wait for it (`run`).
let templateReady = Promise.resolve();
if (backends.includes('pglite') && !process.env.TEST_PGLITE_TEMPLATE) {
  templateReady = pgliteTemplate().then((path) => {
    process.env.TEST_PGLITE_TEMPLATE = madeTemplate = path;
  });
}
console.log(`\n=== tests on ${backends.join(', ')} (each suite is named <backend>: <file>) ===\n`);
const { ok, counts } = await run(passes);
const results = backends.map((backend) => ({ backend, ...counts[backend] }));
const types = typechecking ? await typechecking : null;
if (types) console.log(`\n=== type check (npm run typecheck): ${types.code === 0 ? 'no errors' : 'FAILED'} ===\n${types.output}`);
console.log('');
for (const r of results) console.log(`${r.backend}: ${r.pass} passed, ${r.fail} failed`);
const failed = !ok || results.some((r) => r.fail > 0) || (types !== null && types.code !== 0);
if (!ok) console.log('a test process exited with an error (see above)');
const pass = results.reduce((n, r) => n + r.pass, 0);
const fail = results.reduce((n, r) => n + r.fail, 0);
if (leaveOutBrowser) console.log(`*** ${browserNote}`);
console.log(`total: ${pass} passed, ${fail} failed`);
if (madeTemplate) rmSync(madeTemplate, { force: true });
process.exit(failed ? 1 : 0);
