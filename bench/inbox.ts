/**
 * The inbox benchmark of issue "Tasklane core" (Speed): 1,000,000 tasks (20
 * organizations x 50 users, a realistic mix of types, about 70% complete) in the
 * embedded SQLite database, measured with autocannon on loopback, 10 connections, in
 * one run, beside a bare Fastify route serving the same 100-task page.
 *
 * Measures, each for `--duration` seconds after a warm-up:
 * - baseline: the bare route (same page object, JSON-serialized per request);
 * - inbox: `GET /task/?view=inbox&_limit=100`, a random user's key per request (pages
 *   repeat per organization and zone, so most come from the list cache);
 * - the same inbox with every page computed: each request carries a parameter of its
 *   own, so none is a cache hit;
 * - deep page: `GET /task/?_type=all&_skip=50000&_limit=100`, a random key per request;
 * and the latency of bulk updates of 1000 tasks (`PUT /task/?id__in=...`).
 * Prints req/s, p50 and p99 latency and ratios to the baseline; writes JSON to
 * `bench/results/`.
 *
 * Usage: npm run bench -- [--tasks 1000000] [--duration 10] [--connections 10]
 * The dataset is generated once into `bench/.data/` and reused.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { openDb } from '../src/db/connect.js';
import { DEFAULT_SHAPE, generateDataset, type Dataset } from './generate.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const { values: args } = parseArgs({
  options: {
    tasks: { type: 'string', default: String(DEFAULT_SHAPE.tasks) },
    duration: { type: 'string', default: '10' },
    connections: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '3' },
  },
});
const shape = { ...DEFAULT_SHAPE, tasks: Number(args.tasks) };
const duration = Number(args.duration);
const connections = Number(args.connections);

const dataDir = join(root, 'bench', '.data');
const dbFile = join(dataDir, `bench-${shape.tasks}.db`);
const metaFile = join(dataDir, `bench-${shape.tasks}.json`);

async function ensureDataset(): Promise<Dataset> {
  if (existsSync(dbFile) && existsSync(metaFile)) return JSON.parse(readFileSync(metaFile, 'utf8'));
  mkdirSync(dataDir, { recursive: true });
  for (const s of ['', '-wal', '-shm']) rmSync(dbFile + s, { force: true });
  const db = await openDb(dbFile);
  const t0 = performance.now();
  let last = 0;
  const ds = await generateDataset(db, shape, Date.now(), (n) => {
    if (n - last >= 100_000) {
      last = n;
      process.stderr.write(`  generated ${n} tasks\n`);
    }
  });
  await db.close();
  writeFileSync(metaFile, JSON.stringify(ds));
  process.stderr.write(`dataset: ${shape.tasks} tasks in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
  return ds;
}

/** Starts a child server and resolves with its base URL (read from "listening on URL" on stderr). */
function startServer(argv: string[], env: Record<string, string> = {}): Promise<{ child: ChildProcess; url: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, argv, { cwd: root, env: { ...process.env, LOG_LEVEL: 'silent', ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr!.on('data', (d) => {
      err += d;
      const m = /listening on (http:\/\/[^\s]+)/.exec(err);
      if (m) resolve({ child, url: m[1] });
    });
    child.on('exit', (code) => reject(new Error(`server exited with ${code}: ${err}`)));
  });
}

interface Result {
  name: string;
  requests_per_sec: number;
  p50_ms: number;
  p99_ms: number;
  errors: number;
  non2xx: number;
}

/**
 * Loads `url` for `seconds`. With `unique`, each request adds a parameter of its own
 * (ignored by the server), so no two requests share a list-cache entry: the cost of
 * computing every page.
 */
async function load(name: string, url: string, keys: string[] | null, seconds: number, unique = false): Promise<Result> {
  const auth = keys?.map((k) => 'Basic ' + Buffer.from(k + ':').toString('base64'));
  let n = 0;
  const r = await autocannon({
    url,
    connections,
    duration: seconds,
    requests: [
      {
        method: 'GET',
        setupRequest: (req: any) => {
          if (auth) req.headers = { ...(req.headers ?? {}), authorization: auth[Math.floor(Math.random() * auth.length)] };
          if (unique) req.path = `${new URL(url).pathname}${new URL(url).search}&uncached=${n++}`;
          return req;
        },
      },
    ],
  });
  return { name, requests_per_sec: r.requests.average, p50_ms: r.latency.p50, p99_ms: r.latency.p99, errors: r.errors, non2xx: r.non2xx };
}

async function main() {
  const ds = await ensureDataset();
  const keys = ds.orgs.flatMap((o) => o.users.map((u) => u.key));
  const tl = await startServer(['bin/tasklane.js', 'serve', '--db', dbFile, '--port', '0']);
  try {
    const key = keys[0];
    const headers = { authorization: 'Basic ' + Buffer.from(key + ':').toString('base64') };
    const page = await (await fetch(`${tl.url}/api/v1/task/?view=inbox&_limit=100`, { headers })).json();
    if (page.data.length !== 100) throw new Error(`expected a full inbox page, got ${page.data.length}`);
    mkdirSync(join(root, 'bench', 'results'), { recursive: true });
    const pageFile = join(root, 'bench', 'results', 'page.json');
    writeFileSync(pageFile, JSON.stringify(page));
    const base = await startServer(['--import', 'tsx', 'bench/baseline-server.ts', pageFile]);
    const results: Result[] = [];
    try {
      const warm = Number(args.warmup);
      await load('warm-up', `${base.url}/api/v1/task/`, null, warm);
      results.push(await load('baseline: bare Fastify route, same page', `${base.url}/api/v1/task/`, null, duration));
      await load('warm-up', `${tl.url}/api/v1/task/?view=inbox&_limit=100`, keys, warm);
      results.push(await load('inbox: GET /task/?view=inbox&_limit=100', `${tl.url}/api/v1/task/?view=inbox&_limit=100`, keys, duration));
      results.push(await load('inbox, every page computed (no cache hit)', `${tl.url}/api/v1/task/?view=inbox&_limit=100`, keys, duration, true));
      results.push(await load('deep page: GET /task/?_type=all&_skip=50000&_limit=100', `${tl.url}/api/v1/task/?_type=all&_skip=50000&_limit=100`, keys, duration));
    } finally {
      base.child.kill();
    }

    // Bulk updates of 1000 tasks of one organization, alternating the assignee.
    const org = ds.orgs[0];
    const orgHeaders = { authorization: 'Basic ' + Buffer.from(org.users[0].key + ':').toString('base64'), 'content-type': 'application/json' };
    const ids: string[] = (await (await fetch(`${tl.url}/api/v1/task/?_type=all&_limit=1000&_order_by=date_created`, { headers: orgHeaders })).json()).data.map((t: { id: string }) => t.id);
    const bulkMs: number[] = [];
    for (let i = 0; i < 10; i++) {
      const t0 = performance.now();
      const r = await fetch(`${tl.url}/api/v1/task/?_type=all`, {
        method: 'PUT',
        headers: orgHeaders,
        body: JSON.stringify({ _params: { _type: 'all', id__in: ids.join(',') }, assigned_to: org.users[i % 2].id }),
      });
      const body = await r.json();
      if (body.count !== 1000) throw new Error(`bulk update answered ${JSON.stringify(body).slice(0, 200)}`);
      bulkMs.push(performance.now() - t0);
    }
    bulkMs.sort((a, b) => a - b);

    const baseline = results[0];
    const rows = results.map((r) => ({ ...r, ratio_to_baseline: +(r.requests_per_sec / baseline.requests_per_sec).toFixed(3) }));
    const report = {
      date: new Date().toISOString(),
      tasks: shape.tasks,
      connections,
      duration_s: duration,
      results: rows,
      bulk_update_1000: { runs: bulkMs.length, median_ms: +bulkMs[Math.floor(bulkMs.length / 2)].toFixed(1), max_ms: +bulkMs[bulkMs.length - 1].toFixed(1) },
    };
    writeFileSync(join(root, 'bench', 'results', `inbox-${Date.now()}.json`), JSON.stringify(report, null, 2));
    console.log(`\n${shape.tasks} tasks, ${connections} connections, ${duration} s each\n`);
    console.log('| measurement | req/s | p50 ms | p99 ms | ratio to baseline | errors/non-2xx |');
    console.log('|---|---|---|---|---|---|');
    for (const r of rows) console.log(`| ${r.name} | ${r.requests_per_sec.toFixed(0)} | ${r.p50_ms} | ${r.p99_ms} | ${r.ratio_to_baseline} | ${r.errors}/${r.non2xx} |`);
    console.log(`\nbulk update of 1000 tasks: median ${report.bulk_update_1000.median_ms} ms, max ${report.bulk_update_1000.max_ms} ms over ${bulkMs.length} runs`);
  } finally {
    tl.child.kill();
  }
}

await main();
