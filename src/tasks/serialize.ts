/**
 * The one mapper from a stored task (row plus current names) to Close's task JSON
 * for a viewer in a zone at an instant (reference §10; decisions D17-D19).
 *
 * Output keys are sorted, as Close's JSON is. Each type gets exactly the fields of
 * `tasks/types.ts`; `priority` and `resolution` appear only when set (reference §10.1).
 * `view` is computed at read time (D17).
 */
import { dateOnlyFromMs, formatCloseDate, isoformat, type CloseDate } from '../close/dates.js';
import type { RequestZone } from '../close/zone.js';
import type { TaskWithNames } from '../db/tasks.repo.js';
import type { TaskRow } from '../db/schema.js';
import { viewBounds, viewWithin, type ViewBounds } from './time.js';
import { COMMON_FIELDS, OPTIONAL_FIELDS, TYPE_FIELDS, isTaskType, type TaskType } from './types.js';

/** Close's JSON for one task. */
export type TaskJson = Record<string, unknown>;

/** What the importer keeps when a dump differs from the live rules (see `TaskRow.wire_overrides`). */
export interface WireOverrides {
  names?: Record<string, string | null>;
  omit?: string[];
}

const keyOrderCache = new Map<string, string[]>();

/** Sorted wire keys of a task type, including the optional ones. */
function keysOf(type: string): string[] {
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

function toJson(row: TaskWithNames, bounds: ViewBounds): TaskJson {
  const date = rowDate(row);
  const dateText = formatCloseDate(date);
  const isComplete = !!row.is_complete;
  const extra: Record<string, unknown> = row.extra ? JSON.parse(row.extra) : {};
  const overrides: WireOverrides | null = row.wire_overrides ? JSON.parse(row.wire_overrides) : null;
  const names = overrides?.names;
  const omit = overrides?.omit;

  const nameOf = (field: string, id: string | null, current: string | null): string | null => {
    if (names && field in names) return names[field];
    return id === null ? null : current;
  };

  const values: Record<string, unknown> = {
    _type: row.type,
    assigned_to: row.assigned_to,
    assigned_to_name: nameOf('assigned_to_name', row.assigned_to, row.assigned_to_name),
    contact_id: row.contact_id,
    contact_name: nameOf('contact_name', row.contact_id, row.contact_name),
    created_by: row.created_by,
    created_by_name: nameOf('created_by_name', row.created_by, row.created_by_name),
    date: dateText,
    date_created: isoformat(Number(row.date_created)),
    date_updated: isoformat(Number(row.date_updated)),
    due_date: row.is_dateless ? null : dateText,
    id: row.id,
    is_complete: isComplete,
    is_dateless: !!row.is_dateless,
    lead_id: row.lead_id,
    lead_name: nameOf('lead_name', row.lead_id, row.lead_name),
    object_id: row.object_id,
    object_type: row.object_type,
    organization_id: row.organization_id,
    priority: row.priority,
    resolution: row.resolution,
    text: row.text,
    updated_by: row.updated_by,
    updated_by_name: nameOf('updated_by_name', row.updated_by, row.updated_by_name),
    view: viewWithin(isComplete, date, bounds),
  };

  const known = keysOf(row.type);
  const out: TaskJson = {};
  for (const key of known) {
    if (omit && omit.includes(key)) continue;
    if ((key === 'priority' || key === 'resolution') && values[key] == null) continue;
    out[key] = key in values ? values[key] : key in extra ? extra[key] : null;
  }
  // Fields an imported dump carried that this type does not define are served as they came.
  let additional: string[] | null = null;
  for (const key in extra) if (!known.includes(key)) (additional ??= []).push(key);
  if (!additional) return out;
  for (const key of additional) out[key] = extra[key];
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
