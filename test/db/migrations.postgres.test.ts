/**
 * Migrations run once when several nodes start at the same moment on one fresh
 * PostgreSQL database (issue 4; `db/dialect.ts` `withMigrationLock`). The test holds
 * the migration lock itself until every migrator is queued behind it, then lets them
 * all go at once, so the race is certain rather than likely.
 * PostgreSQL server only (`TEST_DB=postgres`, `TEST_DATABASE_URL`).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { sql } from 'kysely';
import { freshDatabase } from '../support/helpers.js';
import { runCli } from '../support/processes.js';
import { MIGRATION_LOCK_KEY } from '../../src/db/dialect.js';
import { openDb, type Db } from '../../src/db/connect.js';

/** Every migration this version has, in order. */
const ALL = ['0001_core', '0002_events', '0003_generated', '0004_memberships', '0005_operations', '0006_lead_open_tasks', '0007_list_indexes', '0008_filter_indexes', '0009_covering_indexes'];

/** Holds the migration lock on its own connection until `release()`. */
async function holdMigrationLock(url: string) {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  await c.query('select pg_advisory_lock($1::bigint)', [MIGRATION_LOCK_KEY.toString()]);
  return {
    /** Resolves once `n` other sessions wait for the lock. */
    async waitForWaiters(n: number) {
      for (let i = 0; i < 600; i++) {
        const { rows } = await c.query(
          `select count(*)::int as n from pg_locks l join pg_database d on d.oid = l.database
           where l.locktype = 'advisory' and not l.granted and d.datname = current_database()`,
        );
        if (rows[0].n >= n) return;
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error(`fewer than ${n} sessions queued for the migration lock after 30 s`);
    },
    async release() {
      await c.query('select pg_advisory_unlock($1::bigint)', [MIGRATION_LOCK_KEY.toString()]);
      await c.end();
    },
  };
}

async function appliedMigrations(url: string): Promise<string[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query('select name from kysely_migration order by name')).rows.map((r) => r.name);
  } finally {
    await c.end();
  }
}

test('four `tasklane migrate` processes released at once on a fresh database: one applies every migration, three find nothing to do', async () => {
  const fresh = await freshDatabase('postgres');
  try {
    const lock = await holdMigrationLock(fresh.url);
    const runs = Array.from({ length: 4 }, () => runCli(['migrate', '--json', '--db', fresh.url]));
    await lock.waitForWaiters(4);
    await lock.release();
    const results = await Promise.all(runs);
    for (const r of results) assert.equal(r.code, 0, r.stderr);
    const applied = results.map((r) => JSON.parse(r.stdout).applied as string[]);
    assert.deepEqual(applied.filter((a) => a.length > 0), [ALL]);
    assert.equal(applied.filter((a) => a.length === 0).length, 3);
    assert.deepEqual(await appliedMigrations(fresh.url), ALL);
  } finally {
    await fresh.drop();
  }
});

test('five pools in one process opening a fresh database at once all open it; the schema is made once', async () => {
  const fresh = await freshDatabase('postgres');
  const dbs: Db[] = [];
  try {
    const lock = await holdMigrationLock(fresh.url);
    const opening = Array.from({ length: 5 }, () => openDb(fresh.url, { poolMax: 2 }));
    await lock.waitForWaiters(5);
    await lock.release();
    dbs.push(...(await Promise.all(opening)));
    assert.deepEqual(await appliedMigrations(fresh.url), ALL);
    // Every pool works on the one schema.
    await dbs[0].kysely.insertInto('organizations').values({ id: 'orga_m', name: 'M', currency: 'USD', date_created: 1, date_updated: 2 }).execute();
    for (const db of dbs) {
      const row = await db.kysely.selectFrom('organizations').selectAll().where('id', '=', 'orga_m').executeTakeFirstOrThrow();
      assert.deepEqual(row, { id: 'orga_m', name: 'M', currency: 'USD', date_created: 1, date_updated: 2 });
      assert.equal(db.dialect, 'postgres');
    }
    const { rows } = await sql<{ n: number }>`select count(*) as n from kysely_migration`.execute(dbs[0].kysely);
    assert.equal(rows[0].n, ALL.length, 'count(*) (int8) comes back as a JS number');
  } finally {
    for (const db of dbs) await db.close();
    await fresh.drop();
  }
});

test('a migration that fails leaves nothing behind and names itself; the lock is released for the next node', async () => {
  const fresh = await freshDatabase('postgres');
  try {
    // Something already occupies a table name migration 0001 creates.
    const c = new pg.Client({ connectionString: fresh.url });
    await c.connect();
    await c.query('create table tasks (x int)');
    await c.end();
    const failed = await runCli(['migrate', '--db', fresh.url]);
    assert.equal(failed.code, 1);
    assert.match(failed.stderr, /^tasklane: migration 0001_core failed: relation "tasks" already exists\n$/);
    assert.deepEqual(await appliedMigrations(fresh.url), [], 'no migration recorded');
    const c2 = new pg.Client({ connectionString: fresh.url });
    await c2.connect();
    const { rows } = await c2.query("select count(*)::int as n from information_schema.tables where table_name = 'organizations'");
    assert.equal(rows[0].n, 0, 'the failed migration created nothing');
    await c2.query('drop table tasks');
    await c2.end();
    // The lock was released: the next attempt is not blocked and succeeds.
    const ok = await runCli(['migrate', '--json', '--db', fresh.url]);
    assert.equal(ok.code, 0, ok.stderr);
    assert.deepEqual(JSON.parse(ok.stdout), { applied: ALL });
  } finally {
    await fresh.drop();
  }
});
