/**
 * The one mapper from a stored task (row plus current names) to Close's task JSON
 * for a viewer in a zone at an instant (reference §10; decisions D17-D19).
 *
 * Output keys are sorted, as Close's JSON is. D34: a task's keys depend on its `_type`
 * alone (`taskKeysOf`): every task of a type carries the same keys, `priority` and
 * `resolution` included (null when unset), whatever an imported dump showed; names
 * are the named objects' current names; `view` is always present, computed at read
 * time (D17).
 */
import { dateOnlyFromMs, formatCloseDate, isoformat, type CloseDate } from '../close/dates.js';
import type { RequestZone } from '../close/zone.js';
import type { TaskWithNames } from '../db/tasks.repo.js';
import type { TaskRow } from '../db/schema.js';
import { taskViewOf, viewBounds, type ViewBounds } from './views.js';
import { COMMON_FIELDS, OPTIONAL_FIELDS, TYPE_FIELDS, isTaskType, type TaskType } from './types.js';

/** Close's JSON for one task. */
export type TaskJson = Record<string, unknown>;

const keyOrderCache = new Map<string, string[]>();

/**
 * The sorted wire keys of every task of `type` (D34): the common fields, the type's
 * own fields (`TYPE_FIELDS`), `priority` and `resolution`.
 */
export function taskKeysOf(type: string): string[] {
  let keys = keyOrderCache.get(type);
  if (!keys) {
    const typeFields = isTaskType(type) ? TYPE_FIELDS[type as TaskType] : [];
    keys = [...new Set<string>([...COMMON_FIELDS, ...typeFields, ...OPTIONAL_FIELDS])].sort();
    keyOrderCache.set(type, keys);
  }
  return keys;
}

/** The stored `date` of a row as a Close date value. */
export function rowDate(row: Pick<TaskRow, 'date_ms' | 'date_is_day'>): CloseDate {
  return row.date_is_day ? dateOnlyFromMs(Number(row.date_ms)) : { kind: 'datetime', ms: Number(row.date_ms) };
}

/**
 * Close's JSON for `row`, seen from `zone` at `nowMs`.
 * @param row a task with the names of the objects it points to
 */
export function serializeTask(row: TaskWithNames, zone: RequestZone, nowMs: number): TaskJson {
  return toJson(row, viewBounds(nowMs, zone));
}

/** Close's JSON for many tasks seen by one viewer (the view bounds are computed once). */
export function serializeTasks(rows: TaskWithNames[], zone: RequestZone, nowMs: number): TaskJson[] {
  const bounds = viewBounds(nowMs, zone);
  const out = new Array<TaskJson>(rows.length);
  for (let i = 0; i < rows.length; i++) out[i] = toJson(rows[i], bounds);
  return out;
}

/** What a field's value is computed from: the row and what is derived from it once per row. */
interface RowView {
  row: TaskWithNames;
  dateText: string;
  date: CloseDate;
  extra: Record<string, unknown> | null;
  bounds: ViewBounds;
}

const nameField =
  (field: 'assigned_to_name' | 'created_by_name' | 'updated_by_name' | 'lead_name' | 'contact_name', idField: 'assigned_to' | 'created_by' | 'updated_by' | 'lead_id' | 'contact_id') =>
  (v: RowView): unknown => (v.row[idField] === null ? null : v.row[field]);

/** How each common or column-backed field is computed; other fields come from `extra`. */
const FIELD: Record<string, (v: RowView) => unknown> = {
  _type: (v) => v.row.type,
  assigned_to: (v) => v.row.assigned_to,
  assigned_to_name: nameField('assigned_to_name', 'assigned_to'),
  contact_id: (v) => v.row.contact_id,
  contact_name: nameField('contact_name', 'contact_id'),
  created_by: (v) => v.row.created_by,
  created_by_name: nameField('created_by_name', 'created_by'),
  date: (v) => v.dateText,
  date_created: (v) => isoformat(Number(v.row.date_created)),
  date_updated: (v) => isoformat(Number(v.row.date_updated)),
  due_date: (v) => (v.row.is_dateless ? null : v.dateText),
  id: (v) => v.row.id,
  is_complete: (v) => !!v.row.is_complete,
  is_dateless: (v) => !!v.row.is_dateless,
  lead_id: (v) => v.row.lead_id,
  lead_name: nameField('lead_name', 'lead_id'),
  object_id: (v) => v.row.object_id,
  object_type: (v) => v.row.object_type,
  organization_id: (v) => v.row.organization_id,
  priority: (v) => v.row.priority,
  resolution: (v) => v.row.resolution,
  text: (v) => v.row.text,
  updated_by: (v) => v.row.updated_by,
  updated_by_name: nameField('updated_by_name', 'updated_by'),
  view: (v) => taskViewOf(!!v.row.is_complete, v.date, v.bounds),
};

const fromExtra = (key: string) => (v: RowView) => (v.extra && key in v.extra ? v.extra[key] : null);

const plans = new Map<string, [string, (v: RowView) => unknown][]>();

/** The sorted keys of a type, each with how to compute it. */
function planOf(type: string): [string, (v: RowView) => unknown][] {
  let plan = plans.get(type);
  if (!plan) {
    plan = taskKeysOf(type).map((k) => [k, FIELD[k] ?? fromExtra(k)]);
    plans.set(type, plan);
  }
  return plan;
}

function rowView(row: TaskWithNames, bounds: ViewBounds): RowView {
  const date = rowDate(row);
  const extra: Record<string, unknown> | null = row.extra ? JSON.parse(row.extra) : null;
  return { row, date, dateText: formatCloseDate(date), extra, bounds };
}

function toJson(row: TaskWithNames, bounds: ViewBounds): TaskJson {
  const v = rowView(row, bounds);
  const out: TaskJson = {};
  for (const [key, compute] of planOf(row.type)) out[key] = compute(v);
  return out;
}

/** `"key":` of every wire key, JSON-quoted once. */
const keyText = new Map<string, string>();
function quotedKey(key: string): string {
  let t = keyText.get(key);
  if (t === undefined) keyText.set(key, (t = JSON.stringify(key) + ':'));
  return t;
}

/** A character `JSON.stringify` writes escaped (quote, backslash, controls) or checks (surrogates). */
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

/** `JSON.stringify(value)`, with plain strings quoted without the call. */
function valueText(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'string') return NEEDS_ESCAPE.test(value) ? JSON.stringify(value) : '"' + value + '"';
  if (value === true) return 'true';
  if (value === false) return 'false';
  return JSON.stringify(value);
}

/**
 * The JSON text of `{"data": [tasks...], "has_more": hasMore}` for a viewer with the
 * view bounds of `zone` at `nowMs`, each task keeping only `fields` when given:
 * byte for byte `JSON.stringify` of the `serializeTasks` objects (projected the way
 * `close/params.ts` `projectFields` does), written once as text (issue 12). With
 * `fields`, rows need only the columns those fields are computed from.
 */
export function taskPageText(rows: TaskWithNames[], zone: RequestZone, nowMs: number, hasMore: boolean, fields: ReadonlySet<string> | null): string {
  return fragmentPageText(rows.map((row) => taskFragment(row, false, fields)), zone, nowMs, hasMore, fields);
}

/**
 * A task's JSON text without the value of `view` (the only field that depends on who
 * looks and when, D17), addressable by field: `text` is the task's parts `"key":value`
 * in key order (`taskKeysOf(type)`) joined by commas, without the braces, the `view`
 * part being `"view":` alone. Part k is `text.slice(starts[k], starts[k + 1] - 1)`
 * (absent when `starts[k + 1] === starts[k]`); `viewAt` is where the value of `view`
 * goes. The page of whole tasks, or of `_fields`, is then written from kept text plus
 * each task's `view`, byte for byte as `taskPageText` writes it (issue 12: the
 * per-task cache, `tasks/fragments.ts`).
 */
export interface TaskFragment {
  organizationId: string;
  type: string;
  text: string;
  starts: Int32Array;
  viewAt: number;
  isComplete: boolean;
  date: CloseDate;
}

/**
 * The `TaskFragment` of `row` (the one writer of task text); `toKeep`: its text copied
 * flat (`flat`), to be kept; `fields`: only those parts (the others absent).
 */
export function taskFragment(row: TaskWithNames, toKeep = false, fields: ReadonlySet<string> | null = null): TaskFragment {
  const v = rowView(row, null as unknown as ViewBounds); // `view` is not computed here
  const plan = planOf(row.type);
  const starts = new Int32Array(plan.length + 1);
  let text = '';
  let at = 0;
  let viewAt = -1;
  for (let k = 0; k < plan.length; k++) {
    starts[k] = at;
    const [key, compute] = plan[k];
    if (fields && !fields.has(key)) continue;
    let part: string;
    if (key === 'view') {
      part = quotedKey(key);
      viewAt = at + part.length;
    } else {
      const value = compute(v);
      if (value === undefined) continue;
      part = quotedKey(key) + valueText(value);
    }
    text += (at ? ',' : '') + part;
    at += part.length + 1;
  }
  starts[plan.length] = at;
  return { organizationId: row.organization_id, type: row.type, text: toKeep ? flat(text) : text, starts, viewAt, isComplete: !!row.is_complete, date: v.date };
}

/**
 * `text` as one flat string: text built by `+=` is a tree of its parts, which holds
 * every part (each row value) alive and takes several times the memory of its
 * characters; a kept text is copied out once.
 */
function flat(text: string): string {
  return Buffer.from(text, 'utf8').toString('utf8');
}

/**
 * `taskPageText` of the tasks of `fragments`, for a viewer in `zone` at `nowMs`, each
 * task keeping only `fields` when given.
 */
export function fragmentPageText(fragments: readonly TaskFragment[], zone: RequestZone, nowMs: number, hasMore: boolean, fields: ReadonlySet<string> | null = null): string {
  const bounds = viewBounds(nowMs, zone);
  let out = '{"data":[';
  // The parts `fields` keeps, per type, by index into the type's keys.
  const picks = fields ? new Map<string, number[]>() : null;
  for (let i = 0; i < fragments.length; i++) {
    const f = fragments[i];
    const view = '"' + taskViewOf(f.isComplete, f.date, bounds) + '"';
    if (!picks) {
      out += (i ? ',{' : '{') + f.text.slice(0, f.viewAt) + view + f.text.slice(f.viewAt) + '}';
      continue;
    }
    let pick = picks.get(f.type);
    if (!pick) {
      const keys = taskKeysOf(f.type);
      picks.set(f.type, (pick = keys.flatMap((k, n) => (fields!.has(k) ? [n] : []))));
    }
    let task = '';
    for (const k of pick) {
      const a = f.starts[k];
      const b = f.starts[k + 1] - 1;
      if (b < a) continue;
      task += (task ? ',' : '') + f.text.slice(a, b) + (f.viewAt === b ? view : '');
    }
    out += (i ? ',{' : '{') + task + '}';
  }
  return out + '],"has_more":' + (hasMore ? 'true' : 'false') + '}';
}
