/**
 * The inbox benchmark of issue "Tasklane core" (Speed): 1,000,000 tasks (20
 * organizations x 50 users, a realistic mix of types, about 70% complete) in the
 * embedded SQLite database, measured with autocannon on loopback, 10 connections, in
 * one run, beside a bare Fastify route serving the same 100-task page.
 *
 * Measures, each for `--duration` seconds after a warm-up (issue 12's table):
 * - baseline: the bare route (same page object, JSON-serialized per request);
 * - inbox: `GET /task/?view=inbox&_limit=100`, a random user's key per request (pages
 *   repeat per organization and zone, so most come from the list cache), and the same
 *   with every page computed (each request carries a parameter of its own);
 * - reads under writes: the inboxes of one organization's 50 users round-robin while
 *   one more connection edits that organization's tasks 20 times a second (the
 *   writer's rate and latency are printed beside), then the same reads while another
 *   organization gets the edits;
 * - varied filters (`workloads.ts` `variedFilters`), computed, after a warm-up of its own
 *   (its first requests map in file pages no earlier row read: 2.3 against 1.6 ms of
 *   CPU a request over the first 8 s in one process);
 * - `_fields=id,text`, computed;
 * - deep pages at `_skip=5000` and `_skip=49000` of a 50,000-task organization (full pages);
 * then bulk updates of 1000 tasks (`PUT /task/?id__in=...`) and the server's anonymous
 * memory (`RssAnon`, without the mapped database file); then the computed rows again on
 * a server with the per-task cache off (`TASK_CACHE_SIZE=0`, `tasks/fragments.ts`), and
 * the baseline again (ratios are to the mean of the two baseline runs). The machine's load average is
 * printed with the figures. Last, `bench/import.ts` (a dump of as many tasks imported
 * with the CLI, beside reading and parsing the same file); `--skip-import` leaves it out.
 * Prints req/s, p50 and p99 latency and ratios to the baseline; writes JSON to
 * `bench/results/`.
 *
 * Usage: npm run bench -- [--tasks 1000000] [--duration 10] [--connections 10] [--skip-import]
 * The dataset is generated once into `bench/.data/` and reused.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadavg } from 'node:os';
import { openDb } from '../src/db/connect.js';
import { DEFAULT_SHAPE, generateDataset, type Dataset } from './generate.js';
import { anonMemoryMb, basicAuth, warmFile, fixedPath, load, processCpuMs, roundRobin, startWriter, variedFilters, type RequestMaker, type Result } from './workloads.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const { values: args } = parseArgs({
  options: {
    tasks: { type: 'string', default: String(DEFAULT_SHAPE.tasks) },
    duration: { type: 'string', default: '10' },
    connections: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '3' },
    'skip-import': { type: 'boolean', default: false },
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

/**
 * Starts a child server and resolves with its base URL (read from "listening on URL" on
 * stderr). D31's rate limits are off (`RATE_LIMIT_PER_KEY=0`): this measures speed, and
 * one organization's 10 connections pass its 60 requests a second at once (429s, which
 * are answered fast, would inflate the reads-under-writes row).
 */
function startServer(argv: string[], env: Record<string, string> = {}): Promise<{ child: ChildProcess; url: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, argv, { cwd: root, env: { ...process.env, LOG_LEVEL: 'silent', RATE_LIMIT_PER_KEY: '0', ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr!.on('data', (d) => {
      err += d;
      const m = /listening on (http:\/\/[^\s]+)/.exec(err);
      if (m) resolve({ child, url: m[1] });
    });
    child.on('exit', (code) => reject(new Error(`server exited with ${code}: ${err}`)));
  });
}

async function main() {
  const ds = await ensureDataset();
  warmFile(dbFile);
  const keys = ds.orgs.flatMap((o) => o.users.map((u) => u.key));
  const perOrg = Math.ceil(shape.tasks / shape.orgs);
  // Deep pages that land on a full page of a 50,000-task organization (and proportionally smaller).
  const deepSkips = [Math.min(5000, Math.floor(perOrg / 10)), Math.max(0, perOrg - 1000)];
  const loadBefore = loadavg();
  const serve = (env: Record<string, string> = {}) => startServer(['bin/tasklane.js', 'serve', '--db', dbFile, '--port', '0'], env);
  let tl = await serve();
  const results: Result[] = [];
  const warm = Number(args.warmup);
  const inbox = '/api/v1/task/?view=inbox&_limit=100';
  const org = ds.orgs[0];
  mkdirSync(join(root, 'bench', 'results'), { recursive: true });
  const pageFile = join(root, 'bench', 'results', 'page.json');
  const base = await (async () => {
    const headers = { authorization: basicAuth(keys[0]) };
    const page = await (await fetch(`${tl.url}/api/v1/task/?view=inbox&_limit=100`, { headers })).json();
    if (page.data.length !== 100) throw new Error(`expected a full inbox page, got ${page.data.length}`);
    for (const skip of deepSkips) {
      const deep = await (await fetch(`${tl.url}/api/v1/task/?_type=all&_skip=${skip}&_limit=100`, { headers })).json();
      if (deep.data.length !== 100) throw new Error(`expected a full page at _skip=${skip}, got ${deep.data.length}`);
    }
    writeFileSync(pageFile, JSON.stringify(page));
    return startServer(['--import', 'tsx', 'bench/baseline-server.ts', pageFile]);
  })();
  const run = async (name: string, make: RequestMaker, url = tl.url) => {
    const pid = url === base.url ? base.child.pid! : tl.child.pid!;
    const c0 = processCpuMs(pid);
    const r = await load(name, url, make, duration, connections);
    // CPU the serving process spent per request: far less sensitive to the machine's load than req/s.
    r.cpu_ms_per_request = +((processCpuMs(pid) - c0) / Math.max(1, r.requests_per_sec * duration)).toFixed(2);
    if (r.non2xx || r.errors) r.note = `NOT VALID: ${r.errors} errors and ${r.non2xx} non-2xx answers`;
    results.push(r);
    return r;
  };
  // Reads under writes: one organization's 50 users round-robin, a writer beside
  // editing the lead tasks of the organization of `writerKey` 20 times a second.
  const readsBesideWrites = async (name: string, writerKey: string) => {
    const url = `${tl.url}/api/v1/task/?_type=lead&_limit=1000&_order_by=date_created`;
    const tasks: string[] = (await (await fetch(url, { headers: { authorization: basicAuth(writerKey) } })).json()).data.map((t: { id: string }) => t.id);
    const writer = startWriter(tl.url, writerKey, tasks, 20);
    const r = await run(name, roundRobin(inbox, org.users.map((u) => u.key)));
    const w = await writer.stop();
    r.note = `${r.note ? r.note + '; ' : ''}writes: ${w.per_sec}/s, p50 ${w.p50_ms} ms, p99 ${w.p99_ms} ms, ${w.failures} failed`;
  };
  const deepAlone: { skip: number; encoding: string; median_ms: number; p90_ms: number }[] = [];
  const bulkMs: number[] = [];
  const bulkSpacedMs: number[] = [];
  let anonAfterLoad: number | null = null;
  let anonAfterBulk: number | null = null;
  try {
    await load('warm-up', base.url, fixedPath('/api/v1/task/', null), warm, connections);
    await run('baseline: bare Fastify route, same page', fixedPath('/api/v1/task/', null), base.url);
    await load('warm-up', tl.url, fixedPath(inbox, keys), warm, connections);
    await run('inbox, cache hits: GET /task/?view=inbox&_limit=100', fixedPath(inbox, keys));
    await run('inbox, every page computed (no list cache hit; task cache on)', fixedPath(inbox, keys, true));
    // The same pages cut to two fields, right after (the same per-task cache contents: the varied filters below churn it).
    await run('_fields=id,text, computed', fixedPath(inbox + '&_fields=id,text', keys, true));
    await readsBesideWrites('inbox of 50 users round-robin, 20 writes/s beside (same organization)', org.users[0].key);
    // Another organization's writes leave this one's cached pages valid (per-organization change tokens, db/changes.ts).
    await readsBesideWrites('inbox of 50 users round-robin, 20 writes/s beside (another organization)', ds.orgs[1].users[0].key);
    // Warmed like the inbox: its first requests fault in the pages of tasks no earlier row touched (once per process).
    await load('warm-up', tl.url, variedFilters(ds), warm, connections);
    await run('varied filters (random _type, lead_id, assigned_to, date__gte, _order_by), computed', variedFilters(ds));
    for (const skip of deepSkips) await run(`deep page: GET /task/?_type=all&_skip=${skip}&_limit=100 (a full page), computed`, fixedPath(`/api/v1/task/?_type=all&_skip=${skip}&_limit=100`, keys, true));
    anonAfterLoad = anonMemoryMb(tl.child.pid!);

    // Deep pages one at a time (one connection): the time one page takes, without
    // queueing; uncompressed (the page's own cost), then as fetch asks by default
    // (gzip or br: compressing 90 KB adds several ms).
    for (const encoding of ['identity', 'gzip, deflate, br']) {
      for (const skip of deepSkips) {
        const ms: number[] = [];
        for (let i = 0; i < 40; i++) {
          const t0 = performance.now();
          const r = await fetch(`${tl.url}/api/v1/task/?_type=all&_skip=${skip}&_limit=100&uncached=alone${i}`, {
            headers: { authorization: basicAuth(keys[(i * 7) % keys.length]), 'accept-encoding': encoding },
          });
          await r.arrayBuffer();
          if (i >= 5) ms.push(performance.now() - t0);
        }
        ms.sort((a, b) => a - b);
        deepAlone.push({ skip, encoding, median_ms: +ms[ms.length >> 1].toFixed(1), p90_ms: +ms[Math.floor(ms.length * 0.9)].toFixed(1) });
      }
    }

    // Bulk updates of 1000 tasks of one organization, alternating the assignee.
    const orgHeaders = { authorization: basicAuth(org.users[0].key), 'content-type': 'application/json' };
    const ids: string[] = (await (await fetch(`${tl.url}/api/v1/task/?_type=all&_limit=1000&_order_by=date_created`, { headers: orgHeaders })).json()).data.map((t: { id: string }) => t.id);
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
    // The same, a second apart (a person's bulk edits): the WAL checkpoint of the last
    // one has run in the background in between (`db/checkpoint.ts`).
    for (let i = 0; i < 6; i++) {
      await new Promise((r) => setTimeout(r, 1000));
      const t0 = performance.now();
      const r = await fetch(`${tl.url}/api/v1/task/?_type=all`, {
        method: 'PUT',
        headers: orgHeaders,
        body: JSON.stringify({ _params: { _type: 'all', id__in: ids.join(',') }, assigned_to: org.users[i % 2].id }),
      });
      if ((await r.json()).count !== 1000) throw new Error('bulk update failed');
      bulkSpacedMs.push(performance.now() - t0);
    }
    bulkSpacedMs.sort((a, b) => a - b);
    anonAfterBulk = anonMemoryMb(tl.child.pid!);

    // The computed rows again with the per-task cache off (TASK_CACHE_SIZE=0): every
    // page built from rows. One server per file at a time (the owner lock), so this
    // one replaces the first.
    await new Promise((r) => {
      tl.child.once('exit', r);
      tl.child.kill();
    });
    tl = await serve({ TASK_CACHE_SIZE: '0' });
    await load('warm-up', tl.url, fixedPath(inbox, keys, true), warm, connections);
    await run('task cache off: inbox, every page computed', fixedPath(inbox, keys, true));
    await readsBesideWrites('task cache off: inbox of 50 users round-robin, 20 writes/s beside (same organization)', org.users[0].key);
    await load('warm-up', tl.url, variedFilters(ds), warm, connections);
    await run('task cache off: varied filters, computed', variedFilters(ds));
    await run('task cache off: deep page _skip=' + deepSkips[0] + ', computed', fixedPath(`/api/v1/task/?_type=all&_skip=${deepSkips[0]}&_limit=100`, keys, true));
    await run('baseline again (bare Fastify route, same page), after the other rows', fixedPath('/api/v1/task/', null), base.url);
  } finally {
    base.child.kill();
    tl.child.kill();
  }

  // Ratios to the mean of the two baseline runs (the machine's speed may drift between them).
  const baselines = results.filter((r) => r.name.startsWith('baseline'));
  const baselineRps = baselines.reduce((a, r) => a + r.requests_per_sec, 0) / baselines.length;
  const rows = results.map((r) => ({ ...r, ratio_to_baseline: +(r.requests_per_sec / baselineRps).toFixed(3) }));
  const report = {
    date: new Date().toISOString(),
    tasks: shape.tasks,
    connections,
    duration_s: duration,
    loadavg_before: loadBefore.map((x) => +x.toFixed(2)),
    loadavg_after: loadavg().map((x) => +x.toFixed(2)),
    baseline_mean_requests_per_sec: +baselineRps.toFixed(0),
    results: rows,
    bulk_update_1000: { runs: bulkMs.length, median_ms: +bulkMs[Math.floor(bulkMs.length / 2)].toFixed(1), max_ms: +bulkMs[bulkMs.length - 1].toFixed(1) },
    bulk_update_1000_a_second_apart: { runs: bulkSpacedMs.length, median_ms: +bulkSpacedMs[Math.floor(bulkSpacedMs.length / 2)].toFixed(1), max_ms: +bulkSpacedMs[bulkSpacedMs.length - 1].toFixed(1) },
    deep_pages_one_connection: deepAlone,
    anon_memory_mb: { after_reads_and_deep_pages: anonAfterLoad, after_bulk: anonAfterBulk },
  };
  writeFileSync(join(root, 'bench', 'results', `inbox-${Date.now()}.json`), JSON.stringify(report, null, 2));
  console.log(`\n${shape.tasks} tasks, ${connections} connections, ${duration} s each; load average ${report.loadavg_before.join(' ')} before, ${report.loadavg_after.join(' ')} after`);
  console.log(`ratios are to the mean of the two baseline runs, ${report.baseline_mean_requests_per_sec} req/s\n`);
  console.log('| measurement | req/s | p50 ms | p99 ms | ratio to baseline | server CPU ms/request | errors/non-2xx | |');
  console.log('|---|---|---|---|---|---|---|---|');
  for (const r of rows) console.log(`| ${r.name} | ${r.requests_per_sec.toFixed(0)} | ${r.p50_ms} | ${r.p99_ms} | ${r.ratio_to_baseline} | ${r.cpu_ms_per_request} | ${r.errors}/${r.non2xx} | ${r.note ?? ''} |`);
  console.log(`\nbulk update of 1000 tasks (1000 events), back to back: median ${report.bulk_update_1000.median_ms} ms, max ${report.bulk_update_1000.max_ms} ms over ${bulkMs.length} runs`);
  console.log(`bulk update of 1000 tasks, a second apart: median ${report.bulk_update_1000_a_second_apart.median_ms} ms, max ${report.bulk_update_1000_a_second_apart.max_ms} ms over ${bulkSpacedMs.length} runs`);
  for (const d of deepAlone) console.log(`deep page _skip=${d.skip}, one request at a time, accept-encoding ${d.encoding}: median ${d.median_ms} ms, p90 ${d.p90_ms} ms`);
  console.log(`anonymous memory (RssAnon) of the server: ${anonAfterLoad} MB after the reads and deep pages, ${anonAfterBulk} MB after the bulk updates`);
  if (!args['skip-import']) {
    // The import row (bench/import.ts): a dump of as many tasks, into a fresh database.
    console.log('');
    spawnSync(process.execPath, ['--import', 'tsx', join(root, 'bench', 'import.ts'), '--tasks', String(shape.tasks)], { stdio: 'inherit', cwd: root });
  }
}

await main();
