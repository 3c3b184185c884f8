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
import { lockForUpdate, type DialectName } from './dialect.js';
import type { RequestZone } from '../close/zone.js';
import type { TaskCondition, TaskQuery } from '../tasks/filters.js';
import type { RangeOp } from '../tasks/time.js';
import { localMidnightMs, todayDayMs, tomorrowStartMs } from '../tasks/time.js';

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

/**
 * Adds the current names of the objects each task points to: one query per table for
 * the whole batch (primary-key lookups), cheaper than joining five times per row.
 */
async function withNames(ex: Executor, rows: TaskRow[]): Promise<TaskWithNames[]> {
  if (!rows.length) return [];
  const userIds = new Set<string>();
  const leadIds = new Set<string>();
  const contactIds = new Set<string>();
  for (const r of rows) {
    userIds.add(r.assigned_to);
    if (r.created_by) userIds.add(r.created_by);
    if (r.updated_by) userIds.add(r.updated_by);
    if (r.lead_id) leadIds.add(r.lead_id);
    if (r.contact_id) contactIds.add(r.contact_id);
  }
  const users = new Map(
    (await ex.selectFrom('users').select(['id', 'first_name', 'last_name']).where('id', 'in', [...userIds]).execute()).map((u) => [
      u.id,
      `${u.first_name} ${u.last_name}`.trim(),
    ]),
  );
  const leads = leadIds.size
    ? new Map((await ex.selectFrom('leads').select(['id', 'name']).where('id', 'in', [...leadIds]).execute()).map((l) => [l.id, l.name]))
    : new Map<string, string>();
  const contacts = contactIds.size
    ? new Map((await ex.selectFrom('contacts').select(['id', 'name']).where('id', 'in', [...contactIds]).execute()).map((c) => [c.id, c.name]))
    : new Map<string, string>();
  // The rows are fresh objects from this query: add the names in place rather than copy.
  for (const r of rows as TaskWithNames[]) {
    r.assigned_to_name = users.get(r.assigned_to) ?? null;
    r.created_by_name = r.created_by ? (users.get(r.created_by) ?? null) : null;
    r.updated_by_name = r.updated_by ? (users.get(r.updated_by) ?? null) : null;
    r.lead_name = r.lead_id ? (leads.get(r.lead_id) ?? null) : null;
    r.contact_name = r.contact_id ? (contacts.get(r.contact_id) ?? null) : null;
  }
  return rows as TaskWithNames[];
}

/** Which stored kind of `date` a query reads: date-only rows (1), date-time rows (0), or both. */
type DayKind = 0 | 1 | null;

function conditionExpr(eb: TaskEB, c: TaskCondition, kind: DayKind) {
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
      // Date-time rows compare their instant; date-only rows their day (see dayConditionFor).
      const timed = eb('tasks.date_ms', SQL_OP[c.op], c.instantMs);
      const dated = c.day ? eb('tasks.date_ms', SQL_OP[c.day.op], c.day.dayMs) : sql<boolean>`1 = 0`;
      const either =
        kind === 0
          ? timed
          : kind === 1
            ? dated
            : eb.or([eb.and([eb('tasks.date_is_day', '=', 0), timed]), eb.and([eb('tasks.date_is_day', '=', 1), dated])]);
      return c.field === 'due_date' ? eb.and([eb('tasks.is_dateless', '=', 0), either]) : either;
    }
  }
}

/**
 * The view's condition for a viewer in `zone` at `nowMs` (D15, D17): inbox is
 * incomplete and before the zone's tomorrow (date-only rows: up to today), future
 * incomplete and from it on, archive complete.
 */
function viewExpr(eb: TaskEB, view: 'inbox' | 'future' | 'archive', zone: RequestZone, nowMs: number, kind: DayKind) {
  if (view === 'archive') return eb('tasks.is_complete', '=', 1);
  const today = todayDayMs(nowMs, zone);
  const tomorrow = tomorrowStartMs(nowMs, zone);
  const inbox = view === 'inbox';
  const timed = eb('tasks.date_ms', inbox ? '<' : '>=', tomorrow);
  const dated = eb('tasks.date_ms', inbox ? '<=' : '>', today);
  const dateCond =
    kind === 0 ? timed : kind === 1 ? dated : eb.or([eb.and([eb('tasks.date_is_day', '=', 0), timed]), eb.and([eb('tasks.date_is_day', '=', 1), dated])]);
  return eb.and([eb('tasks.is_complete', '=', 0), dateCond]);
}

/** Adds the organization scope and every filter of `q` to a select on `tasks`, for rows of date kind `kind`. */
function applyQuery<O>(
  qb: SelectQueryBuilder<any, 'tasks', O>,
  organizationId: string,
  q: TaskQuery,
  zone: RequestZone,
  nowMs: number,
  kind: DayKind = null,
): SelectQueryBuilder<any, 'tasks', O> {
  return qb.where((eb: TaskEB) => {
    const parts = [eb('tasks.organization_id', '=', organizationId)];
    if (kind !== null) parts.push(eb('tasks.date_is_day', '=', kind));
    if (q.types !== 'all') {
      parts.push(q.types.length === 1 ? eb('tasks.type', '=', q.types[0]) : q.types.length ? eb('tasks.type', 'in', q.types) : (sql<boolean>`1 = 0` as any));
    }
    if (q.view) parts.push(viewExpr(eb, q.view, zone, nowMs, kind));
    for (const c of q.conditions) parts.push(conditionExpr(eb, c, kind) as any);
    return eb.and(parts);
  });
}

/** A task picked for a page: its id and stored date, the row itself fetched after. */
type Picked = { id: string; date_ms: number };

/**
 * The tasks from `skip` to `skip + limit` (one more, to know `has_more`) in `date`
 * order (D14, D17). Date-only and date-time rows are read as two streams of ids, each
 * in stored order straight from a covering index (date-only rows sort by day, which
 * local midnight preserves), and merged here by the instant each stands for in
 * `zone`: date-only first at equal instants, then stored value, then id. So no query
 * sorts, or does zone arithmetic over, every matching row, and only the page's rows
 * are read whole.
 */
async function pickByDate(
  ex: Executor,
  organizationId: string,
  q: TaskQuery,
  zone: RequestZone,
  nowMs: number,
  page: { limit: number; skip: number },
): Promise<Picked[]> {
  const desc = q.orderBy === '-date';
  const dir = desc ? 'desc' : 'asc';
  const want = page.skip + page.limit + 1;
  const stream = async (kind: 0 | 1): Promise<Picked[]> =>
    (await applyQuery(ex.selectFrom('tasks').select(['tasks.id', 'tasks.date_ms']), organizationId, q, zone, nowMs, kind)
      .orderBy('tasks.date_ms', dir)
      .orderBy('tasks.id', dir)
      .limit(want)
      .execute()) as Picked[];
  const days = await stream(1);
  const times = await stream(0);
  // Is date-only row `a` before date-time row `b` in ascending order?
  const dayFirst = (a: Picked, b: Picked) => {
    const ka = localMidnightMs(Number(a.date_ms), zone);
    return ka === Number(b.date_ms) ? true : ka < Number(b.date_ms); // equal instants: date-only first (D17)
  };
  const out: Picked[] = [];
  let i = 0;
  let j = 0;
  while (out.length < want && (i < days.length || j < times.length)) {
    let takeDay: boolean;
    if (i >= days.length) takeDay = false;
    else if (j >= times.length) takeDay = true;
    else takeDay = dayFirst(days[i], times[j]) !== desc;
    out.push(takeDay ? days[i++] : times[j++]);
  }
  return out.slice(page.skip);
}

/**
 * One page of an organization's tasks matching `q`, ordered as `q.orderBy` says
 * (D14: every order ends with `id`; date order per D17), with `has_more` exact (D8).
 */
export async function listTasks(
  ex: Executor,
  organizationId: string,
  q: TaskQuery,
  zone: RequestZone,
  nowMs: number,
  page: { limit: number; skip: number },
): Promise<{ rows: TaskWithNames[]; hasMore: boolean }> {
  let ids: string[];
  if (q.orderBy === 'date' || q.orderBy === '-date') {
    ids = (await pickByDate(ex, organizationId, q, zone, nowMs, page)).map((p) => p.id);
  } else {
    const dir = q.orderBy === '-date_created' ? 'desc' : 'asc';
    const rows = await applyQuery(ex.selectFrom('tasks').select('tasks.id'), organizationId, q, zone, nowMs)
      .orderBy('tasks.date_created', dir)
      .orderBy('tasks.id', dir)
      .limit(page.limit + 1)
      .offset(page.skip)
      .execute();
    ids = rows.map((r) => r.id);
  }
  const hasMore = ids.length > page.limit;
  if (hasMore) ids.pop();
  if (!ids.length) return { rows: [], hasMore };
  const fetched = new Map((await rowsByIds(ex, organizationId, ids)).map((r) => [r.id, r] as const));
  const rows: TaskRow[] = [];
  for (const id of ids) {
    const r = fetched.get(id);
    if (r) rows.push(r);
  }
  return { rows: await withNames(ex, rows), hasMore };
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
 * Locks task `id` of the organization until the transaction ends (PostgreSQL; a no-op
 * on SQLite, whose writers are serialized), before a read-modify-write of it.
 * @returns false when the organization has no such task.
 */
export async function lockTask(ex: Executor, dialect: DialectName, organizationId: string, id: string): Promise<boolean> {
  const qb = ex.selectFrom('tasks').select('tasks.id').where('tasks.id', '=', id).where('tasks.organization_id', '=', organizationId);
  return (await lockForUpdate(qb, dialect, 'tasks').executeTakeFirst()) !== undefined;
}

/**
 * Rows of the organization's tasks with the given ids, in no particular order. The
 * organization is checked here rather than in SQL, so the planner always looks the
 * ids up by primary key (without table statistics, SQLite may prefer scanning the
 * organization's index instead).
 */
async function rowsByIds(ex: Executor, organizationId: string, ids: string[]): Promise<TaskRow[]> {
  if (!ids.length) return [];
  const rows = await ex.selectFrom('tasks').selectAll().where('id', 'in', ids).execute();
  return rows.filter((r) => r.organization_id === organizationId);
}

/** One task of the organization with its names, or undefined. */
export async function findTask(ex: Executor, organizationId: string, id: string): Promise<TaskWithNames | undefined> {
  const row = await ex.selectFrom('tasks').selectAll().where('id', '=', id).where('organization_id', '=', organizationId).executeTakeFirst();
  return row ? (await withNames(ex, [row]))[0] : undefined;
}

/** Tasks of the organization with the given ids, with names, in no particular order. */
export async function findTasks(ex: Executor, organizationId: string, ids: string[]): Promise<TaskWithNames[]> {
  return withNames(ex, await rowsByIds(ex, organizationId, ids));
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
  // 23 columns a row; stay well under SQLite's 32766 bound parameters.
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
  const rows = await ex
    .selectFrom('tasks')
    .selectAll()
    .where('organization_id', '=', organizationId)
    .where('lead_id', 'in', leadIds)
    .where('is_complete', '=', 0)
    .orderBy('date_ms')
    .orderBy('id')
    .execute();
  return withNames(ex, rows);
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
