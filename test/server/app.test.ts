/**
 * `GET /health` for load balancers (issue 4, README "Several nodes on PostgreSQL"):
 * 200 `{"status": "ok"}` without a key while the node can query its database, 503
 * when it cannot; and request logs without the API keys some URLs carry.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { basic, freshDatabase, openFresh, testBackend } from '../support/helpers.js';
import { createApiKey, createOrganization, createUser } from '../../src/crm/accounts.js';
import { openDb } from '../../src/db/connect.js';
import { buildApp } from '../../src/server/app.js';

test(`GET /health answers 200 while the database answers (${testBackend()})`, async () => {
  const fresh = await freshDatabase();
  const db = await openFresh(fresh);
  const app = await buildApp({ db });
  try {
    const r = await app.inject({ method: 'GET', url: '/health' });
    assert.equal(r.statusCode, 200);
    assert.deepEqual(r.json(), { status: 'ok' });
  } finally {
    await app.close();
    await db.close();
    await fresh.drop();
  }
});

test('GET /health answers 503 when the PostgreSQL server cannot be reached', async () => {
  // Nothing listens on port 1 of the loopback address: every connection is refused.
  const db = await openDb('postgres://postgres@127.0.0.1:1/tasklane', { migrate: false });
  const app = await buildApp({ db });
  try {
    const r = await app.inject({ method: 'GET', url: '/health' });
    assert.equal(r.statusCode, 503);
    assert.deepEqual(r.json(), { status: 'unavailable', error: 'The database cannot be reached.' });
  } finally {
    await app.close();
    await db.close();
  }
});

test(`GET /health answers 503 once the database is closed (${testBackend()})`, async () => {
  const fresh = await freshDatabase();
  const db = await openDb(fresh.url);
  const app = await buildApp({ db });
  try {
    await db.close();
    const r = await app.inject({ method: 'GET', url: '/health' });
    assert.equal(r.statusCode, 503);
    assert.equal(r.json().status, 'unavailable');
  } finally {
    await app.close();
    await fresh.drop();
  }
});

test(`request logs never carry the API key of GET /api_key/{key}/ (D35) (${testBackend()})`, async () => {
  const fresh = await freshDatabase();
  const db = await openFresh(fresh);
  const lines: string[] = [];
  const stream = { write: (line: string) => void lines.push(line) };
  const app = await buildApp({ db, logger: { level: 'info', stream } });
  try {
    const org = await createOrganization(db.kysely, { name: 'Logs' }, 0);
    const user = await createUser(db.kysely, org.id, { email: 'log@logs.test', first_name: 'Lo', last_name: 'Gs' }, 0);
    const { key } = await createApiKey(db.kysely, org.id, user.id, 0);
    const r = await app.inject({ method: 'GET', url: `/api/v1/api_key/${key}/?_fields=id`, headers: { authorization: basic(key) } });
    assert.equal(r.statusCode, 200);
    const logged = lines.join('');
    assert.ok(logged.includes('/api/v1/api_key/***/?_fields=id'), logged);
    assert.equal(logged.includes(key), false, 'the secret is not in the log');
  } finally {
    await app.close();
    await db.close();
    await fresh.drop();
  }
});
