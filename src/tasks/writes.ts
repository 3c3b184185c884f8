/**
 * Every change to a task row goes through the four functions here, and nowhere else:
 * `insertTasks`, `updateTasks`, `deleteTasks`, plus `lockTasks` to lock rows before a
 * read-modify-write. Each records the events of what it changed (issue 5,
 * reference §12.2: `task.<_type>` `created`, `updated`, `completed`, `deleted`) in the
 * caller's transaction, in one batch, so no writer (the task API, generated tasks,
 * leads, contacts) can change a task without its event, and none wires events by hand.
 *
 * Event JSON of a task is `serializeTask` seen from UTC with `view` null: `view`
 * depends on who looks and when, and Close's own task events carry `"view": null`.
 */
import type { TaskRow } from '../db/schema.js';
import { lockRows, type Executor } from '../db/executor.js';
import { deleteTaskRows, findTasks, insertTaskRows, insertTaskRowsIgnoringExisting, updateTaskRow, updateTaskRows, withNames, type TaskWithNames } from '../db/tasks.repo.js';
import { UTC_ZONE } from '../close/zone.js';
import { recordEvents, taskEvent, type EventSource, type NewEvent, type TaskJson } from '../events/record.js';
import { serializeTask } from './serialize.js';

/** A task as events show it (see the module note). */
export function taskEventJson(row: TaskWithNames): TaskJson {
  const json = serializeTask(row, UTC_ZONE, 0);
  if ('view' in json) json.view = null;
  return json;
}

const byId = (a: { id: string }, b: { id: string }) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/**
 * Locks the organization's tasks `ids` until the transaction ends (in id order,
 * `db/executor.ts` `lockRows`), then reads them with their names: the first step of
 * every read-modify-write of tasks, so a concurrent write on another node is either
 * wholly before this one (and seen) or wholly after it.
 * @returns the tasks that exist, in id order.
 */
export async function lockTasks(trx: Executor, organizationId: string, ids: readonly string[]): Promise<TaskWithNames[]> {
  const locked = await lockRows(trx, 'tasks', ids, organizationId);
  if (!locked.length) return [];
  return (await findTasks(trx, organizationId, locked)).sort(byId);
}

/** A task to insert, and what else its creation means for the event log. */
export interface TaskInsert {
  row: TaskRow;
  /** The task is created complete: a `completed` event follows its `created`. */
  completed?: boolean;
  /** Events recorded right after the task's own (the TaskCompleted activity of a task created complete). */
  follow?: (NewEvent | null)[];
}

/**
 * Inserts tasks and records, per task in order, `created` (then `completed` and
 * `follow` where asked).
 * @returns the inserted tasks with their names, in the order given.
 */
export async function insertTasks(ex: Executor, source: EventSource, inserts: TaskInsert[]): Promise<TaskWithNames[]> {
  if (!inserts.length) return [];
  await insertTaskRows(ex, inserts.map((i) => i.row));
  const after = new Map((await findTasks(ex, source.organizationId, inserts.map((i) => i.row.id))).map((r) => [r.id, r]));
  const events: (NewEvent | null)[] = [];
  const out: TaskWithNames[] = [];
  for (const i of inserts) {
    const row = after.get(i.row.id)!;
    out.push(row);
    const json = taskEventJson(row);
    events.push(taskEvent('created', { after: json }));
    if (i.completed) events.push(taskEvent('completed', { after: json }));
    if (i.follow) events.push(...i.follow);
  }
  await recordEvents(ex, source, events);
  return out;
}

/** `before` with the columns of `patch` set (Kysely leaves `undefined` values out of an UPDATE, so does this). */
function patchedRow(before: TaskWithNames, patch: Partial<TaskRow> | null): TaskRow {
  const row: TaskRow = { ...before };
  if (patch) for (const [k, v] of Object.entries(patch)) if (v !== undefined) (row as unknown as Record<string, unknown>)[k] = v;
  return row;
}

/** A change to one task: the task as read (locked) before, and what to set. */
export interface TaskUpdate {
  before: TaskWithNames;
  /** Columns to set; null or empty writes nothing (a no-op write, D36: no `date_updated`, no event). */
  patch: Partial<TaskRow> | null;
  /** The change completed the task: a `completed` event follows its `updated`. */
  completed?: boolean;
  /** Events recorded right after the task's own (its TaskCompleted activity created or deleted). */
  follow?: (NewEvent | null)[];
}

/**
 * Applies the updates and records, per task in order, `updated` with the diff (none
 * when nothing changed), then `completed` and `follow` where asked. Updates that set
 * the same columns to the same values run as one statement.
 * @returns every updated task as it is now, with names, by id.
 */
export async function updateTasks(ex: Executor, source: EventSource, updates: TaskUpdate[]): Promise<Map<string, TaskWithNames>> {
  if (!updates.length) return new Map();
  const groups = new Map<string, { patch: Partial<TaskRow>; ids: string[] }>();
  for (const u of updates) {
    if (!u.patch || !Object.keys(u.patch).length) continue;
    const key = JSON.stringify(u.patch);
    const g = groups.get(key);
    if (g) g.ids.push(u.before.id);
    else groups.set(key, { patch: u.patch, ids: [u.before.id] });
  }
  for (const g of groups.values()) {
    if (g.ids.length === 1) await updateTaskRow(ex, g.ids[0], g.patch);
    else await updateTaskRows(ex, source.organizationId, g.ids, g.patch);
  }
  // The rows as written: each locked row as read, with its patch (names read only where
  // an id changed), rather than reading all of them back.
  const patched = await withNames(
    ex,
    updates.map((u) => patchedRow(u.before, u.patch)),
    updates.map((u) => u.before),
  );
  const after = new Map(patched.map((r) => [r.id, r]));
  const events: (NewEvent | null)[] = [];
  for (const u of updates) {
    const now = after.get(u.before.id);
    if (!now) continue;
    const afterJson = taskEventJson(now);
    events.push(taskEvent('updated', { before: taskEventJson(u.before), after: afterJson }));
    if (u.completed) events.push(taskEvent('completed', { after: afterJson }));
    if (u.follow) events.push(...u.follow);
  }
  await recordEvents(ex, source, events);
  return after;
}

/**
 * Deletes tasks (as read, locked, before) and records a `deleted` event for each, in
 * the order given, then `follow` (a lead's activities, deleted with it).
 */
export async function deleteTasks(ex: Executor, source: EventSource, before: TaskWithNames[], follow: (NewEvent | null)[] = []): Promise<void> {
  if (!before.length && !follow.length) return;
  await recordEvents(ex, source, [...before.map((t) => taskEvent('deleted', { before: taskEventJson(t) })), ...follow]);
  await deleteTaskRows(ex, source.organizationId, before.map((t) => t.id));
}

/**
 * Loads tasks from a Close dump (`tasks/importer.ts`), skipping ids that exist,
 * without events: an import restores what a dump recorded, it is no change anybody
 * made (README, "Events and webhooks").
 */
export async function loadImportedTasks(ex: Executor, rows: TaskRow[]): Promise<void> {
  await insertTaskRowsIgnoringExisting(ex, rows);
}
