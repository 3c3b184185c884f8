/**
 * The inbox benchmark on PostgreSQL (issue 4): `GET /task/?view=inbox&_limit=100`
 * with a random user's API key per request, over 1,000,000 tasks (`generate.ts`
 * `DEFAULT_SHAPE`), measured in one run against
 * - the same SQL sent straight to PostgreSQL with the `pg` client (the baseline:
 *   what the database alone can do): the statements `tasklist.repo.ts` `listTasks` runs
 *   for one inbox page (two index-ordered id streams, the page's rows, the names),
 *   captured once per user through Kysely's query log and replayed in order, 10
 *   pages in flight on a 10-connection pool,
 * - one Tasklane node (`tasklane serve` process), 10 connections (autocannon),
 * - two Tasklane nodes on the same database, 10 connections spread round-robin
 *   over the two ports (5 each).
 * then, on one node, issue 12's other workloads (`workloads.ts`): the inboxes of 50
 * users round-robin with 20 task edits a second beside, varied filters, `_fields=id,text`,
 * and deep pages at `_skip=5000` and `_skip=49000` (full pages); then a SQLite node over
 * the SQLite benchmark's dataset of the same shape (`bench/.data/`, made by `npm run
 * bench`; left out when missing): the computed inbox and varied filters, for the ratio
 * of PostgreSQL to SQLite in the same run.
 * Reports requests/s, p50 and p99 latency (ms), the ratios, and CPU ms per request in
 * the nodes and in the PostgreSQL server (its processes on this machine); the issue's
 * target is two nodes >= 1.6 x one node.
 *
 * The dataset is cached: the database keeps a `bench_dataset` row with the shape
 * and the users' API keys (keys are stored hashed by Tasklane, so they must be kept
 * to be reused); a database holding the same shape is reused, any other is rebuilt.
 *
 *   node --import tsx bench/postgres.ts [--url postgres://...] [--duration 20]
 *        [--warmup 5] [--connections 10] [--tasks 1000000] [--rebuild]
 *
 * Default URL: env BENCH_DATABASE_URL, else postgres://postgres@127.0.0.1:5432/tasklane_bench
 * (the database is created when missing). Results are also written to
 * bench/results/postgres-<time>.json. Loopback only.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import pg from 'pg';
import { Kysely, PostgresDialect, sql } from 'kysely';
import { openDb, type Db } from '../src/db/connect.js';
import { listTasks } from '../src/db/tasklist.repo.js';
import type { Database } from '../src/db/schema.js';
import { parseTaskQuery } from '../src/tasks/filters.js';
import { paramsFromQueryString } from '../src/close/params.js';
import { ianaZone } from '../src/close/zone.js';
import { viewBounds } from '../src/tasks/views.js';
import { DEFAULT_SHAPE, generateDataset, type Dataset, type DatasetShape } from './generate.js';
import { startNode, type Node } from '../test/support/processes.js';
import { fixedPath, load, roundRobin, startWriter, variedFilters, warmFile, type RequestMaker } from './workloads.js';
import { readdirSync } from 'node:fs';

const { values: args } = parseArgs({
  options: {
    url: { type: 'string', default: process.env.BENCH_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/tasklane_bench' },
    duration: { type: 'string', default: '20' },
    warmup: { type: 'string', default: '5' },
    connections: { type: 'string', default: '10' },
    tasks: { type: 'string', default: String(DEFAULT_SHAPE.tasks) },
    rebuild: { type: 'boolean', default: false },
  },
});
const DURATION = Number(args.duration);
const WARMUP = Number(args.warmup);
const CONNECTIONS = Number(args.connections);
const SHAPE: DatasetShape = { ...DEFAULT_SHAPE, tasks: Number(args.tasks) };
const PATH = '/api/v1/task/?view=inbox&_limit=100';

function log(msg: string) {
  process.stderr.write(msg + '\n');
}

/** The nodes run without D31's rate limits: this measures speed (see bench/inbox.ts `startServer`). */
const NODE_ENV = { RATE_LIMIT_PER_KEY: '0' };

/** Creates the benchmark database on its server when missing (or anew with `fresh`). */
async function ensureDatabase(url: string, fresh: boolean): Promise<void> {
  const u = new URL(url);
  const name = decodeURIComponent(u.pathname.slice(1));
  u.pathname = '/postgres';
  const admin = new pg.Client({ connectionString: u.toString() });
  await admin.connect();
  try {
    if (fresh) await admin.query(`drop database if exists "${name}" with (force)`);
    const { rows } = await admin.query('select 1 from pg_database where datname = $1', [name]);
    if (!rows.length) await admin.query(`create database "${name}"`);
  } finally {
    await admin.end();
  }
}

async function cachedDataset(db: Db): Promise<Dataset | null> {
  const k = db.kysely as unknown as Kysely<any>;
  await k.schema.createTable('bench_dataset').ifNotExists().addColumn('key', 'text', (c) => c.primaryKey()).addColumn('value', 'text', (c) => c.notNull()).execute();
  const row = await k.selectFrom('bench_dataset').select('value').where('key', '=', 'dataset').executeTakeFirst();
  if (!row) return null;
  const ds = JSON.parse(row.value) as Dataset;
  return JSON.stringify(ds.shape) === JSON.stringify(SHAPE) ? ds : null;
}

/** Opens the benchmark database holding SHAPE, generating it when it is not there. */
async function prepare(): Promise<{ db: Db; dataset: Dataset }> {
  await ensureDatabase(args.url!, args.rebuild!);
  let db = await openDb(args.url!);
  let dataset = await cachedDataset(db);
  if (dataset) {
    log(`reusing the dataset in ${db.location} (generated ${new Date(dataset.now).toISOString()})`);
    return { db, dataset };
  }
  const orgs = await db.kysely.selectFrom('organizations').select(sql<number>`count(*)`.as('n')).executeTakeFirstOrThrow();
  if (orgs.n > 0) {
    log(`${db.location} holds another dataset: rebuilding it`);
    await db.close();
    await ensureDatabase(args.url!, true);
    db = await openDb(args.url!);
    await cachedDataset(db);
  }
  log(`generating ${SHAPE.tasks} tasks into ${db.location}...`);
  const t0 = performance.now();
  let last = 0;
  dataset = await generateDataset(db, SHAPE, Date.now(), (n) => {
    if (n - last >= 100_000 || n === SHAPE.tasks) {
      last = n;
      log(`  ${n} tasks (${((performance.now() - t0) / 1000).toFixed(0)} s)`);
    }
  });
  // What autovacuum does on a live database: planner statistics, and the visibility map
  // that lets index-only scans skip the table (a freshly loaded table has none).
  await sql`vacuum analyze`.execute(db.kysely);
  await (db.kysely as unknown as Kysely<any>).insertInto('bench_dataset').values({ key: 'dataset', value: JSON.stringify(dataset) }).execute();
  log(`generated in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  return { db, dataset };
}

interface Measure {
  name: string;
  requests: number;
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  /** Share of all cores busy during the measure (whole machine, /proc/stat), 0..1. */
  machineBusy?: number;
  /** CPU ms the Tasklane node processes spent per request. */
  nodeCpuMsPerRequest?: number;
  /** CPU ms the PostgreSQL server's processes spent per request (same machine). */
  dbCpuMsPerRequest?: number;
  note?: string;
}

/** CPU ms used so far by every process named `postgres` on this machine (the server and its backends). */
function postgresCpuMs(): number {
  let sum = 0;
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      if (stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')) !== 'postgres') continue;
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      sum += ((Number(f[11]) + Number(f[12])) * 1000) / 100;
    } catch {
      // a process that ended meanwhile
    }
  }
  return sum;
}

/** Busy and total jiffies of all cores so far (Linux /proc/stat); zeros elsewhere. */
function machineJiffies(): { busy: number; total: number } {
  try {
    const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    const idle = f[3] + (f[4] ?? 0);
    const total = f.reduce((a, b) => a + b, 0);
    return { busy: total - idle, total };
  } catch {
    return { busy: 0, total: 0 };
  }
}

/** CPU ms (user + system) a process has used so far (Linux /proc/PID/stat); 0 elsewhere. */
function processCpuMs(pid: number | undefined): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(f[11]) + Number(f[12])) * 1000) / 100; // USER_HZ is 100 on Linux
  } catch {
    return 0;
  }
}

/** Runs `fn`, adding how busy the machine and the node processes were while it ran. */
async function accounted(nodes: Node[], fn: () => Promise<Measure>): Promise<Measure> {
  const m0 = machineJiffies();
  const c0 = nodes.map((n) => processCpuMs(n.process.pid));
  const d0 = postgresCpuMs();
  const m = await fn();
  const m1 = machineJiffies();
  const dbCpu = postgresCpuMs() - d0;
  const cpu = nodes.reduce((sum, n, i) => sum + processCpuMs(n.process.pid) - c0[i], 0);
  return {
    ...m,
    dbCpuMsPerRequest: m.requests ? Math.round((dbCpu / m.requests) * 100) / 100 : undefined,
    machineBusy: m1.total > m0.total ? (m1.busy - m0.busy) / (m1.total - m0.total) : undefined,
    nodeCpuMsPerRequest: m.requests ? Math.round((cpu / m.requests) * 100) / 100 : undefined,
  };
}

function basicAuth(key: string): string {
  return 'Basic ' + Buffer.from(key + ':').toString('base64');
}

/** autocannon against `urls` (connections spread round-robin over them). */
async function cannon(name: string, urls: string[], keys: string[], seconds: number): Promise<Measure> {
  const result = await autocannon({
    // autocannon takes several URLs and gives connection i to URL i % n; its type
    // declarations only admit one.
    url: urls.map((u) => u + PATH) as unknown as string,
    connections: CONNECTIONS,
    duration: seconds,
    requests: [
      {
        setupRequest: (req: any) => {
          req.headers = { ...req.headers, authorization: basicAuth(keys[Math.floor(Math.random() * keys.length)]) };
          return req;
        },
      },
    ],
  });
  return {
    name,
    requests: result.requests.total,
    rps: result.requests.total / (result.duration || seconds),
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.timeouts + result.non2xx,
  };
}

/**
 * The same SQL as the inbox request, straight to PostgreSQL: the statements of one
 * page for each user (captured by running `listTasks` once through a logging Kysely),
 * replayed in order by `CONNECTIONS` loops over a pool of that size.
 */
async function baseline(_db: Db, dataset: Dataset, seconds: number): Promise<Measure> {
  const now = Date.now();
  const capturePool = new pg.Pool({ connectionString: args.url!, max: 1 });
  let captured: { text: string; values: unknown[] }[] = [];
  const logging = new Kysely<Database>({
    dialect: new PostgresDialect({ pool: capturePool }),
    log: (e) => {
      if (e.level === 'query') captured.push({ text: e.query.sql, values: [...e.query.parameters] });
    },
  });
  const compiled: { text: string; values: unknown[] }[][] = [];
  for (const o of dataset.orgs) {
    for (const u of o.users) {
      const zone = ianaZone(u.timezone);
      captured = [];
      await listTasks(logging, o.id, parseTaskQuery(paramsFromQueryString('view=inbox&_limit=100'), zone, viewBounds(now, zone)), zone, { limit: 100, skip: 0 });
      compiled.push(captured);
    }
  }
  await logging.destroy();
  const pool = new pg.Pool({ connectionString: args.url!, max: CONNECTIONS });
  const latencies: number[] = [];
  let errors = 0;
  const end = performance.now() + seconds * 1000;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async () => {
      while (performance.now() < end) {
        const page = compiled[Math.floor(Math.random() * compiled.length)];
        const s = performance.now();
        try {
          for (const statement of page) await pool.query(statement);
        } catch {
          errors++;
        }
        latencies.push(performance.now() - s);
      }
    }),
  );
  const elapsed = (performance.now() - t0) / 1000;
  await pool.end();
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => Math.round(latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] * 100) / 100;
  return { name: 'pg client, same SQL', requests: latencies.length, rps: latencies.length / elapsed, p50: pct(50), p99: pct(99), errors };
}

async function main() {
  const { db, dataset } = await prepare();
  const keys = dataset.orgs.flatMap((o) => o.users.map((u) => u.key));
  const inbox = await sql<{ n: number }>`select count(*) as n from tasks where is_complete = 0 and type = 'lead'`.execute(db.kysely);
  log(`${keys.length} users; ${inbox.rows[0].n} open lead tasks; dataset ${((Date.now() - dataset.now) / 86_400_000).toFixed(1)} days old`);
  const nodes: Node[] = [];
  const results: Measure[] = [];
  const sqliteRows: Measure[] = [];
  const load0 = loadavg();
  try {
    nodes.push(await startNode(args.url!, NODE_ENV), await startNode(args.url!, NODE_ENV));
    const [a, b] = nodes.map((n) => n.base);
    log(`nodes at ${a} and ${b}; ${CONNECTIONS} connections; warm-up ${WARMUP} s, then ${DURATION} s each`);

    await baseline(db, dataset, WARMUP);
    results.push(await accounted(nodes, () => baseline(db, dataset, DURATION)));
    log(`  ${results.at(-1)!.name}: ${results.at(-1)!.rps.toFixed(0)} req/s`);

    await cannon('warm-up', [a, b], keys, WARMUP);
    results.push(await accounted(nodes, () => cannon('one node', [a], keys, DURATION)));
    log(`  one node: ${results.at(-1)!.rps.toFixed(0)} req/s`);
    results.push(await accounted(nodes, () => cannon('two nodes', [a, b], keys, DURATION)));
    log(`  two nodes: ${results.at(-1)!.rps.toFixed(0)} req/s`);
    // Issue 12's other workloads, one node (every page is computed on PostgreSQL).
    const measure = async (name: string, base: string, make: RequestMaker): Promise<Measure> => {
      const r = await load(name, base, make, DURATION, CONNECTIONS);
      return { name, requests: Math.round(r.requests_per_sec * DURATION), rps: r.requests_per_sec, p50: r.p50_ms, p99: r.p99_ms, errors: r.errors + r.non2xx };
    };
    const one = (name: string, make: RequestMaker) => measure(name, a, make);
    const org = dataset.orgs[0];
    const leadTasks: string[] = (
      await (await fetch(`${a}/api/v1/task/?_type=lead&_limit=1000&_order_by=date_created`, { headers: { authorization: basicAuth(org.users[0].key) } })).json()
    ).data.map((t: { id: string }) => t.id);
    const writer = startWriter(a, org.users[0].key, leadTasks, 20);
    const mix = await accounted([nodes[0]], () => one('one node: inbox of 50 users round-robin, 20 writes/s beside', roundRobin(PATH, org.users.map((u) => u.key))));
    const w = await writer.stop();
    results.push({ ...mix, note: `writes: ${w.per_sec}/s, p50 ${w.p50_ms} ms, p99 ${w.p99_ms} ms, ${w.failures} failed` });
    await load('warm-up', a, variedFilters(dataset), WARMUP, CONNECTIONS);
    results.push(await accounted([nodes[0]], () => one('one node: varied filters', variedFilters(dataset))));
    results.push(await accounted([nodes[0]], () => one('one node: _fields=id,text', fixedPath(PATH + '&_fields=id,text', keys, true))));
    const perOrg = Math.ceil(SHAPE.tasks / SHAPE.orgs);
    for (const skip of [Math.min(5000, Math.floor(perOrg / 10)), Math.max(0, perOrg - 1000)]) {
      results.push(await accounted([nodes[0]], () => one(`one node: _type=all&_skip=${skip}`, fixedPath(`/api/v1/task/?_type=all&_skip=${skip}&_limit=100`, keys, true))));
    }
    // The same workloads on a SQLite node over the SQLite benchmark's dataset of the
    // same shape (`npm run bench` makes it), for the target PostgreSQL >= 0.75x SQLite.
    const sqliteFile = fileURLToPath(new URL(`./.data/bench-${SHAPE.tasks}.db`, import.meta.url));
    const sqliteMeta = fileURLToPath(new URL(`./.data/bench-${SHAPE.tasks}.json`, import.meta.url));
    if (existsSync(sqliteFile) && existsSync(sqliteMeta)) {
      const sqliteSet: Dataset = JSON.parse(readFileSync(sqliteMeta, 'utf8'));
      const sqliteKeys = sqliteSet.orgs.flatMap((o) => o.users.map((u) => u.key));
      warmFile(sqliteFile);
      const node = await startNode(sqliteFile, NODE_ENV);
      try {
        const on = async (name: string, make: RequestMaker): Promise<Measure> => {
          await load('warm-up', node.base, make, WARMUP, CONNECTIONS);
          return measure(name, node.base, make);
        };
        sqliteRows.push(await accounted([node], () => on('SQLite node: inbox, every page computed', fixedPath(PATH, sqliteKeys, true))));
        sqliteRows.push(await accounted([node], () => on('SQLite node: varied filters', variedFilters(sqliteSet))));
      } finally {
        await node.stop();
      }
    } else log(`no SQLite dataset at ${sqliteFile} (npm run bench makes it): the SQLite rows are left out`);
    for (const r of results.slice(3)) log(`  ${r.name}: ${r.rps.toFixed(0)} req/s`);
  } finally {
    for (const n of nodes) await n.stop();
    await db.close();
  }
  const [base, one, two] = results;
  const lines = [
    `inbox benchmark on PostgreSQL: GET ${PATH}, ${SHAPE.tasks.toLocaleString('en-US')} tasks, ${keys.length} users, ${CONNECTIONS} connections, ${DURATION} s each`,
    `machine: ${cpus().length} cores; load average before ${load0.map((x) => x.toFixed(1)).join(' ')}, after ${loadavg().map((x) => x.toFixed(1)).join(' ')}`,
    '',
    '| target | req/s | p50 ms | p99 ms | errors | machine CPU busy | node CPU ms/request | PostgreSQL CPU ms/request | |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---|',
    ...[...results, ...sqliteRows].map(
      (r) =>
        `| ${r.name} | ${r.rps.toFixed(0)} | ${r.p50} | ${r.p99} | ${r.errors} | ${r.machineBusy === undefined ? '?' : Math.round(r.machineBusy * 100) + '%'} | ${r.name.startsWith('pg') ? '-' : (r.nodeCpuMsPerRequest ?? '?')} | ${r.name.startsWith('SQLite') ? '-' : (r.dbCpuMsPerRequest ?? '?')} | ${r.note ?? ''} |`,
    ),
    '',
    `two nodes / one node: ${(two.rps / one.rps).toFixed(2)}x (target >= 1.6x)`,
    `one node / pg client: ${(one.rps / base.rps).toFixed(2)}x; two nodes / pg client: ${(two.rps / base.rps).toFixed(2)}x`,
    ...(sqliteRows.length
      ? [
          `PostgreSQL one node / SQLite node, computed inbox: ${(one.rps / sqliteRows[0].rps).toFixed(2)}x; varied filters: ${(results.find((r) => r.name === 'one node: varied filters')!.rps / sqliteRows[1].rps).toFixed(2)}x (target >= 0.75x)`,
        ]
      : []),
  ];
  process.stdout.write(lines.join('\n') + '\n');
  mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
  const file = new URL(`./results/postgres-${new Date().toISOString().replace(/[:.]/g, '-')}.json`, import.meta.url);
  writeFileSync(file, JSON.stringify({ shape: SHAPE, connections: CONNECTIONS, duration: DURATION, loadavg: { before: load0, after: loadavg() }, results }, null, 2));
  if (results.some((r) => r.errors > 0)) {
    process.stderr.write('some requests failed: the figures above are not valid\n');
    process.exit(1);
  }
}

await main();
