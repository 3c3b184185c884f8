/**
 * Task storage: every SQL statement about tasks. Functions take the executor first
 * (the database or an open transaction), so callers choose the transaction
 * (architecture: repositories take the executor first).
 *
 * Writes here are called only by `tasks/writes.ts`, which records the event of every
 * task change (issue 5); nothing else changes task rows.
 *
 * WHERE clauses are built only from a `TaskSelection` (whitelisted Close parameters,
 * parsed by `tasks/filters.ts`), never from request text.
 */
import type { ExpressionBuilder, SelectQueryBuilder } from 'kysely';
import type { Database, TaskRow } from './schema.js';
import { forUpdate, sameOrganization, type Executor } from './executor.js';
import { findTasks, withNames } from './taskrows.repo.js';

export { findTasks, findTasksBy, rowKeyColumn, rowKeyOf, withNames, type KnownNames, type RowKey } from './taskrows.repo.js';
import { NOTHING, SQL_OP } from './sql.js';
import type { DateCondition, RangeOp } from '../close/localday.js';

/** A task row with the current names of the objects it points to (reference §10.1). */
export interface TaskWithNames extends TaskRow {
  assigned_to_name: string | null;
  created_by_name: string | null;
  updated_by_name: string | null;
  lead_name: string | null;
  contact_name: string | null;
}

/** A condition on task columns, as `tasks/filters.ts` and `tasks/views.ts` produce them. */
export type TaskCondition =
  | { kind: 'eq'; column: 'lead_id' | 'assigned_to' | 'organization_id'; value: string | null }
  | { kind: 'in'; column: 'id'; values: string[] }
  | { kind: 'bool'; column: 'is_complete'; value: boolean }
  /**
   * `date`/`due_date` compared with an instant (`close/localday.ts` `DateCondition`:
   * date-time tasks by instant, date-only tasks by day). `due_date` also excludes
   * dateless tasks, whose `due_date` is null.
   */
  | { kind: 'date'; field: 'date' | 'due_date'; cond: DateCondition }
  /** `due_date=` (empty): dateless tasks. */
  | { kind: 'dateless' }
  | { kind: 'instant'; column: 'date_created' | 'date_updated'; op: RangeOp; instantMs: number }
  /** A filter that matches nothing. */
  | { kind: 'none' };

export type TaskOrder = 'date' | '-date' | 'date_created' | '-date_created';

/** Which tasks of an organization a list or bulk update is about. */
export interface TaskSelection {
  /** `_type` names to include, or `all` (D10). */
  types: readonly string[] | 'all';
  /** ANDed. */
  conditions: TaskCondition[];
  orderBy: TaskOrder;
}

type TaskEB = ExpressionBuilder<Database, 'tasks'>;

/** Which stored kind of `date` a query reads: date-only rows (1), date-time rows (0), or both. */
export type DayKind = 0 | 1 | null;

/** `c` in SQL, for rows of date kind `kind` (see `close/localday.ts` `matchesDateCondition`, its JS twin). */
function dateExpr(eb: TaskEB, c: DateCondition, kind: DayKind) {
  const timed = eb('tasks.date_ms', SQL_OP[c.op], c.instantMs);
  const dated = c.day ? eb('tasks.date_ms', SQL_OP[c.day.op], c.day.dayMs) : NOTHING;
  if (kind === 0) return timed;
  if (kind === 1) return dated;
  return eb.or([eb.and([eb('tasks.date_is_day', '=', 0), timed]), eb.and([eb('tasks.date_is_day', '=', 1), dated])]);
}

function conditionExpr(eb: TaskEB, c: TaskCondition, kind: DayKind) {
  switch (c.kind) {
    case 'none':
      return NOTHING;
    case 'eq':
      return c.value === null ? eb(`tasks.${c.column}`, 'is', null) : eb(`tasks.${c.column}`, '=', c.value);
    case 'in':
      return c.values.length === 1 ? eb('tasks.id', '=', c.values[0]) : c.values.length ? eb('tasks.id', 'in', c.values) : NOTHING;
    case 'bool':
      return eb('tasks.is_complete', '=', c.value ? 1 : 0);
    case 'dateless':
      return eb('tasks.is_dateless', '=', 1);
    case 'instant':
      return eb(`tasks.${c.column}`, SQL_OP[c.op], c.instantMs);
    case 'date': {
      const either = dateExpr(eb, c.cond, kind);
      return c.field === 'due_date' ? eb.and([eb('tasks.is_dateless', '=', 0), either]) : either;
    }
  }
}

/** Adds the organization scope and every condition of `q` to a select on `tasks`, for rows of date kind `kind`. */
export function applySelection<O>(qb: SelectQueryBuilder<any, 'tasks', O>, organizationId: string, q: TaskSelection, kind: DayKind = null): SelectQueryBuilder<any, 'tasks', O> {
  // With an id list (`id__in`, a bulk update's ids) the rows are found by primary key:
  // the organization is then checked in a form no index serves (`sameOrganization`).
  const byIds = q.conditions.some((c) => c.kind === 'in' && c.values.length > 0);
  return qb.where((eb: TaskEB) => {
    const parts = [byIds ? sameOrganization('tasks.organization_id', organizationId) : eb('tasks.organization_id', '=', organizationId)];
    if (kind !== null) parts.push(eb('tasks.date_is_day', '=', kind));
    if (q.types !== 'all') {
      parts.push(q.types.length === 1 ? eb('tasks.type', '=', q.types[0]) : q.types.length ? eb('tasks.type', 'in', [...q.types]) : (NOTHING as any));
    }
    for (const c of q.conditions) parts.push(conditionExpr(eb, c, kind) as any);
    return eb.and(parts);
  });
}


/**
 * Ids of the organization's tasks matching `q`, at most `cap` of them, in id order
 * (bulk updates, D23). Inside a write transaction the rows are locked (`forUpdate`, in
 * id order so concurrent bulk updates cannot deadlock), and a row another transaction
 * changed meanwhile is checked against `q` again in its new state, so a bulk update
 * acts on what it locked.
 */
export async function lockMatchingTaskIds(trx: Executor, organizationId: string, q: TaskSelection, cap: number): Promise<string[]> {
  const qb = applySelection(trx.selectFrom('tasks').select('tasks.id'), organizationId, q).orderBy('tasks.id').limit(cap);
  return (await forUpdate(trx, 'tasks', qb).execute()).map((r) => r.id);
}

/**
 * Rows of the organization's tasks with the given ids, in no particular order. The
 * organization is checked here rather than in SQL, so the planner always looks the
 * ids up by primary key (without table statistics, SQLite may prefer scanning the
 * organization's index instead).
 */
async function rowsByIds(ex: Executor, organizationId: string, ids: readonly string[]): Promise<TaskRow[]> {
  if (!ids.length) return [];
  const rows = await ex.selectFrom('tasks').selectAll().where('id', 'in', [...ids]).execute();
  return rows.filter((r) => r.organization_id === organizationId);
}

/** One task of the organization with its names, or undefined (`findTasks`: one statement). */
export async function findTask(ex: Executor, organizationId: string, id: string): Promise<TaskWithNames | undefined> {
  return (await findTasks(ex, organizationId, [id]))[0];
}


/** Rows of the organization's tasks with the given ids, without names (the generated-task rules). */
export async function findTaskRows(ex: Executor, organizationId: string, ids: readonly string[]): Promise<TaskRow[]> {
  return rowsByIds(ex, organizationId, ids);
}

/** Inserts tasks in multi-row statements (23 columns a row; well under SQLite's bound-parameter limit). */
export async function insertTaskRows(ex: Executor, rows: TaskRow[]): Promise<void> {
  for (let i = 0; i < rows.length; i += 500) await ex.insertInto('tasks').values(rows.slice(i, i + 500)).execute();
}

/** Inserts tasks in multi-row statements (the importer), skipping ids that exist. */
export async function insertTaskRowsIgnoringExisting(ex: Executor, rows: TaskRow[]): Promise<void> {
  for (let i = 0; i < rows.length; i += 500) {
    await ex
      .insertInto('tasks')
      .values(rows.slice(i, i + 500))
      .onConflict((oc) => oc.column('id').doNothing())
      .execute();
  }
}

/** Sets `patch` on task `id`. */
export async function updateTaskRow(ex: Executor, id: string, patch: Partial<TaskRow>): Promise<void> {
  await ex.updateTable('tasks').set(patch).where('id', '=', id).execute();
}

/** Sets the same `patch` on every task of `ids` (of the organization; found by primary key, `sameOrganization`). */
export async function updateTaskRows(ex: Executor, organizationId: string, ids: readonly string[], patch: Partial<TaskRow>): Promise<void> {
  if (!ids.length) return;
  await ex.updateTable('tasks').set(patch).where('id', 'in', [...ids]).where(sameOrganization('organization_id', organizationId)).execute();
}

/** Deletes the organization's tasks with the given ids (found by primary key, `sameOrganization`). */
export async function deleteTaskRows(ex: Executor, organizationId: string, ids: readonly string[]): Promise<void> {
  if (!ids.length) return;
  await ex.deleteFrom('tasks').where('id', 'in', [...ids]).where(sameOrganization('organization_id', organizationId)).execute();
}

/** Ids of a lead's tasks, in id order (lead deletion cascades, issue 2). */
export async function taskIdsOfLead(ex: Executor, organizationId: string, leadId: string): Promise<string[]> {
  const rows = await ex.selectFrom('tasks').select('id').where('organization_id', '=', organizationId).where('lead_id', '=', leadId).orderBy('id').execute();
  return rows.map((r) => r.id);
}

/** Ids of the tasks that name a contact, in id order (contact deletion). */
export async function taskIdsOfContact(ex: Executor, organizationId: string, contactId: string): Promise<string[]> {
  const rows = await ex.selectFrom('tasks').select('id').where('organization_id', '=', organizationId).where('contact_id', '=', contactId).orderBy('id').execute();
  return rows.map((r) => r.id);
}

/** Open tasks of some leads, with names, in date then id order, for embedding in lead objects (reference §13.4). */
export async function openTasksOfLeads(ex: Executor, organizationId: string, leadIds: string[], perLead?: number): Promise<TaskWithNames[]> {
  if (!leadIds.length) return [];
  const one = (leadId: string) => {
    const qb = ex.selectFrom('tasks').selectAll().where('lead_id', '=', leadId).where('is_complete', '=', 0).where('organization_id', '=', organizationId).orderBy('date_ms').orderBy('id');
    return perLead === undefined ? qb : qb.limit(perLead);
  };
  // One query: the first `perLead` of each lead from the front of its range of the
  // index `tasks_lead_open` (migration 0005), nothing else of the lead read or sorted.
  // A page holds at most 200 leads, under SQLite's 500 terms of a compound select.
  const [head, ...rest] = [...new Set(leadIds)].map((id) => ex.selectFrom(one(id).as('t')).selectAll());
  const all = rest.reduce((u, q) => u.unionAll(q), head);
  const rows = await ex.selectFrom(all.as('u')).selectAll().orderBy('date_ms').orderBy('id').execute();
  return withNames(ex, rows as TaskRow[]);
}

/**
 * Open tasks of the organization with `match_key` = `key` and a type in `types`
 * (automatic completion, D30; index `tasks_match`), oldest first.
 */
export async function openTasksByKey(ex: Executor, organizationId: string, key: string, types: readonly string[]): Promise<TaskRow[]> {
  if (!types.length) return [];
  return ex
    .selectFrom('tasks')
    .selectAll()
    .where('organization_id', '=', organizationId)
    .where('match_key', '=', key)
    .where('is_complete', '=', 0)
    .where('type', 'in', [...types])
    .orderBy('date_created')
    .orderBy('id')
    .execute();
}

/** Every task (open or complete) of the organization whose object is `objectId`, oldest first (index `tasks_object`). */
export async function tasksOfObject(ex: Executor, organizationId: string, objectId: string): Promise<TaskRow[]> {
  return ex
    .selectFrom('tasks')
    .selectAll()
    .where('object_id', '=', objectId)
    .where('organization_id', '=', organizationId)
    .orderBy('date_created')
    .orderBy('id')
    .execute();
}

/** Of the organization's tasks `ids`, the organization of each that exists (the importer's id check), any organization. */
export async function taskOwners(ex: Executor, ids: readonly string[]): Promise<Map<string, string>> {
  if (!ids.length) return new Map();
  const rows = await ex.selectFrom('tasks').select(['id', 'organization_id']).where('id', 'in', [...ids]).execute();
  return new Map(rows.map((r) => [r.id, r.organization_id]));
}

/** How many generated (`noti_`) tasks of the organization were created at `ms` (the demo's count). */
export async function countGeneratedTasksCreatedAt(ex: Executor, organizationId: string, ms: number): Promise<number> {
  const row = await ex
    .selectFrom('tasks')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('organization_id', '=', organizationId)
    .where('id', 'like', 'noti_%')
    .where('date_created', '=', ms)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

