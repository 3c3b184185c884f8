/**
 * `GET /health` for load balancers (issue 4, README "Several nodes on PostgreSQL"):
 * 200 `{"status": "ok"}` without a key while the node can query its database, 503
 * when it cannot.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { freshDatabase, testBackend } from '../support/helpers.js';
import { openDb } from '../../src/db/connect.js';
import { buildApp } from '../../src/server/app.js';

test(`GET /health answers 200 while the database answers (${testBackend()})`, async () => {
  const fresh = await freshDatabase();
  const db = await openDb(fresh.url);
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
