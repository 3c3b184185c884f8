/**
 * Two `tasklane serve` processes on one PostgreSQL database (issue 11, D31):
 * - together they grant the configured rate, not twice it: through the database when
 *   no `REDIS_URL` is set, through Redis when it is (`TEST_REDIS_URL`);
 * - a key revoked (`tasklane apikey revoke`) or a member deactivated answers 401 at
 *   once on both nodes, though both used it just before (LISTEN/NOTIFY drops caches).
 * PostgreSQL server only (`TEST_DB=postgres`).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { basic, freshDatabase } from '../support/helpers.js';
import { runCli, startNode, type Node } from '../support/processes.js';
import { openDb } from '../../src/db/connect.js';
import { createApiKey, createOrganization, createUser } from '../../src/crm/accounts.js';

const REDIS_URL = process.env.TEST_REDIS_URL;
const redisSkip = REDIS_URL ? false : process.env.CI ? false : 'TEST_REDIS_URL is not set (CI sets it)';
const PER_KEY = 10;

async function seed(url: string, name: string) {
  const db = await openDb(url, { poolMax: 2 });
  try {
    const org = await createOrganization(db.kysely, { name }, 0);
    const ann = await createUser(db.kysely, org.id, { email: `ann@${name}.test`, first_name: 'Ann', last_name: 'Lee' }, 0);
    return { orgId: org.id, ann: ann.id, key: await createApiKey(db.kysely, org.id, ann.id, 0) };
  } finally {
    await db.close();
  }
}

const me = async (node: Node, key: string) => (await fetch(`${node.base}/api/v1/me/`, { headers: { authorization: basic(key) } })).status;

async function sharedRate(env: Record<string, string>, granted = PER_KEY) {
  const fresh = await freshDatabase('postgres');
  const nodes: Node[] = [];
  try {
    // Migrate first, so both nodes start on a ready database.
    const s = await seed(fresh.url, `rate${process.pid}${Date.now()}`);
    nodes.push(...(await Promise.all([startNode(fresh.url, env), startNode(fresh.url, env)])));
    // 3 x PER_KEY requests, alternating nodes, 6 at a time.
    const statuses: number[] = [];
    for (let i = 0; i < 3 * PER_KEY; i += 6) {
      statuses.push(...(await Promise.all(Array.from({ length: 6 }, (_, j) => me(nodes[(i + j) % 2], s.key.key)))));
    }
    assert.equal(statuses.filter((x) => x === 200).length, granted, `together the nodes grant ${granted}: ${statuses.join(',')}`);
    assert.equal(statuses.filter((x) => x === 429).length, 3 * PER_KEY - granted);
  } finally {
    await Promise.all(nodes.map((n) => n.stop()));
    await fresh.drop();
  }
}

const limits = { RATE_LIMIT_PER_KEY: String(PER_KEY), RATE_LIMIT_WINDOW: '3600' };

test('two nodes without Redis share the rate limit through the database', async () => {
  await sharedRate({ ...limits, REDIS_URL: '', RATE_LIMIT_STORE: 'auto' });
});

test('two nodes with REDIS_URL share the rate limit through Redis', { skip: redisSkip }, async () => {
  await sharedRate({ ...limits, REDIS_URL: REDIS_URL!, RATE_LIMIT_STORE: 'auto' });
});

test('the contrast: with buckets in each process (RATE_LIMIT_STORE=memory) two nodes grant twice the rate', async () => {
  await sharedRate({ ...limits, REDIS_URL: '', RATE_LIMIT_STORE: 'memory' }, 2 * PER_KEY);
});

test('a revoked key and a deactivated member answer 401 at once on both nodes', async () => {
  const fresh = await freshDatabase('postgres');
  const nodes: Node[] = [];
  try {
    const s = await seed(fresh.url, 'revoke');
    nodes.push(...(await Promise.all([startNode(fresh.url), startNode(fresh.url)])));
    const db = await openDb(fresh.url, { poolMax: 1 });
    const ken = await createUser(db.kysely, s.orgId, { email: 'ken@revoke.test', first_name: 'Ken', last_name: 'Sato' }, 0);
    const kenKey = await createApiKey(db.kysely, s.orgId, ken.id, 0);
    await db.close();
    // Both nodes cache both keys; their listeners connect in the background at start.
    await new Promise((r) => setTimeout(r, 300));
    for (const n of nodes) for (const k of [s.key.key, kenKey.key]) assert.equal(await me(n, k), 200);
    const r = await runCli(['apikey', 'revoke', '--id', s.key.id, '--db', fresh.url]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(await Promise.all(nodes.map((n) => me(n, s.key.key))), [401, 401]);
    const d = await runCli(['user', 'deactivate', '--user', ken.id, '--org', s.orgId, '--db', fresh.url]);
    assert.equal(d.code, 0, d.stderr);
    assert.deepEqual(await Promise.all(nodes.map((n) => me(n, kenKey.key))), [401, 401]);
  } finally {
    await Promise.all(nodes.map((n) => n.stop()));
    await fresh.drop();
  }
});
