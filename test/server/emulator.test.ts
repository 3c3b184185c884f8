/**
 * Emulator mode over a real port (issue 3; `src/server/emulator.ts`): the fixed API
 * key, `POST /__emulator/reset`, the settable clock; and that none of it exists unless
 * asked for.
 */
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { openDb, type Db } from '../../src/db/connect.js';
import { buildApp } from '../../src/server/app.js';
import { EMULATOR } from '../../src/server/emulator.js';
import { basic } from '../support/helpers.js';

let dir: string;
let db: Db;
let app: FastifyInstance;
let base: string;
/** The "real time" under the emulator clock: a fixed instant, so the test reads exact values. */
const REAL_NOW = Date.parse('2026-03-10T12:00:00Z');

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tasklane-emulator-'));
  db = await openDb(join(dir, 'emulator.db'));
  app = await buildApp({ db, emulator: true, clock: () => REAL_NOW });
  base = await app.listen({ host: '127.0.0.1', port: 0 });
});
after(async () => {
  await app.close();
  await db.close();
  rmSync(dir, { recursive: true, force: true });
});

async function call(method: string, path: string, body?: unknown, auth = true): Promise<{ status: number; body: any }> {
  const headers: Record<string, string> = {};
  if (auth) headers.authorization = basic(EMULATOR.apiKey);
  if (body !== undefined) headers['content-type'] = 'application/json';
  const r = await fetch(base + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await r.text();
  return { status: r.status, body: text ? JSON.parse(text) : undefined };
}

test('the fixed, printed API key works from the start and after every reset', async () => {
  const me = await call('GET', '/api/v1/me/');
  assert.equal(me.status, 200);
  assert.deepEqual([me.body.id, me.body.organizations[0].id], [EMULATOR.userId, EMULATOR.organizationId]);
  assert.match(EMULATOR.apiKey, /^api_[0-9A-Za-z]{43}$/);
  const reset = await call('POST', '/__emulator/reset', undefined, false);
  assert.deepEqual(reset.body, { organization_id: EMULATOR.organizationId, user_id: EMULATOR.userId, api_key: EMULATOR.apiKey });
  assert.equal((await call('GET', '/api/v1/me/')).status, 200);
});

test('reset empties every table and keeps only the emulator account', async () => {
  const lead = await call('POST', '/api/v1/lead/', { name: 'Before reset', contacts: [{ name: 'C', phones: [{ phone: '+1 650 333 4444' }] }] });
  await call('POST', '/api/v1/activity/call/', { direction: 'inbound', status: 'no-answer', phone: '+16503334444' });
  await call('POST', '/api/v1/opportunity/', { lead_id: lead.body.id, value: 100, date_won: '2026-03-10' });
  assert.equal((await call('GET', '/api/v1/task/?_type=all')).body.data.length, 2);
  assert.equal((await call('POST', '/__emulator/reset', undefined, false)).status, 200);
  for (const path of ['/api/v1/lead/', '/api/v1/task/?_type=all', '/api/v1/activity/call/', '/api/v1/opportunity/', '/api/v1/contact/']) {
    assert.deepEqual((await call('GET', path)).body.data, [], path);
  }
  assert.equal((await call('GET', `/api/v1/lead/${lead.body.id}/`)).status, 404);
  for (const table of ['organizations', 'users', 'memberships', 'api_keys']) {
    const rows = await db.kysely.selectFrom(table as any).selectAll().execute();
    assert.equal(rows.length, 1, table);
  }
  assert.equal((await db.kysely.selectFrom('contact_phones').selectAll().execute()).length, 0);
});

test('the clock can be pinned, and released back to real time; every rule reads it', async () => {
  assert.deepEqual((await call('GET', '/__emulator/clock', undefined, false)).body, { now: '2026-03-10T12:00:00+00:00', pinned: false });
  const pinned = await call('PUT', '/__emulator/clock', { now: '2015-05-27T18:33:52.937Z' }, false);
  assert.deepEqual(pinned.body, { now: '2015-05-27T18:33:52.937000+00:00', pinned: true });
  const c = await call('POST', '/api/v1/activity/call/', { direction: 'inbound', status: 'no-answer', phone: '+16503334444' });
  assert.equal(c.body.date_created, '2015-05-27T18:33:52.937000+00:00');
  const [t] = (await call('GET', '/api/v1/task/?_type=missed_call')).body.data;
  assert.deepEqual([t.date, t.date_created, t.view], ['2015-05-27T18:33:52.937000+00:00', '2015-05-27T18:33:52.937000+00:00', 'inbox']);
  // A follow-up set for tomorrow is in the future until the clock reaches it.
  await call('POST', '/api/v1/lead/', { name: 'Clock Co' });
  const lead = (await call('GET', '/api/v1/lead/?query=Clock')).body.data[0].id;
  await call('POST', '/api/v1/activity/email/', { lead_id: lead, status: 'sent', subject: 'Offer', followup_date: '2015-05-28' });
  assert.equal((await call('GET', '/api/v1/task/?_type=email_followup')).body.data[0].view, 'future');
  await call('PUT', '/__emulator/clock', { now: '2015-05-28T09:00:00Z' }, false);
  assert.equal((await call('GET', '/api/v1/task/?_type=email_followup')).body.data[0].view, 'inbox');
  const released = await call('PUT', '/__emulator/clock', { now: null }, false);
  assert.deepEqual(released.body, { now: '2026-03-10T12:00:00+00:00', pinned: false });
  for (const bad of [{}, { now: 'tomorrow' }, { now: 12 }]) {
    const r = await call('PUT', '/__emulator/clock', bad, false);
    assert.equal(r.status, 400, JSON.stringify(bad));
    assert.ok(r.body['field-errors'].now);
  }
});

test('without emulator mode there is no emulator: no routes, no fixed key', async () => {
  const plainDir = mkdtempSync(join(tmpdir(), 'tasklane-plain-'));
  const plainDb = await openDb(join(plainDir, 'plain.db'));
  const plain = await buildApp({ db: plainDb });
  try {
    for (const [method, url] of [['POST', '/__emulator/reset'], ['PUT', '/__emulator/clock'], ['GET', '/__emulator/clock']] as const) {
      const r = await plain.inject({ method, url, headers: { 'content-type': 'application/json' }, payload: '{"now": null}' });
      assert.equal(r.statusCode, 404, url);
    }
    const me = await plain.inject({ method: 'GET', url: '/api/v1/me/', headers: { authorization: basic(EMULATOR.apiKey) } });
    assert.equal(me.statusCode, 401);
    assert.equal((await plainDb.kysely.selectFrom('organizations').selectAll().execute()).length, 0);
  } finally {
    await plain.close();
    await plainDb.close();
    rmSync(plainDir, { recursive: true, force: true });
  }
});

test('tasklane serve --emulator refuses a database that holds other organizations (a reset would delete them)', async () => {
  const { spawnSync } = await import('node:child_process');
  const { createOrganization } = await import('../../src/crm/accounts.js');
  const realDir = mkdtempSync(join(tmpdir(), 'tasklane-real-'));
  const path = join(realDir, 'real.db');
  const real = await openDb(path);
  await createOrganization(real.kysely, { name: 'Real Customer' }, REAL_NOW);
  await real.close();
  try {
    const r = spawnSync(process.execPath, ['bin/tasklane.js', 'serve', '--emulator', '--db', path, '--port', '0'], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, LOG_LEVEL: 'silent' } });
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /holds organizations other than the emulator's .*its reset would delete them/);
    const again = await openDb(path);
    assert.equal((await again.kysely.selectFrom('organizations').selectAll().execute()).length, 1, 'nothing was touched');
    await again.close();
  } finally {
    rmSync(realDir, { recursive: true, force: true });
  }
});
