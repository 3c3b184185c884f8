/**
 * The figures of issue 13 (hardening), measured again in one run on a fresh SQLite file:
 *
 * 1. Lead list: 20 leads x 1,000 open tasks. `GET /lead/?_limit=20` (full) and with
 *    `_fields=id,name`: bytes and time per request; the baseline is the pre-issue
 *    answer, every open task of every lead, built in the same process from the same
 *    rows (one query, the same serializer) — what the list used to send.
 * 2. Slow body: a request whose body drips one byte every `--drip` ms; how long until
 *    the server cuts it off, and with what (status line, or a closed socket).
 * 3. Bad-key flood: `--bad` requests with distinct bad keys from one address over HTTP
 *    (10 connections): how many got 401, how many 429, how many database queries the
 *    authentication made, requests per second.
 * 4. Fairness: against `tasklane serve` in its own process, organization A floods
 *    `GET /lead/?_limit=20` (the heavy list) over `--flood` connections while
 *    organization B asks `/me/` one at a time for `--duration` s; B's p50/p99 without
 *    the flood (baseline), under it with the per-organization cap (default 8), and
 *    under it without the cap (`ORG_MAX_CONCURRENT=0`); and the server's RSS.
 *
 * Usage: node --import tsx bench/hostile.ts [--duration 5] [--flood 32] [--bad 5000] [--drip 5000] [--cap 8]
 *   [--only leadList,slowBody,badKeyFlood,fairness]
 * Writes JSON to `bench/results/hostile.json`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import type { KyselyPlugin } from 'kysely';
import { openDb, type Db } from '../src/db/connect.js';
import { buildApp, type AppOptions } from '../src/server/app.js';
import { createApiKey, createOrganization, createUser } from '../src/crm/accounts.js';
import { insertTaskRows, openTasksOfLeads } from '../src/db/tasks.repo.js';
import { insertLead } from '../src/db/leads.repo.js';
import { serializeTasks } from '../src/tasks/serialize.js';
import { ID_PREFIX, newId } from '../src/close/ids.js';
import { UTC_ZONE } from '../src/close/zone.js';
import type { TaskRow } from '../src/db/schema.js';

const { values: args } = parseArgs({
  options: {
    duration: { type: 'string', default: '5' },
    flood: { type: 'string', default: '32' },
    bad: { type: 'string', default: '5000' },
    drip: { type: 'string', default: '5000' },
    cap: { type: 'string', default: '8' },
    only: { type: 'string', default: '' },
  },
});
const duration = Number(args.duration);
const root = fileURLToPath(new URL('..', import.meta.url));
const basic = (key: string) => 'Basic ' + Buffer.from(key + ':').toString('base64');
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};
const round = (n: number, d = 1) => Math.round(n * 10 ** d) / 10 ** d;

const dir = mkdtempSync(join(tmpdir(), 'tasklane-hostile-'));
const dbFile = join(dir, 'hostile.db');
const db = await openDb(dbFile);
const now = Date.now();
const orgA = await createOrganization(db.kysely, { name: 'Flood' }, now);
const userA = await createUser(db.kysely, orgA.id, { email: 'a@flood.test', first_name: 'A', last_name: 'Flood' }, now);
const keyA = (await createApiKey(db.kysely, orgA.id, userA.id, now)).key;
const orgB = await createOrganization(db.kysely, { name: 'Quiet' }, now);
const userB = await createUser(db.kysely, orgB.id, { email: 'b@quiet.test', first_name: 'B', last_name: 'Quiet' }, now);
const keyB = (await createApiKey(db.kysely, orgB.id, userB.id, now)).key;

// 20 leads x 1,000 open tasks in organization A.
const leadIds: string[] = [];
for (let l = 0; l < 20; l++) {
  const id = newId(ID_PREFIX.lead);
  leadIds.push(id);
  await insertLead(db.kysely, { id, organization_id: orgA.id, name: `Lead ${l}`, description: '', url: null, status_label: 'Potential', created_by: userA.id, updated_by: userA.id, date_created: now + l, date_updated: now + l });
  const rows: TaskRow[] = Array.from({ length: 1000 }, (_, i) => ({
    id: newId(ID_PREFIX.task),
    organization_id: orgA.id,
    type: 'lead',
    lead_id: id,
    contact_id: null,
    assigned_to: userA.id,
    created_by: userA.id,
    updated_by: userA.id,
    text: `Follow up ${i} with a sentence of ordinary length about the deal`,
    is_complete: 0,
    is_dateless: 0,
    date_ms: now + i * 60_000,
    date_is_day: 0,
    priority: null,
    resolution: null,
    object_type: null,
    object_id: null,
    extra: null,
    match_key: null,
    date_created: now,
    date_updated: now,
  }));
  for (let i = 0; i < rows.length; i += 200) await insertTaskRows(db.kysely, rows.slice(i, i + 200));
}

/** An app on `db` listening on a free port. */
async function serve(opts: Partial<AppOptions>, on: Db = db) {
  const app = await buildApp({ db: on, rateLimit: false, ...opts });
  await app.listen({ port: 0, host: '127.0.0.1' });
  return { app, base: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}` };
}

const results: Record<string, unknown> = {};

const run = (part: string) => !args.only || args.only.split(',').includes(part);

// 1. Lead list size and time.
if (run('leadList')) {
  const { app, base } = await serve({});
  const timeIt = async (path: string, n = 10) => {
    let bytes = 0;
    const t0 = performance.now();
    for (let i = 0; i < n; i++) bytes = (await (await fetch(base + path, { headers: { authorization: basic(keyA) } })).arrayBuffer()).byteLength;
    return { bytes, ms: round((performance.now() - t0) / n) };
  };
  const full = await timeIt('/api/v1/lead/?_limit=20');
  const idOnly = await timeIt('/api/v1/lead/?_limit=20&_fields=id,name');
  // Baseline: every open task of every lead, as the list embedded them before.
  let baseBytes = 0;
  const t0 = performance.now();
  for (let i = 0; i < 10; i++) {
    const tasks = await openTasksOfLeads(db.kysely, orgA.id, leadIds);
    baseBytes = Buffer.byteLength(JSON.stringify({ data: leadIds.map((id) => ({ id, tasks: serializeTasks(tasks.filter((t) => t.lead_id === id), UTC_ZONE, Date.now()) })) }));
  }
  const baseline = { bytes: baseBytes, ms: round((performance.now() - t0) / 10) };
  results.leadList = { baseline_all_tasks: baseline, full, fields_id_name: idOnly, size_ratio: round(full.bytes / baseline.bytes, 3), time_ratio: round(full.ms / baseline.ms, 2) };
  await app.close();
}

// 2. Slow body cut-off (default limits: 30 s request timeout).
if (run('slowBody')) {
  const { app, base } = await serve({});
  const port = Number(new URL(base).port);
  const t0 = performance.now();
  const outcome = await new Promise<string>((resolve) => {
    const s = connect(port, '127.0.0.1');
    let text = '';
    s.on('data', (c) => (text += c));
    s.on('error', () => {});
    s.on('close', () => resolve(text.split('\r\n')[0] || 'closed without an answer'));
    s.write(`POST /api/v1/lead/ HTTP/1.1\r\nHost: x\r\nAuthorization: ${basic(keyA)}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{`);
    const drip = setInterval(() => (s.writable ? s.write(' ') : clearInterval(drip)), Number(args.drip));
    s.on('close', () => clearInterval(drip));
  });
  results.slowBody = { drip_ms: Number(args.drip), cut_off_after_s: round((performance.now() - t0) / 1000), outcome };
  await app.close();
}

// 3. Bad-key flood from one address.
if (run('badKeyFlood')) {
  let queries = 0;
  const counting: KyselyPlugin = { transformQuery: (a) => (queries++, a.node), transformResult: async (a) => a.result };
  const { app, base } = await serve({}, { ...db, kysely: db.kysely.withPlugin(counting) });
  const statuses: Record<string, number> = {};
  let n = 0;
  const t0 = performance.now();
  const bad = Number(args.bad);
  await Promise.all(
    Array.from({ length: 10 }, async () => {
      while (n < bad) {
        const i = n++;
        const r = await fetch(base + '/api/v1/me/', { headers: { authorization: basic(`api_bad${i}`) } });
        await r.arrayBuffer();
        statuses[r.status] = (statuses[r.status] ?? 0) + 1;
      }
    }),
  );
  const s = (performance.now() - t0) / 1000;
  results.badKeyFlood = { requests: bad, statuses, database_queries: queries, per_second: Math.round(bad / s) };
  await app.close();
}

// 4. Another organization's /me/ latency under a flood of the heavy lead list, against
// `tasklane serve` in its own process (as deployed), so the load generator's work does
// not share the server's event loop.
function startServer(env: Record<string, string>): Promise<{ child: ChildProcess; base: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(root, 'bin', 'tasklane.js'), 'serve', '--db', dbFile, '--port', '0'], {
      env: { ...process.env, LOG_LEVEL: 'silent', RATE_LIMIT_PER_KEY: '0', ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let text = '';
    child.stderr!.on('data', (c) => {
      text += c;
      const m = /listening on (http:\/\/[^\s]+)/.exec(text);
      if (m) resolve({ child, base: m[1] });
    });
    child.once('exit', (code) => reject(new Error(`serve exited (${code}): ${text}`)));
  });
}
const rssMb = (pid: number) => Math.round(Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024);
async function stopServer(child: ChildProcess) {
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}
async function quietLatencies(base: string): Promise<number[]> {
  const out: number[] = [];
  const until = performance.now() + duration * 1000;
  while (performance.now() < until) {
    const t = performance.now();
    await (await fetch(base + '/api/v1/me/', { headers: { authorization: basic(keyB) } })).arrayBuffer();
    out.push(performance.now() - t);
  }
  return out;
}
async function underFlood(env: Record<string, string>) {
  const { child, base } = await startServer(env);
  await quietLatencies(base); // warm: B's key is known, statements prepared
  const rss0 = rssMb(child.pid!);
  // The flood runs in a process of its own too, so B's timings are not the flood's client work.
  const flood = new Promise<{ requests: { average: number }; latency: { p99: number }; non2xx: number }>((resolve, reject) => {
    const c = spawn(process.execPath, [join(root, 'node_modules', 'autocannon', 'autocannon.js'), '-c', String(args.flood), '-d', String(duration), '-H', `authorization=${basic(keyA)}`, '--json', base + '/api/v1/lead/?_limit=20'], { stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    c.stdout!.on('data', (d) => (out += d));
    c.once('exit', () => {
      try {
        resolve(JSON.parse(out));
      } catch (e) {
        reject(e);
      }
    });
  });
  await new Promise((r) => setTimeout(r, 300)); // let the flood connect
  const lat = await quietLatencies(base);
  const rss1 = rssMb(child.pid!);
  const f = await flood;
  await stopServer(child);
  return {
    quiet_p50_ms: round(pct(lat, 50)),
    quiet_p99_ms: round(pct(lat, 99)),
    quiet_requests: lat.length,
    flood_req_per_s: round(f.requests.average),
    flood_p99_ms: f.latency.p99,
    flood_non2xx: f.non2xx,
    server_rss_mb: [rss0, rss1],
  };
}
if (run('fairness')) {
  const { child, base } = await startServer({});
  await quietLatencies(base);
  const lat = await quietLatencies(base);
  await stopServer(child);
  const baseline = { quiet_p50_ms: round(pct(lat, 50)), quiet_p99_ms: round(pct(lat, 99)), quiet_requests: lat.length };
  const capped = await underFlood({ ORG_MAX_CONCURRENT: String(args.cap) });
  const uncapped = await underFlood({ ORG_MAX_CONCURRENT: '0' });
  results.fairness = {
    flood_connections: Number(args.flood),
    baseline,
    cap: Number(args.cap),
    capped,
    uncapped,
    p99_ratio_capped: round(capped.quiet_p99_ms / baseline.quiet_p99_ms),
    p99_ratio_uncapped: round(uncapped.quiet_p99_ms / baseline.quiet_p99_ms),
  };
}

await db.close();
rmSync(dir, { recursive: true, force: true });
mkdirSync(join(root, 'bench', 'results'), { recursive: true });
writeFileSync(join(root, 'bench', 'results', 'hostile.json'), JSON.stringify(results, null, 2) + '\n');
console.log(JSON.stringify(results, null, 2));
