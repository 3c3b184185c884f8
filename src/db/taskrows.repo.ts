/**
 * Task rows read with the current names of what they point to (reference §10.1): by id
 * or by a list's row keys, whole or only the columns a `_fields` list needs, and rows
 * just written with their names carried over (issue 12). Part of the task repository
 * (`tasks.repo.ts` re-exports it).
 */
import { sql } from 'kysely';
import type { TaskRow } from './schema.js';
import { isSqlite, type Executor } from './executor.js';
import type { TaskWithNames } from './tasks.repo.js';

/** `first_name last_name` trimmed, as `withNames` makes it; null when the user row is missing. */
export function fullName(first: string | null, last: string | null): string | null {
  return first === null ? null : `${first} ${last}`.trim();
}

/**
 * How a list's statements name the rows of a page between picking and fetching them:
 * SQLite's `rowid` (one b-tree descent per row, and a number instead of a 48-character
 * string to read from the index), else the primary key `id` (issue 12).
 */
export type RowKey = 'rowid' | 'id';

/** The `RowKey` of `ex`'s database. */
export function rowKeyOf(ex: Executor): RowKey {
  return isSqlite(ex) ? 'rowid' : 'id';
}

/** The row key column of `tasks` as a selectable expression named `key`. */
export function rowKeyColumn(ex: Executor) {
  return rowKeyOf(ex) === 'rowid' ? sql<number>`tasks.rowid`.as('key') : sql<string>`tasks.id`.as('key');
}

/**
 * Tasks of the organization with the given ids, with the current names of their users,
 * lead and contact, in one statement (primary-key joins; names as `withNames` makes
 * them), in no particular order. The organization is checked here, as in `rowsByIds`.
 */
export async function findTasks(ex: Executor, organizationId: string, ids: readonly string[]): Promise<TaskWithNames[]> {
  return [...(await findTasksBy(ex, organizationId, 'id', ids)).values()];
}

/**
 * Wire fields of a task (`tasks/serialize.ts`) and the columns each is computed from;
 * a field not here comes from `extra`. `*_name` fields also need their join.
 */
const FIELD_COLUMNS: Record<string, readonly (keyof TaskRow)[]> = {
  _type: ['type'],
  assigned_to: ['assigned_to'],
  assigned_to_name: ['assigned_to'],
  contact_id: ['contact_id'],
  contact_name: ['contact_id'],
  created_by: ['created_by'],
  created_by_name: ['created_by'],
  date: ['date_ms', 'date_is_day'],
  date_created: ['date_created'],
  date_updated: ['date_updated'],
  due_date: ['date_ms', 'date_is_day', 'is_dateless'],
  id: ['id'],
  is_complete: ['is_complete'],
  is_dateless: ['is_dateless'],
  lead_id: ['lead_id'],
  lead_name: ['lead_id'],
  object_id: ['object_id'],
  object_type: ['object_type'],
  organization_id: ['organization_id'],
  priority: ['priority'],
  resolution: ['resolution'],
  text: ['text'],
  updated_by: ['updated_by'],
  updated_by_name: ['updated_by'],
  view: ['is_complete', 'date_ms', 'date_is_day'],
};

/**
 * As `findTasks`, the rows named by `key` values (`rowKeyOf`: SQLite rowids from a
 * list's picking statements, or ids), by key value. With `fields` (a `_fields` list),
 * only the columns and joins those fields are computed from are read (issue 12: a
 * projection costs less than the whole task); the other properties of the rows are
 * then absent. With `known` (whole rows only), names come from it and from one lookup
 * per table for the ids it lacks (`withNames`), instead of five joins per row.
 */
export async function findTasksBy(
  ex: Executor,
  organizationId: string,
  key: RowKey,
  values: readonly (string | number)[],
  fields: ReadonlySet<string> | null = null,
  known?: KnownNames,
): Promise<Map<string | number, TaskWithNames>> {
  const out = new Map<string | number, TaskWithNames>();
  if (!values.length) return out;
  const all = fields === null;
  // Names from `known` (whole rows only) instead of the joins.
  const named = all && known !== undefined;
  const wants = (f: string) => all || fields.has(f);
  const joins = (f: string) => !named && wants(f);
  // Always: what identifies the row and what every task's text is computed from (its date).
  const columns = new Set<keyof TaskRow>(['id', 'type', 'organization_id', 'date_ms', 'date_is_day']);
  if (!all) {
    for (const f of fields) {
      if (Object.hasOwn(FIELD_COLUMNS, f)) for (const c of FIELD_COLUMNS[f]) columns.add(c);
      else columns.add('extra');
    }
  }
  const rows = (await ex
    .selectFrom('tasks as t')
    .$if(all, (qb) => qb.selectAll('t'))
    .$if(!all, (qb) => qb.select([...columns].map((c) => `t.${c}` as const)))
    .$if(joins('assigned_to_name'), (qb) => qb.leftJoin('users as ua', 'ua.id', 't.assigned_to').select(['ua.first_name as ua_first', 'ua.last_name as ua_last']))
    .$if(joins('created_by_name'), (qb) => qb.leftJoin('users as uc', 'uc.id', 't.created_by').select(['uc.first_name as uc_first', 'uc.last_name as uc_last']))
    .$if(joins('updated_by_name'), (qb) => qb.leftJoin('users as uu', 'uu.id', 't.updated_by').select(['uu.first_name as uu_first', 'uu.last_name as uu_last']))
    .$if(joins('lead_name'), (qb) => qb.leftJoin('leads as l', 'l.id', 't.lead_id').select('l.name as lead_name'))
    .$if(joins('contact_name'), (qb) => qb.leftJoin('contacts as c', 'c.id', 't.contact_id').select('c.name as contact_name'))
    .$if(key === 'rowid', (qb) => qb.select(sql<number>`t.rowid`.as('row_key')))
    .where(key === 'rowid' ? sql.ref('t.rowid') : 't.id', 'in', [...values] as string[])
    .execute()) as unknown as (TaskRow & Record<string, string | null> & { row_key?: number })[];
  if (named) {
    const mine = rows.filter((r) => r.organization_id === organizationId);
    for (const r of await withNames(ex, mine, undefined, known)) out.set(key === 'rowid' ? (r as { row_key?: number }).row_key! : r.id, r);
    return out;
  }
  for (const r of rows) {
    if (r.organization_id !== organizationId) continue;
    const row = r as unknown as TaskWithNames;
    if (wants('assigned_to_name')) row.assigned_to_name = fullName(r.ua_first, r.ua_last);
    if (wants('created_by_name')) row.created_by_name = r.created_by ? fullName(r.uc_first, r.uc_last) : null;
    if (wants('updated_by_name')) row.updated_by_name = r.updated_by ? fullName(r.uu_first, r.uu_last) : null;
    if (wants('lead_name')) row.lead_name = r.lead_id ? r.lead_name : null;
    if (wants('contact_name')) row.contact_name = r.contact_id ? r.contact_name : null;
    out.set(key === 'rowid' ? r.row_key! : r.id, row);
  }
  return out;
}

/**
 * Names already read, by id per table (`users`: the full name, as `fullName` makes it),
 * null for a row that does not exist. The keeper must forget them whenever a user, lead
 * or contact changes, and add one to `version` as it does (`tasks/fragments.ts` does,
 * told by SQLite's row changes): lookups trust them blindly. Filled by `withNames` with
 * what it read, unless `version` moved while it read.
 */
export interface KnownNames {
  version: number;
  users: Map<string, string | null>;
  leads: Map<string, string | null>;
  contacts: Map<string, string | null>;
}

/** Most names `withNames` adds to a `KnownNames` table; a full table starts over. */
const MAX_KNOWN_NAMES = 50_000;

/** The tables tasks take names from. */
const NAME_TABLES = ['users', 'leads', 'contacts'] as const;

/** The name fields of a task, each with the column naming what it names. */
const NAME_FIELDS = [
  ['assigned_to_name', 'assigned_to', 'users'],
  ['created_by_name', 'created_by', 'users'],
  ['updated_by_name', 'updated_by', 'users'],
  ['lead_name', 'lead_id', 'leads'],
  ['contact_name', 'contact_id', 'contacts'],
] as const;

/**
 * `rows` with the current names of the objects they point to, one query per table for
 * the batch (primary-key lookups), in place. With `before` (`before[i]` is `rows[i]` as
 * read earlier in the same transaction, with names: a row just patched), a name whose id
 * did not change is carried over and only the others are read, which saves reading back
 * rows the caller has just written (a bulk update of 1000 tasks, issue 12).
 */
export async function withNames(ex: Executor, rows: TaskRow[], before?: readonly TaskWithNames[], known?: KnownNames): Promise<TaskWithNames[]> {
  const carried = (i: number, idField: (typeof NAME_FIELDS)[number][1], id: string) => before !== undefined && before[i][idField] === id;
  // This call's own names: what `known` holds now, then what it reads. Other requests
  // may empty `known` while this one awaits its statements; its answer stays whole.
  const names = { users: new Map<string, string | null>(), leads: new Map<string, string | null>(), contacts: new Map<string, string | null>() };
  const version = known?.version;
  const wanted = { users: new Set<string>(), leads: new Set<string>(), contacts: new Set<string>() };
  for (let i = 0; i < rows.length; i++) {
    for (const [, idField, table] of NAME_FIELDS) {
      const id = rows[i][idField];
      if (id === null || carried(i, idField, id) || names[table].has(id)) continue;
      const name = known?.[table].get(id);
      if (name !== undefined) names[table].set(id, name);
      else wanted[table].add(id);
    }
  }
  for (const table of NAME_TABLES) {
    if (!wanted[table].size) continue;
    const ids = [...wanted[table]];
    const found =
      table === 'users'
        ? (await ex.selectFrom('users').select(['id', 'first_name', 'last_name']).where('id', 'in', ids).execute()).map((u) => [u.id, fullName(u.first_name, u.last_name)] as const)
        : (await ex.selectFrom(table).select(['id', 'name']).where('id', 'in', ids).execute()).map((r) => [r.id, r.name] as const);
    for (const id of ids) names[table].set(id, null); // an id that names no row reads as null
    for (const [id, name] of found) names[table].set(id, name);
  }
  // What was read goes into `known` only if nothing was forgotten since this call began:
  // names read before a change must not outlive it.
  if (known && known.version === version) {
    for (const table of NAME_TABLES) {
      if (!wanted[table].size) continue;
      // A full table starts over (it may pass the bound by one batch).
      if (known[table].size >= MAX_KNOWN_NAMES) known[table].clear();
      for (const id of wanted[table]) known[table].set(id, names[table].get(id)!);
    }
  }
  return rows.map((row, i) => {
    const out = row as TaskWithNames;
    for (const [nameField, idField, table] of NAME_FIELDS) {
      const id = row[idField];
      out[nameField] = id === null ? null : carried(i, idField, id) ? before![i][nameField] : (names[table].get(id) ?? null);
    }
    return out;
  });
}
