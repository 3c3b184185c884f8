/**
 * D31's buckets shared by several nodes (issue 11): two apps ("nodes") with their own
 * database handles on one database, and with their own Redis clients on one Redis,
 * together grant the configured rate, not twice it; a node whose Redis is unreachable
 * keeps serving from the database and logs it once.
 *
 * Redis tests read `TEST_REDIS_URL` (`.ci/run` sets it); without it they are skipped
 * outside CI and fail in CI.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import type { FastifyInstance } from 'fastify';
import { basic, freshDatabase, openFresh, testBackend } from '../support/helpers.js';
import { openDb, type Db } from '../../src/db/connect.js';
import { buildApp } from '../../src/server/app.js';
import { createApiKey, createOrganization, createUser } from '../../src/crm/accounts.js';
import { DatabaseBucketStore, FallbackBucketStore, RedisBucketStore, type BucketStore } from '../../src/server/ratelimit-store.js';

const backend = testBackend();
const REDIS_URL = process.env.TEST_REDIS_URL;
const redisSkip = REDIS_URL ? false : process.env.CI ? false : 'TEST_REDIS_URL is not set (CI sets it)';
const PER_KEY = 12;
/** A long window: the buckets refill by less than one token during a test. */
const rateLimit = { perKey: PER_KEY, windowSeconds: 3600 };

async function account(db: Db, name: string) {
  const org = await createOrganization(db.kysely, { name }, 0);
  const u1 = await createUser(db.kysely, org.id, { email: `a@${name}.test`, first_name: 'A', last_name: 'One' }, 0);
  const u2 = await createUser(db.kysely, org.id, { email: `b@${name}.test`, first_name: 'B', last_name: 'Two' }, 0);
  return { key1: (await createApiKey(db.kysely, org.id, u1.id, 0)).key, key2: (await createApiKey(db.kysely, org.id, u2.id, 0)).key };
}

/** Sends `n` GETs of /me/ with `key`, alternating between `apps`; returns the statuses. */
async function hammer(apps: FastifyInstance[], key: string, n: number): Promise<number[]> {
  const statuses: number[] = [];
  for (let i = 0; i < n; i++) {
    const r = await apps[i % apps.length].inject({ method: 'GET', url: '/api/v1/me/', headers: { authorization: basic(key) } });
    statuses.push(r.statusCode);
  }
  return statuses;
}

const count = (xs: number[], v: number) => xs.filter((x) => x === v).length;

/** Two nodes on one database, each with the store `makeStore` gives for its own handle. */
async function twoNodes(makeStore: (db: Db) => BucketStore | Promise<BucketStore>) {
  const fresh = await freshDatabase();
  const dbA = await openFresh(fresh);
  // SQLite and PostgreSQL: a second handle (connection) to the same database, as a
  // second process would have; PGlite lives in one process, so both share its handle.
  const dbB = backend === 'pglite' ? dbA : await openDb(fresh.url);
  const stores = [await makeStore(dbA), await makeStore(dbB)];
  const clock = () => Date.parse('2026-03-10T12:00:00Z');
  const apps = [await buildApp({ db: dbA, clock, rateLimit, rateLimitStore: stores[0], metrics: false }), await buildApp({ db: dbB, clock, rateLimit, rateLimitStore: stores[1], metrics: false })];
  return {
    apps,
    dbA,
    async close() {
      for (const app of apps) await app.close();
      for (const s of stores) await s.close();
      if (dbB !== dbA) await dbB.close();
      await dbA.close();
      await fresh.drop();
    },
  };
}

test(`two nodes sharing the database store grant the per-key rate together, and the org 3x across keys (${backend})`, async () => {
  const nodes = await twoNodes((db) => new DatabaseBucketStore(db));
  try {
    const { key1, key2 } = await account(nodes.dbA, 'shared');
    const first = await hammer(nodes.apps, key1, 2 * PER_KEY);
    assert.equal(count(first, 200), PER_KEY, `statuses: ${first.join(',')}`);
    assert.equal(count(first, 429), PER_KEY);
    // The first PER_KEY pass, every later one is refused (not one node's share each).
    assert.deepEqual(first.slice(0, PER_KEY), Array(PER_KEY).fill(200));
    const r = await nodes.apps[1].inject({ method: 'GET', url: '/api/v1/me/', headers: { authorization: basic(key1) } });
    assert.equal(r.statusCode, 429);
    assert.equal(r.headers['x-rate-limit-remaining'], '0');
    assert.equal(r.json().rate_window, 3600);
    // The second key has a full bucket of its own, but the organization's (3 x PER_KEY,
    // shared by its keys on both nodes) has 3 x PER_KEY - 25 left: every request above
    // counted there, refused ones too.
    const second = await hammer(nodes.apps, key2, PER_KEY);
    assert.deepEqual(second, [...Array(3 * PER_KEY - 25).fill(200), 429]);
  } finally {
    await nodes.close();
  }
});

test(`two nodes sharing one Redis grant the per-key rate together (${backend})`, { skip: redisSkip }, async () => {
  const nodes = await twoNodes(async () => {
    const store = new RedisBucketStore(REDIS_URL!);
    assert.equal(await store.ready(), true, `Redis answers at ${REDIS_URL}`);
    return store;
  });
  try {
    // Fresh names per run: the Redis is shared by every run on this machine.
    const { key1 } = await account(nodes.dbA, `redis${process.pid}${Date.now()}`);
    const statuses = await hammer(nodes.apps, key1, 2 * PER_KEY);
    assert.deepEqual(statuses, [...Array(PER_KEY).fill(200), ...Array(PER_KEY).fill(429)]);
  } finally {
    await nodes.close();
  }
});

/** A local port where nothing listens (bound, then released). */
async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

test(`nodes whose Redis is unreachable keep serving from the shared database store and log it once (${backend})`, async () => {
  const port = await closedPort();
  const logs: { level: string; msg: string }[] = [];
  const log = { warn: (_o: object, msg: string) => void logs.push({ level: 'warn', msg }), info: (_o: object, msg: string) => void logs.push({ level: 'info', msg }) };
  const nodes = await twoNodes((db) => new FallbackBucketStore(new RedisBucketStore(`redis://127.0.0.1:${port}`), new DatabaseBucketStore(db), log));
  try {
    const { key1 } = await account(nodes.dbA, 'fallback');
    const statuses = await hammer(nodes.apps, key1, 2 * PER_KEY);
    assert.equal(count(statuses, 200), PER_KEY, 'still limited, through the database');
    assert.equal(count(statuses, 429), PER_KEY);
    assert.equal(count(statuses, 500), 0);
    const warnings = logs.filter((l) => l.level === 'warn');
    assert.equal(warnings.length, 2, 'one warning per node for the outage');
    assert.match(warnings[0].msg, /redis unreachable; buckets are kept in the database/);
  } finally {
    await nodes.close();
  }
});

test(`the fallback store goes back to Redis when it answers (${backend})`, { skip: redisSkip }, async () => {
  const fresh = await freshDatabase();
  const db = await openFresh(fresh);
  const logs: string[] = [];
  const log = { warn: (_o: object, msg: string) => void logs.push(msg), info: (_o: object, msg: string) => void logs.push(msg) };
  // Real Redis answering; the first take is made while its client is not connected yet
  // (no offline queue: that fails at once), so the store starts on the database.
  const redis = new RedisBucketStore(REDIS_URL!);
  const store = new FallbackBucketStore(redis, new DatabaseBucketStore(db), log);
  try {
    const key = `fb${process.pid}${Date.now()}`;
    const first = await store.take([{ key, capacity: 5 }], 1000, 60_000);
    assert.equal(first[0].granted, true);
    assert.equal(store.name, 'database');
    assert.equal(await redis.ready(), true);
    // After the retry pause the primary is asked again.
    await new Promise((r) => setTimeout(r, 2100));
    const again = await store.take([{ key, capacity: 5 }], 1000, 60_000);
    assert.equal(again[0].granted, true);
    assert.equal(store.name, 'redis');
    assert.equal(again[0].tokens, 4, 'a fresh bucket in Redis');
    assert.deepEqual(
      logs.map((m) => m.split(';')[0]),
      ['rate limits: redis unreachable', 'rate limits: redis answers again'],
    );
  } finally {
    await store.close();
    await db.close();
    await fresh.drop();
  }
});

test(`the database store keeps large limits (an org bucket above 2^31 tokens) (${backend})`, async () => {
  const fresh = await freshDatabase();
  const db = await openFresh(fresh);
  try {
    const store = new DatabaseBucketStore(db);
    const capacity = 3 * 1e9;
    assert.deepEqual(await store.take([{ key: 'big', capacity }], 1000, 1000), [{ granted: true, tokens: capacity - 1 }]);
    assert.deepEqual(await store.take([{ key: 'big', capacity }], 1000, 1000), [{ granted: true, tokens: capacity - 2 }]);
  } finally {
    await db.close();
    await fresh.drop();
  }
});

const hasRedisServer = spawnSync('redis-server', ['--version']).status === 0;
const ownRedisSkip = hasRedisServer ? false : process.env.CI ? false : 'redis-server is not installed';

/** Starts a private `redis-server` on `port` (no persistence) and waits until it answers. */
async function startRedisServer(port: number): Promise<ChildProcess> {
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  const probe = new RedisBucketStore(`redis://127.0.0.1:${port}`);
  try {
    assert.equal(await probe.ready(5000), true, 'the private redis-server answers');
  } finally {
    await probe.close();
  }
  return child;
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill('SIGTERM');
  await exited;
}

test(`when Redis stops mid-run the node keeps serving from the database, and goes back once Redis answers again (${backend})`, { skip: ownRedisSkip }, async () => {
  const fresh = await freshDatabase();
  const db = await openFresh(fresh);
  const port = await closedPort();
  let server = await startRedisServer(port);
  const logs: string[] = [];
  const log = { warn: (_o: object, msg: string) => void logs.push(msg), info: (_o: object, msg: string) => void logs.push(msg) };
  const redis = new RedisBucketStore(`redis://127.0.0.1:${port}`);
  const store = new FallbackBucketStore(redis, new DatabaseBucketStore(db), log);
  const take = () => store.take([{ key: 'mid-run', capacity: 100 }], 1000, 60_000);
  try {
    assert.equal(await redis.ready(), true);
    assert.deepEqual(await take(), [{ granted: true, tokens: 99 }]);
    assert.equal(store.name, 'redis');
    await stopProcess(server);
    // Redis is gone: the database answers (its own bucket, full), and nothing throws.
    assert.deepEqual(await take(), [{ granted: true, tokens: 99 }]);
    assert.equal(store.name, 'database');
    assert.deepEqual(await take(), [{ granted: true, tokens: 98 }]);
    server = await startRedisServer(port);
    assert.equal(await redis.ready(5000), true, 'the client reconnects');
    await new Promise((r) => setTimeout(r, 2100));
    const back = await take();
    assert.equal(store.name, 'redis');
    assert.equal(back[0].granted, true);
    assert.deepEqual(
      logs.map((m) => m.split(';')[0]),
      ['rate limits: redis unreachable', 'rate limits: redis answers again'],
    );
  } finally {
    await store.close();
    await stopProcess(server);
    await db.close();
    await fresh.drop();
  }
});
