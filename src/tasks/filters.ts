/**
 * The filters of `GET /task/` and `PUT /task/` (reference §9.1, §9.3; decisions
 * D5, D10-D15, D23, D33): a whitelist of Close's parameter names parsed into a
 * `TaskSelection`, which the repository turns into SQL with the query builder. Pure:
 * takes the request's zone and the viewer's view bounds, no HTTP, no SQL.
 */
import { FIELD_TEXT, type Params, first, parseBoolText, parseList, FieldErrors } from '../close/params.js';
import { ID_FILTER_PARAMS, dateComparisons, parseIdFilter, rangeParamNames } from '../close/filters.js';
import type { RequestZone } from '../close/zone.js';
import { dateCondition, effectiveMs } from '../close/localday.js';
import type { TaskCondition, TaskOrder, TaskSelection } from '../db/tasks.repo.js';
import { viewConditions, type TaskView, type ViewBounds } from './views.js';
import { isTaskType, type TaskType } from './types.js';

export type { TaskOrder };
export const TASK_ORDERS: readonly TaskOrder[] = ['date', '-date', 'date_created', '-date_created'];

/** A parsed task list or bulk-update request. */
export interface TaskQuery extends TaskSelection {
  /** The view asked for, if any (its conditions are among `conditions`). */
  view: TaskView | null;
  /** True when the request named at least one filter (D23 requires one for bulk updates). */
  hasFilter: boolean;
}

/** Filter parameters of the task list (the seed page's list). */
export const TASK_FILTER_PARAMS: readonly string[] = [
  ...ID_FILTER_PARAMS,
  '_type',
  '_type__in',
  'lead_id',
  'assigned_to',
  'organization_id',
  'is_complete',
  'view',
  ...rangeParamNames(['date', 'due_date']),
  ...rangeParamNames(['date_created', 'date_updated'], false),
];

/** Every parameter `GET /task/` understands; others are ignored and reported (D5). */
export const TASK_LIST_PARAMS: ReadonlySet<string> = new Set([...TASK_FILTER_PARAMS, '_limit', '_skip', '_fields', '_order_by', 'format']);

/** Parameters `PUT /task/` understands: the same filters; `_limit`/`_skip` are accepted and do not narrow (D23). */
export const TASK_BULK_PARAMS: ReadonlySet<string> = TASK_LIST_PARAMS;

function parseTypes(params: Params, errors: FieldErrors): TaskType[] | 'all' | null {
  const single = params.get('_type');
  const multi = params.get('_type__in');
  if (!single && !multi) return ['lead']; // D10: only lead tasks unless a type is named
  let result: Set<TaskType> | 'all' | null = 'all';
  const intersect = (names: string[], param: string) => {
    if (names.includes('all')) return;
    const bad = names.filter((n) => !isTaskType(n));
    if (bad.length) {
      errors.add(param, `Unknown task type: ${bad.join(', ')}.`);
      return;
    }
    const set = new Set(names as TaskType[]);
    result = result === 'all' ? set : result === null ? null : new Set([...result].filter((t) => set.has(t)));
  };
  if (single) {
    const v = single[0].trim();
    if (v === '') result = null; // D12: `_type=` means IS NULL, which no task is
    else intersect([v], '_type');
  }
  if (multi) intersect(parseList(multi, '_type__in'), '_type__in');
  if (result === null || result === 'all') return result;
  return [...(result as Set<TaskType>)];
}

/**
 * Parses the task filters of a request (D10-D15) for a viewer in `zone` whose view
 * bounds are `bounds` (`tasks/views.ts`).
 * @throws CloseError 400 with a field error for every bad parameter.
 */
export function parseTaskQuery(params: Params, zone: RequestZone, bounds: ViewBounds): TaskQuery {
  const errors = new FieldErrors();
  const conditions: TaskCondition[] = [];
  const hasFilter = TASK_FILTER_PARAMS.some((p) => params.has(p));

  const types = parseTypes(params, errors);
  if (types === null) conditions.push({ kind: 'none' });

  const ids = parseIdFilter(params);
  if (ids) conditions.push({ kind: 'in', column: 'id', values: ids });
  for (const column of ['lead_id', 'assigned_to', 'organization_id'] as const) {
    const v = first(params, column);
    if (v === undefined) continue;
    const t = v.trim();
    // D12: `lead_id=` means no lead; assignees and organizations are never null.
    if (t === '' && column !== 'lead_id') conditions.push({ kind: 'none' });
    else conditions.push({ kind: 'eq', column, value: t === '' ? null : t });
  }

  const rawComplete = first(params, 'is_complete');
  if (rawComplete !== undefined) {
    const b = parseBoolText(rawComplete);
    if (b === undefined) errors.add('is_complete', `${FIELD_TEXT.notBoolean} Use true, false, 1 or 0 (got "${rawComplete}").`);
    else if (b === null) conditions.push({ kind: 'none' });
    else conditions.push({ kind: 'bool', column: 'is_complete', value: b });
  }

  let view: TaskView | null = null;
  const rawView = first(params, 'view');
  if (rawView !== undefined) {
    // D15/D36: any other value, the empty one included, is a 400 (an empty view
    // silently matching everything would let a bulk update touch every task).
    const v = rawView.trim();
    if (v === 'inbox' || v === 'future' || v === 'archive') view = v;
    else errors.add('view', `Unknown view "${rawView}": use inbox, future or archive.`);
  }
  if (view) {
    const vc = viewConditions(view, bounds);
    conditions.push({ kind: 'bool', column: 'is_complete', value: vc.isComplete });
    if (vc.date) conditions.push({ kind: 'date', field: 'date', cond: vc.date });
  }

  for (const field of ['date', 'due_date'] as const) {
    for (const c of dateComparisons(params, field, errors)) {
      // D15: inbox and future replace date__lt and date__gte.
      if (field === 'date' && (view === 'inbox' || view === 'future') && (c.op === 'lt' || c.op === 'gte')) continue;
      if (c.value === null) {
        // D12: empty means IS NULL; only a dateless task has a null due_date, and no task a null date.
        conditions.push(field === 'due_date' && c.op === 'eq' ? { kind: 'dateless' } : { kind: 'none' });
        continue;
      }
      conditions.push({ kind: 'date', field, cond: dateCondition(c.op, effectiveMs(c.value, zone), zone) });
    }
  }

  for (const column of ['date_created', 'date_updated'] as const) {
    for (const c of dateComparisons(params, column, errors, false)) {
      if (c.value === null) conditions.push({ kind: 'none' });
      else conditions.push({ kind: 'instant', column, op: c.op, instantMs: effectiveMs(c.value, zone) });
    }
  }

  let orderBy: TaskOrder = 'date';
  const rawOrder = first(params, '_order_by');
  if (rawOrder !== undefined) {
    // D33: `_order_by=` (empty) is "anything else" under D14, a 400, not the default order.
    const o = rawOrder.trim();
    if ((TASK_ORDERS as readonly string[]).includes(o)) orderBy = o as TaskOrder;
    else errors.add('_order_by', `Cannot order by "${rawOrder}": use date, -date, date_created or -date_created.`);
  }

  errors.throwIfAny();
  return { types: types ?? 'all', conditions, view, orderBy, hasFilter };
}

