/**
 * Task storage: every SQL statement about tasks. Functions take the executor first
 * (the database or an open transaction), so callers choose the transaction
 * (architecture: repositories take the executor first).
 *
 * WHERE clauses are built only from a parsed `TaskQuery` (whitelisted Close
 * parameters), never from request text.
 */
import { sql, type ExpressionBuilder, type Kysely, type SelectQueryBuilder, type Transaction } from 'kysely';
import type { Database, TaskRow } from './schema.js';
import { effectiveDateSql, lockForUpdate, type DialectName } from './dialect.js';
import type { RequestZone } from '../close/zone.js';
import type { TaskCondition, TaskQuery } from '../tasks/filters.js';
import type { RangeOp } from '../tasks/time.js';
import { todayDayMs, tomorrowStartMs } from '../tasks/time.js';
import { MS_PER_DAY } from '../close/dates.js';

export type Executor = Kysely<Database> | Transaction<Database>;

/** A task row with the current names of the objects it points to (reference §10.1). */
export interface TaskWithNames extends TaskRow {
  assigned_to_name: string | null;
  created_by_name: string | null;
  updated_by_name: string | null;
  lead_name: string | null;
  contact_name: string | null;
}

const SQL_OP: Record<RangeOp, '=' | '<' | '<=' | '>' | '>='> = { eq: '=', lt: '<', lte: '<=', gt: '>', gte: '>=' };

type TaskEB = ExpressionBuilder<Database, 'tasks'>;

function userName(alias: string) {
  return sql<string | null>`trim(${sql.ref(`${alias}.first_name`)} || ' ' || ${sql.ref(`${alias}.last_name`)})`;
}

/** Select of tasks joined with the names of assignee, creator, updater, lead and contact. */
function selectWithNames(ex: Executor) {
  return ex
    .selectFrom('tasks')
    .leftJoin('users as ua', 'ua.id', 'tasks.assigned_to')
    .leftJoin('users as uc', 'uc.id', 'tasks.created_by')
    .leftJoin('users as uu', 'uu.id', 'tasks.updated_by')
    .leftJoin('leads as l', 'l.id', 'tasks.lead_id')
    .leftJoin('contacts as c', 'c.id', 'tasks.contact_id')
    .selectAll('tasks')
    .select([
      userName('ua').as('assigned_to_name'),
      userName('uc').as('created_by_name'),
      userName('uu').as('updated_by_name'),
      'l.name as lead_name',
      'c.name as contact_name',
    ]);
}

function conditionExpr(eb: TaskEB, c: TaskCondition) {
  switch (c.kind) {
    case 'none':
      return sql<boolean>`1 = 0`;
    case 'eq':
      return c.value === null ? eb(`tasks.${c.column}`, 'is', null) : eb(`tasks.${c.column}`, '=', c.value);
    case 'in':
      return eb('tasks.id', 'in', c.values);
    case 'bool':
      return c.value === null ? sql<boolean>`1 = 0` : eb('tasks.is_complete', '=', c.value ? 1 : 0);
    case 'dateless':
      return eb('tasks.is_dateless', '=', 1);
    case 'instant':
      return eb(`tasks.${c.column}`, SQL_OP[c.op], c.instantMs);
    case 'date': {
      const timed = eb.and([eb('tasks.date_is_day', '=', 0), eb('tasks.date_ms', SQL_OP[c.op], c.instantMs)]);
      const dated = c.day ? eb.and([eb('tasks.date_is_day', '=', 1), eb('tasks.date_ms', SQL_OP[c.day.op], c.day.dayMs)]) : null;
      const either = dated ? eb.or([timed, dated]) : timed;
      return c.field === 'due_date' ? eb.and([eb('tasks.is_dateless', '=', 0), either]) : either;
    }
  }
}

/**
 * The view's condition for a viewer in `zone` at `nowMs` (D15, D17): inbox is
 * incomplete and before the zone's tomorrow, future incomplete and from it on,
 * archive complete. Inbox and future add a redundant bound on `date_ms` so an index
 * on it serves the range.
 */
function viewExpr(eb: TaskEB, view: 'inbox' | 'future' | 'archive', zone: RequestZone, nowMs: number) {
  if (view === 'archive') return eb('tasks.is_complete', '=', 1);
  const today = todayDayMs(nowMs, zone);
  const tomorrow = tomorrowStartMs(nowMs, zone);
  if (view === 'inbox') {
    return eb.and([
      eb('tasks.is_complete', '=', 0),
      eb('tasks.date_ms', '<', Math.max(tomorrow, today + MS_PER_DAY)),
      eb.or([
        eb.and([eb('tasks.date_is_day', '=', 1), eb('tasks.date_ms', '<=', today)]),
        eb.and([eb('tasks.date_is_day', '=', 0), eb('tasks.date_ms', '<', tomorrow)]),
      ]),
    ]);
  }
  return eb.and([
    eb('tasks.is_complete', '=', 0),
    eb('tasks.date_ms', '>', Math.min(tomorrow, today) - 1),
    eb.or([
      eb.and([eb('tasks.date_is_day', '=', 1), eb('tasks.date_ms', '>', today)]),
      eb.and([eb('tasks.date_is_day', '=', 0), eb('tasks.date_ms', '>=', tomorrow)]),
    ]),
  ]);
}

/** Adds the organization scope and every filter of `q` to a select on `tasks`. */
function applyQuery<O>(
  qb: SelectQueryBuilder<any, 'tasks', O>,
  organizationId: string,
  q: TaskQuery,
  zone: RequestZone,
  nowMs: number,
): SelectQueryBuilder<any, 'tasks', O> {
  return qb.where((eb: TaskEB) => {
    const parts = [eb('tasks.organization_id', '=', organizationId)];
    if (q.types !== 'all') {
      parts.push(q.types.length === 1 ? eb('tasks.type', '=', q.types[0]) : q.types.length ? eb('tasks.type', 'in', q.types) : sql<boolean>`1 = 0` as any);
    }
    if (q.view) parts.push(viewExpr(eb, q.view, zone, nowMs));
    for (const c of q.conditions) parts.push(conditionExpr(eb, c) as any);
    return eb.and(parts);
  });
}

/**
 * The select behind `listTasks`: one page plus one row (to tell `has_more`) of an
 * organization's tasks matching `q`, ordered as `q.orderBy` says (D14: every order
 * ends with `id`; date order per D17: by the instant in the request's zone, then
 * date-only before date-time).
 *
 * Two steps in one statement: a subquery finds the page on `tasks` alone (filters,
 * the sort key `k`, `LIMIT`/`OFFSET`), which the index `tasks_org_view`
 * (organization, type, completion, date, date kind, id) answers without reading
 * rows; only those rows are then read in full, joined with the names, and put in
 * order by the subquery's `k`. Ordering by a date-only task's zone-dependent instant
 * needs every matching row's date, and reading every matching row in full cost most
 * of an inbox request on PostgreSQL. Exposed so a benchmark can send the very same
 * SQL straight to the database (`bench/postgres.ts`).
 */
export function listTasksQuery(
  ex: Executor,
  dialect: DialectName,
  organizationId: string,
  q: TaskQuery,
  zone: RequestZone,
  nowMs: number,
  page: { limit: number; skip: number },
) {
  const desc = q.orderBy.startsWith('-');
  const dir = desc ? 'desc' : 'asc';
  const byCreated = q.orderBy.endsWith('date_created');
  const key = byCreated ? sql<number>`${sql.ref('tasks.date_created')}` : effectiveDateSql(dialect, zone);
  let ids = applyQuery(ex.selectFrom('tasks').select(['tasks.id', 'tasks.date_is_day', key.as('k')]), organizationId, q, zone, nowMs).orderBy('k', dir);
  if (!byCreated) ids = ids.orderBy('tasks.date_is_day', desc ? 'asc' : 'desc');
  ids = ids.orderBy('tasks.id', dir).limit(page.limit + 1).offset(page.skip);
  let qb = selectWithNames(ex).innerJoin(ids.as('page'), 'page.id', 'tasks.id').orderBy('page.k', dir);
  if (!byCreated) qb = qb.orderBy('tasks.date_is_day', desc ? 'asc' : 'desc');
  return qb.orderBy('tasks.id', dir);
}

/**
 * One page of an organization's tasks matching `q`, ordered as `q.orderBy` says
 * (D14: every order ends with `id`; date order per D17), with `has_more` exact (D8).
 */
export async function listTasks(
  ex: Executor,
  dialect: DialectName,
  organizationId: string,
  q: TaskQuery,
  zone: RequestZone,
  nowMs: number,
  page: { limit: number; skip: number },
): Promise<{ rows: TaskWithNames[]; hasMore: boolean }> {
  const rows = (await listTasksQuery(ex, dialect, organizationId, q, zone, nowMs, page).execute()) as TaskWithNames[];
  const hasMore = rows.length > page.limit;
  if (hasMore) rows.pop();
  return { rows, hasMore };
}

/**
 * Ids of the organization's tasks matching `q`, at most `cap` of them, in id order
 * (bulk updates, D23). Inside a transaction on PostgreSQL the rows are locked
 * (`FOR UPDATE`, in id order so concurrent bulk updates cannot deadlock), and a row
 * another transaction changed meanwhile is checked against `q` again in its new
 * state, so a bulk update acts on what it locked.
 */
export async function matchingTaskIds(
  ex: Executor,
  dialect: DialectName,
  organizationId: string,
  q: TaskQuery,
  zone: RequestZone,
  nowMs: number,
  cap: number,
): Promise<string[]> {
  const qb = applyQuery(ex.selectFrom('tasks').select('tasks.id'), organizationId, q, zone, nowMs).orderBy('tasks.id').limit(cap);
  const rows = await lockForUpdate(qb, dialect, 'tasks').execute();
  return rows.map((r) => r.id);
}

/**
 * Locks task `id` of the organization for the rest of the transaction (PostgreSQL;
 * a no-op read on SQLite), waiting for a concurrent writer of that task to finish.
 * Read the task after this call to see its latest committed state.
 * @returns false when the organization has no such task (or it was just deleted).
 */
export async function lockTask(ex: Executor, dialect: DialectName, organizationId: string, id: string): Promise<boolean> {
  const qb = ex.selectFrom('tasks').select('tasks.id').where('tasks.id', '=', id).where('tasks.organization_id', '=', organizationId);
  return (await lockForUpdate(qb, dialect, 'tasks').executeTakeFirst()) !== undefined;
}

/** One task of the organization with its names, or undefined. */
export async function findTask(ex: Executor, organizationId: string, id: string): Promise<TaskWithNames | undefined> {
  return (await selectWithNames(ex)
    .where('tasks.id', '=', id)
    .where('tasks.organization_id', '=', organizationId)
    .executeTakeFirst()) as TaskWithNames | undefined;
}

/** Tasks of the organization with the given ids, with names, in no particular order. */
export async function findTasks(ex: Executor, organizationId: string, ids: string[]): Promise<TaskWithNames[]> {
  if (!ids.length) return [];
  return (await selectWithNames(ex)
    .where('tasks.id', 'in', ids)
    .where('tasks.organization_id', '=', organizationId)
    .execute()) as TaskWithNames[];
}

/** The organization that owns task `id`, if any task has that id. */
export async function taskOwner(ex: Executor, id: string): Promise<string | undefined> {
  const r = await ex.selectFrom('tasks').select('organization_id').where('id', '=', id).executeTakeFirst();
  return r?.organization_id;
}

export async function insertTask(ex: Executor, row: TaskRow): Promise<void> {
  await ex.insertInto('tasks').values(row).execute();
}

/** Inserts many tasks in multi-row statements (the importer), skipping ids that exist. */
export async function insertTasksIgnoringExisting(ex: Executor, rows: TaskRow[]): Promise<void> {
  // 22 columns a row; stay well under SQLite's 32766 bound parameters.
  for (let i = 0; i < rows.length; i += 500) {
    await ex
      .insertInto('tasks')
      .values(rows.slice(i, i + 500))
      .onConflict((oc) => oc.column('id').doNothing())
      .execute();
  }
}

export async function updateTask(ex: Executor, id: string, patch: Partial<TaskRow>): Promise<void> {
  await ex.updateTable('tasks').set(patch).where('id', '=', id).execute();
}

export async function deleteTask(ex: Executor, id: string): Promise<void> {
  await ex.deleteFrom('tasks').where('id', '=', id).execute();
}

/** Ids of a lead's tasks (lead deletion cascades, issue 2). */
export async function taskIdsOfLead(ex: Executor, leadId: string): Promise<string[]> {
  const rows = await ex.selectFrom('tasks').select('id').where('lead_id', '=', leadId).execute();
  return rows.map((r) => r.id);
}

/** Open tasks of some leads, with names, for embedding in lead objects (reference §13.4). */
export async function openTasksOfLeads(ex: Executor, organizationId: string, leadIds: string[]): Promise<TaskWithNames[]> {
  if (!leadIds.length) return [];
  return (await selectWithNames(ex)
    .where('tasks.organization_id', '=', organizationId)
    .where('tasks.lead_id', 'in', leadIds)
    .where('tasks.is_complete', '=', 0)
    .orderBy('tasks.date_ms')
    .orderBy('tasks.id')
    .execute()) as TaskWithNames[];
}
