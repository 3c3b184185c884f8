/**
 * In-process breakdown of a computed task-list page (issue 12): no HTTP, no list cache.
 * Times `listTaskPageText` (statements and JSON text), with the per-task cache
 * (`--cache N` texts, 0: off) or without, for the inbox of random users, varied filters and deep pages, on the benchmark dataset
 * (`npm run bench` generates it). Run with `--cpu-prof` to see the top functions.
 *
 * Usage: node --import tsx bench/page-profile.ts [--tasks 1000000] [--pages 2000] [--workload inbox|inbox-user|fields|varied|skip5000|skip49000] [--cache 10000]
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { openDb } from '../src/db/connect.js';
import { listTaskPageText } from '../src/tasks/service.js';
import { TaskFragments } from '../src/tasks/fragments.js';
import type { RequestContext } from '../src/context.js';
import { ianaZone } from '../src/close/zone.js';
import { paramsFromQueryString, parseFields, parsePage } from '../src/close/params.js';
import type { Dataset } from './generate.js';
import { variedFilters } from './workloads.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const { values: args } = parseArgs({ options: { tasks: { type: 'string', default: '1000000' }, pages: { type: 'string', default: '2000' }, workload: { type: 'string', default: 'inbox' }, cache: { type: 'string', default: '10000' } } });
const ds: Dataset = JSON.parse(readFileSync(join(root, 'bench', '.data', `bench-${args.tasks}.json`), 'utf8'));
const db = await openDb(join(root, 'bench', '.data', `bench-${args.tasks}.db`));
const varied = variedFilters(ds);
const fragments = TaskFragments.for(db, Number(args.cache));
const orgOfKey = new Map<string, string>(ds.orgs.flatMap((o) => o.users.map((u) => [u.key, o.id] as const)));
const pick = <T>(xs: readonly T[]) => xs[Math.floor(Math.random() * xs.length)];

function request(n: number): { orgId: string; tz: string; query: string } {
  const o = Math.floor(Math.random() * ds.orgs.length);
  const user = pick(ds.orgs[o].users);
  switch (args.workload) {
    case 'varied': {
      const m = varied(n);
      return { orgId: orgOfKey.get(m.key!)!, tz: user.timezone, query: m.path.slice(m.path.indexOf('?') + 1) };
    }
    case 'skip5000':
      return { orgId: ds.orgs[o].id, tz: user.timezone, query: '_type=all&_limit=100&_skip=5000' };
    case 'skip49000':
      return { orgId: ds.orgs[o].id, tz: user.timezone, query: '_type=all&_limit=100&_skip=49000' };
    default:
      return { orgId: ds.orgs[o].id, tz: user.timezone, query: args.workload === 'fields' ? 'view=inbox&_limit=100&_fields=id,text' : args.workload === 'inbox-user' ? `view=inbox&_limit=100&assigned_to=${user.id}` : 'view=inbox&_limit=100' };
  }
}

const pages = Number(args.pages);
let tPage = 0;
let bytes = 0;
const run = async (count: number, measure: boolean) => {
  for (let n = 0; n < count; n++) {
    const r = request(n);
    const zone = ianaZone(r.tz);
    const now = Date.now();
    const params = paramsFromQueryString(r.query);
    params.delete('uncached');
    const page = parsePage(params, { defaultLimit: 100, maxLimit: 1000 });
    const ctx = { db, organizationId: r.orgId, userId: '', apiKeyId: null, zone, now: () => now, requestId: null, requestMethod: null, requestPath: null } satisfies RequestContext;
    const t0 = performance.now();
    const text = await listTaskPageText(ctx, params, page, parseFields(params), fragments);
    if (measure) {
      tPage += performance.now() - t0;
      bytes += text.length;
    }
  }
};
await run(Math.min(500, pages), false);
const c0 = process.cpuUsage();
await run(pages, true);
const cpu = process.cpuUsage(c0);
console.log(`${args.workload} (task cache ${fragments ? args.cache : 'off'}): ${pages} pages, ${(tPage / pages).toFixed(3)} ms/page, CPU ${((cpu.user + cpu.system) / 1000 / pages).toFixed(3)} ms/page, ${Math.round(bytes / pages)} bytes/page`);
await db.close();
(globalThis as { gc?: () => void }).gc?.();
const mem = process.memoryUsage();
console.log(`memory: rss ${Math.round(mem.rss / 1e6)} MB, heap used ${Math.round(mem.heapUsed / 1e6)} MB of ${Math.round(mem.heapTotal / 1e6)} MB, external ${Math.round(mem.external / 1e6)} MB, kept texts ${fragments?.size ?? 0}`);
