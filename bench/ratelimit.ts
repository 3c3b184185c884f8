/**
 * What sharing D31's buckets costs a request (issue 11): `GET /api/v1/me/` through the
 * real app (Fastify inject) with rate limits off (baseline), buckets in memory, in the
 * database (one upsert per request) and in Redis (one script per request), on the
 * database of `BENCH_DB_URL` (default: a SQLite file; `postgres://...` for a server,
 * where a database of its own is created and dropped) and the
 * Redis at `REDIS_URL` (default `redis://127.0.0.1:6379`; skipped when it does not answer).
 *
 * Run: `npm run bench:ratelimit` (about 2 s per workload). Prints requests per second
 * and the ratio to the baseline of the same run; no assertion.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { openDb, isPostgresUrl } from '../src/db/connect.js';
import { buildApp } from '../src/server/app.js';
import { createApiKey, createOrganization, createUser } from '../src/crm/accounts.js';
import { DatabaseBucketStore, MemoryBucketStore, RedisBucketStore, type BucketStore } from '../src/server/ratelimit-store.js';
import { basic } from '../test/support/helpers.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 2);
const CONCURRENCY = 8;
/** Rounds over all workloads, interleaved; the best round of each is reported (the machine is shared). */
const ROUNDS = 3;

/** On a PostgreSQL server: a new database (URL) and how to drop it. */
async function ownPostgresDatabase(base: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `tasklane_bench_rl_${process.pid}`;
  const admin = async (q: string) => {
    const c = new pg.Client({ connectionString: base });
    await c.connect();
    try {
      await c.query(q);
    } finally {
      await c.end();
    }
  };
  await admin(`create database "${name}"`);
  const u = new URL(base);
  u.pathname = '/' + name;
  return { url: u.toString(), drop: () => admin(`drop database if exists "${name}" with (force)`) };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'tasklane-bench-rl-'));
  const given = process.env.BENCH_DB_URL;
  const server = given && isPostgresUrl(given) ? await ownPostgresDatabase(given) : null;
  const db = await openDb(server?.url ?? given ?? join(dir, 'bench.db'));
  const org = await createOrganization(db.kysely, { name: `Bench ${Date.now()}` }, 0);
  const user = await createUser(db.kysely, org.id, { email: `b${Date.now()}@bench.test`, first_name: 'B', last_name: 'Ench' }, 0);
  const auth = basic((await createApiKey(db.kysely, org.id, user.id, 0)).key);
  const redis = new RedisBucketStore(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  const redisUp = await redis.ready();
  const workloads: [string, BucketStore | false][] = [
    ['no rate limit (baseline)', false],
    ['memory store', new MemoryBucketStore()],
    ['database store', new DatabaseBucketStore(db)],
    ...(redisUp ? ([['redis store', redis]] as [string, BucketStore][]) : []),
  ];
  console.log(`database ${db.location}; ${CONCURRENCY} requests in flight, ${SECONDS} s per workload, best of ${ROUNDS} interleaved rounds (after a warm-up)`);
  const best = new Map<string, number>();
  for (let round = 0; round <= ROUNDS; round++) for (const [name, store] of workloads) {
    const app = await buildApp({ db, metrics: false, rateLimit: store ? { perKey: 1e9, windowSeconds: 1 } : false, rateLimitStore: store || undefined });
    const until = performance.now() + SECONDS * 1000;
    let n = 0;
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (performance.now() < until) {
          const r = await app.inject({ method: 'GET', url: '/api/v1/me/', headers: { authorization: auth } });
          if (r.statusCode !== 200) throw new Error(`${name}: ${r.statusCode} ${r.body}`);
          n++;
        }
      }),
    );
    const rps = n / ((performance.now() - t0) / 1000);
    if (round > 0) best.set(name, Math.max(best.get(name) ?? 0, rps));
    await app.close();
  }
  const baseline = best.get(workloads[0][0])!;
  for (const [name] of workloads) {
    const rps = best.get(name)!;
    console.log(`${name.padEnd(26)} ${rps.toFixed(0).padStart(7)} req/s  ${(rps / baseline).toFixed(2)}x baseline`);
  }
  if (!redisUp) console.log('redis store: skipped (Redis does not answer)');
  await redis.close();
  await db.close();
  await server?.drop();
  rmSync(dir, { recursive: true, force: true });
}

await main();
