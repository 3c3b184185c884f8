/**
 * Prepared statements on PostgreSQL (`db/prepared.ts`, issue 12): a data statement is
 * prepared once per connection under a name made from its text; DDL and transaction
 * control run unnamed; past `MAX_PREPARED_PER_CONNECTION` new texts run unnamed and
 * still answer; a prepared statement whose table a migration changed runs again
 * (PostgreSQL refuses the old plan, the statement is sent once more unnamed).
 * PostgreSQL server only (`TEST_DB=postgres`).
 */
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { harness, type Harness } from '../support/helpers.js';
import { openDb, type Db } from '../../src/db/connect.js';
import { MAX_PREPARED_PER_CONNECTION } from '../../src/db/prepared.js';

let h: Harness;
let db: Db;
before(async () => {
  h = await harness();
  assert.equal(h.backend, 'postgres', 'run with TEST_DB=postgres');
  // One connection, so every statement below runs in the same session.
  db = await openDb(h.db.location, { poolMax: 1 });
});
after(async () => {
  await db.close();
  await h.close();
});

/** The statements this session has prepared whose text contains `marker`. */
async function preparedWith(marker: string): Promise<{ name: string; statement: string }[]> {
  const { rows } = await sql<{ name: string; statement: string }>`select name, statement from pg_prepared_statements`.execute(db.kysely);
  return rows.filter((r) => r.statement.includes(marker));
}

test('the same data statement is prepared once, under a name of its text; DDL is not prepared', async () => {
  for (const id of ['task_a', 'task_b', 'task_c']) await db.kysely.selectFrom('tasks').select(['id', 'type']).where('id', '=', id).execute();
  const tasks = await preparedWith('"type" from "tasks"');
  assert.equal(tasks.length, 1, 'one prepared statement for one text, whatever its values');
  assert.match(tasks[0].name, /^tl_[A-Za-z0-9_-]{22}$/);
  await sql`create temp table prepared_probe (a int)`.execute(db.kysely);
  assert.deepEqual(await preparedWith('create temp table'), []);
  await db.kysely.transaction().execute(async (trx) => {
    await trx.selectFrom('tasks').select(['id', 'type']).where('id', '=', 'task_d').execute();
  });
  assert.deepEqual(await preparedWith('begin'), [], 'transaction control runs unnamed');
});

test('a statement whose table changed under its plan answers with the new columns', async () => {
  await sql`create temp table plan_probe (a int)`.execute(db.kysely);
  await sql`insert into plan_probe (a) values (1)`.execute(db.kysely);
  const before = await sql<Record<string, unknown>>`select * from plan_probe`.execute(db.kysely);
  assert.deepEqual(before.rows, [{ a: 1 }]);
  assert.equal((await preparedWith('from plan_probe')).length, 1);
  await sql`alter table plan_probe add column b int default 2`.execute(db.kysely);
  const after = await sql<Record<string, unknown>>`select * from plan_probe`.execute(db.kysely);
  assert.deepEqual(after.rows, [{ a: 1, b: 2 }]);
});

test('past the bound, new texts run unnamed and still answer', async () => {
  const n = MAX_PREPARED_PER_CONNECTION + 50;
  for (let i = 0; i < n; i++) {
    const { rows } = await sql<{ v: number }>`select ${sql.lit(i)}::int as v, 'bound_probe' as marker`.execute(db.kysely);
    assert.equal(rows[0].v, i);
  }
  const { rows } = await sql<{ n: number }>`select count(*)::int as n from pg_prepared_statements where name like 'tl\\_%'`.execute(db.kysely);
  assert.ok(rows[0].n <= MAX_PREPARED_PER_CONNECTION, `${rows[0].n} prepared statements on one connection`);
  assert.ok((await preparedWith('bound_probe')).length > 0 && (await preparedWith('bound_probe')).length < n);
});
