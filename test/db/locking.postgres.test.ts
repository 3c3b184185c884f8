/**
 * Read-modify-write paths lock their rows on PostgreSQL (issue 4; `db/dialect.ts`
 * `lockRows`): a write that arrives while another transaction holds a task waits
 * for it, then acts on what that transaction committed. Each test holds a task in
 * its own open transaction, sends a request through the app, waits until the server
 * shows that request waiting for a lock, commits, and checks the request's result.
 * PostgreSQL server only (`TEST_DB=postgres`).
 */
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { sql, type Transaction } from 'kysely';
import { harness, makeLead, makeTask, type Harness, type Res } from '../support/helpers.js';
import { lockRows } from '../../src/db/executor.js';
import { createTaskCompleted } from '../../src/tasks/completed.js';
import type { Database, TaskRow } from '../../src/db/schema.js';

let h: Harness;
let leadId: string;
before(async () => {
  h = await harness();
  assert.equal(h.backend, 'postgres', 'run with TEST_DB=postgres');
  leadId = await makeLead(h);
});
after(() => h.close());

/** Resolves once some session of this database waits for a row lock (bounded: fails after 30 s). */
async function untilSomeoneWaitsForALock(): Promise<void> {
  for (let i = 0; i < 600; i++) {
    const { rows } = await sql<{ n: number }>`select count(*) as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`.execute(h.db.kysely);
    if (rows[0].n > 0) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('no request waited for the lock within 30 s');
}

/** Runs `hold` in a transaction that keeps its locks until `request` is seen waiting, then commits. */
async function whileHolding(hold: (trx: Transaction<Database>) => Promise<void>, request: () => Promise<Res>): Promise<Res> {
  let pending: Promise<Res> | undefined;
  await h.db.kysely.transaction().execute(async (trx) => {
    await hold(trx);
    pending = request();
    await untilSomeoneWaitsForALock();
  });
  return pending!;
}

async function activitiesOf(taskId: string) {
  const rows = await h.db.kysely.selectFrom('activities').selectAll().where('type', '=', 'TaskCompleted').execute();
  return rows.filter((a) => JSON.parse(a.data).task_id === taskId);
}

test('completing a task another transaction is completing waits, then sees it done: one TaskCompleted activity, not two (D22)', async () => {
  const task = await makeTask(h, { lead_id: leadId, text: 'Race to complete' });
  let activityId = '';
  const r = await whileHolding(
    async (trx) => {
      assert.equal((await lockRows(trx, 'tasks', [task.id], h.orgId)).length, 1);
      const row = (await trx.selectFrom('tasks').selectAll().where('id', '=', task.id).executeTakeFirstOrThrow()) as TaskRow;
      activityId = await createTaskCompleted(trx, row, h.user.id, Date.parse('2026-03-10T12:00:00Z'));
      await trx.updateTable('tasks').set({ is_complete: 1, object_type: 'taskcompleted', object_id: activityId }).where('id', '=', task.id).execute();
    },
    () => h.req('PUT', `/api/v1/task/${task.id}/`, { body: { is_complete: true }, as: h.colleague }),
  );
  assert.equal(r.status, 200, r.raw);
  assert.equal(r.body.is_complete, true);
  assert.equal(r.body.object_id, activityId, 'the waiting request saw the committed completion');
  assert.deepEqual((await activitiesOf(task.id)).map((a) => a.id), [activityId]);
});

test('a partial update waiting behind another keeps both changes (no lost update, D2)', async () => {
  const task = await makeTask(h, { lead_id: leadId, text: 'Before' });
  const r = await whileHolding(
    async (trx) => {
      assert.equal((await lockRows(trx, 'tasks', [task.id], h.orgId)).length, 1);
      await trx.updateTable('tasks').set({ text: 'Changed by the first writer', priority: 'high' }).where('id', '=', task.id).execute();
    },
    () => h.req('PUT', `/api/v1/task/${task.id}/`, { body: { assigned_to: h.colleague.id } }),
  );
  assert.equal(r.status, 200, r.raw);
  assert.equal(r.body.text, 'Changed by the first writer');
  assert.equal(r.body.priority, 'high');
  assert.equal(r.body.assigned_to, h.colleague.id);
});

test('an update waiting for a task that is deleted meanwhile answers 404 and writes nothing (D26)', async () => {
  const task = await makeTask(h, { lead_id: leadId, text: 'Doomed' });
  const r = await whileHolding(
    async (trx) => {
      assert.equal((await lockRows(trx, 'tasks', [task.id], h.orgId)).length, 1);
      await trx.deleteFrom('tasks').where('id', '=', task.id).execute();
    },
    () => h.req('PUT', `/api/v1/task/${task.id}/`, { body: { is_complete: true } }),
  );
  assert.equal(r.status, 404);
  assert.deepEqual(r.body, { error: 'Empty query: Task matching query does not exist.' });
  assert.deepEqual(await activitiesOf(task.id), []);
});

test('a bulk update waiting behind a delete and a reassignment counts and changes only what still matches (D23)', async () => {
  const lead = await makeLead(h, 'Bulk race');
  const [a, b, c] = [await makeTask(h, { lead_id: lead, text: 'a' }), await makeTask(h, { lead_id: lead, text: 'b' }), await makeTask(h, { lead_id: lead, text: 'c' })];
  const r = await whileHolding(
    async (trx) => {
      assert.equal((await lockRows(trx, 'tasks', [a.id], h.orgId)).length, 1);
      assert.equal((await lockRows(trx, 'tasks', [b.id], h.orgId)).length, 1);
      await trx.deleteFrom('tasks').where('id', '=', a.id).execute();
      await trx.updateTable('tasks').set({ assigned_to: h.colleague.id }).where('id', '=', b.id).execute();
    },
    () => h.req('PUT', `/api/v1/task/?lead_id=${lead}&assigned_to=${h.user.id}`, { body: { priority: 'medium' } }),
  );
  assert.equal(r.status, 200, r.raw);
  assert.deepEqual(r.body, { count: 1 }, 'a was deleted and b no longer matches assigned_to');
  const list = (await h.req('GET', `/api/v1/task/?lead_id=${lead}&_fields=id,priority,assigned_to`)).body.data;
  const byId = Object.fromEntries(list.map((t: any) => [t.id, t]));
  assert.equal(byId[a.id], undefined);
  assert.equal(byId[b.id].priority, null, 'b kept no priority');
  assert.equal(byId[c.id].priority, 'medium');
});
