/**
 * The filters of `GET /task/` and `PUT /task/` (reference §9.1, §9.3; decisions
 * D5, D10-D15, D23): a whitelist of Close's parameter names parsed into a `TaskQuery`,
 * which the repository turns into SQL with the query builder. Pure: takes the
 * request's zone, no HTTP, no SQL.
 */
import { FIELD_TEXT, type Params, first, parseBoolText, parseDateParam, parseList, FieldErrors } from '../close/params.js';
import type { RequestZone } from '../close/zone.js';
import { dayConditionFor, effectiveMs, type RangeOp, type TaskView } from './time.js';
import { isTaskType, type TaskType } from './types.js';

export type TaskOrder = 'date' | '-date' | 'date_created' | '-date_created';
export const TASK_ORDERS: readonly TaskOrder[] = ['date', '-date', 'date_created', '-date_created'];

/** A condition on one task column. */
export type TaskCondition =
  | { kind: 'eq'; column: 'id' | 'lead_id' | 'assigned_to' | 'organization_id'; value: string | null }
  | { kind: 'in'; column: 'id'; values: string[] }
  | { kind: 'bool'; column: 'is_complete'; value: boolean | null }
  /**
   * `date`/`due_date` compared with an instant: date-time tasks by `date_ms op instantMs`,
   * date-only tasks by their day (`day`, null when no day can match). `due_date`
   * also excludes dateless tasks, whose `due_date` is null.
   */
  | { kind: 'date'; field: 'date' | 'due_date'; op: RangeOp; instantMs: number; day: { op: RangeOp; dayMs: number } | null }
  /** `due_date=` (empty): dateless tasks. */
  | { kind: 'dateless' }
  | { kind: 'instant'; column: 'date_created' | 'date_updated'; op: RangeOp; instantMs: number }
  /** A filter that matches nothing (an empty `__in` list, `field=` on a column that is never null). */
  | { kind: 'none' };

/** A parsed task list or bulk-update request. */
export interface TaskQuery {
  /** Types to include; `all` for every type (D10). */
  types: TaskType[] | 'all';
  conditions: TaskCondition[];
  view: TaskView | null;
  orderBy: TaskOrder;
  /** True when the request named at least one filter (D23 requires one for bulk updates). */
  hasFilter: boolean;
}

const RANGE_SUFFIXES: Record<string, RangeOp> = { __lt: 'lt', __lte: 'lte', __gt: 'gt', __gte: 'gte' };

/** Filter parameters of the task list (the seed page's list). */
export const TASK_FILTER_PARAMS: readonly string[] = [
  'id',
  'id__in',
  '_type',
  '_type__in',
  'lead_id',
  'assigned_to',
  'organization_id',
  'is_complete',
  'view',
  'date',
  'date__lt',
  'date__lte',
  'date__gt',
  'date__gte',
  'due_date',
  'due_date__lt',
  'due_date__lte',
  'due_date__gt',
  'due_date__gte',
  'date_created__lt',
  'date_created__lte',
  'date_created__gt',
  'date_created__gte',
  'date_updated__lt',
  'date_updated__lte',
  'date_updated__gt',
  'date_updated__gte',
];

/** Every parameter `GET /task/` understands; others are ignored and reported (D5). */
export const TASK_LIST_PARAMS: ReadonlySet<string> = new Set([
  ...TASK_FILTER_PARAMS,
  '_limit',
  '_skip',
  '_fields',
  '_order_by',
  'format',
]);

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
 * Parses the task filters of a request (D10-D15).
 * @throws CloseError 400 with a field error for every bad parameter.
 */
export function parseTaskQuery(params: Params, zone: RequestZone): TaskQuery {
  const errors = new FieldErrors();
  const conditions: TaskCondition[] = [];
  const hasFilter = TASK_FILTER_PARAMS.some((p) => params.has(p));

  const types = parseTypes(params, errors);
  if (types === null) conditions.push({ kind: 'none' });

  for (const column of ['id', 'lead_id', 'assigned_to', 'organization_id'] as const) {
    const v = first(params, column);
    if (v === undefined) continue;
    const t = v.trim();
    if (t === '' && column !== 'lead_id') conditions.push({ kind: 'none' });
    else conditions.push({ kind: 'eq', column, value: t === '' ? null : t });
  }
  const idIn = params.get('id__in');
  if (idIn) {
    const values = parseList(idIn, 'id__in');
    conditions.push(values.length ? { kind: 'in', column: 'id', values } : { kind: 'none' });
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
    // D15: any other value, the empty one included, is a 400 (an empty view silently
    // matching everything would let a bulk update touch every task).
    const v = rawView.trim();
    if (v === 'inbox' || v === 'future' || v === 'archive') view = v;
    else errors.add('view', `Unknown view "${rawView}": use inbox, future or archive.`);
  }

  for (const field of ['date', 'due_date'] as const) {
    for (const [suffix, op] of [['', 'eq'], ...Object.entries(RANGE_SUFFIXES)] as [string, RangeOp][]) {
      const name = field + suffix;
      const raw = first(params, name);
      if (raw === undefined) continue;
      // D15: inbox and future replace date__lt and date__gte.
      if (field === 'date' && (view === 'inbox' || view === 'future') && (op === 'lt' || op === 'gte')) continue;
      const value = parseDateParam(raw);
      if (value === undefined) {
        errors.add(name, `${FIELD_TEXT.invalidDate} Use YYYY-MM-DD or an ISO 8601 date-time (got "${raw}").`);
        continue;
      }
      if (value === null) {
        // D12: empty means IS NULL; only a dateless task has a null due_date, and no task a null date.
        conditions.push(field === 'due_date' && op === 'eq' ? { kind: 'dateless' } : { kind: 'none' });
        continue;
      }
      const instantMs = effectiveMs(value, zone);
      conditions.push({ kind: 'date', field, op, instantMs, day: dayConditionFor(op, instantMs, zone) });
    }
  }

  for (const column of ['date_created', 'date_updated'] as const) {
    for (const [suffix, op] of Object.entries(RANGE_SUFFIXES)) {
      const name = column + suffix;
      const raw = first(params, name);
      if (raw === undefined) continue;
      const value = parseDateParam(raw);
      if (value === undefined) {
        errors.add(name, `${FIELD_TEXT.invalidDate} Use YYYY-MM-DD or an ISO 8601 date-time (got "${raw}").`);
      } else if (value === null) {
        conditions.push({ kind: 'none' });
      } else {
        conditions.push({ kind: 'instant', column, op, instantMs: effectiveMs(value, zone) });
      }
    }
  }

  let orderBy: TaskOrder = 'date';
  const rawOrder = first(params, '_order_by');
  if (rawOrder !== undefined && rawOrder.trim() !== '') {
    const o = rawOrder.trim();
    if ((TASK_ORDERS as readonly string[]).includes(o)) orderBy = o as TaskOrder;
    else errors.add('_order_by', `Cannot order by "${rawOrder}": use date, -date, date_created or -date_created.`);
  }

  errors.throwIfAny();
  return { types: types ?? 'all', conditions, view, orderBy, hasFilter };
}
