/**
 * The list filters every Close resource shares (reference §5; decisions D12, D13), in
 * one definition: `id` / `id__in`, and the comparison operators `field=`,
 * `field__lt`, `__lte`, `__gt`, `__gte`. Each resource's parser (tasks, activities,
 * leads, contacts, opportunities) reads them through these functions. Pure.
 */
import { FIELD_TEXT, FieldErrors, first, parseDateParam, parseList, type Params } from './params.js';
import type { CloseDate } from './dates.js';
import type { RangeOp } from './localday.js';

export type { RangeOp };

/** Query-parameter suffixes of the comparison operators, `''` being equality. */
export const RANGE_SUFFIXES: Readonly<Record<string, RangeOp>> = { '': 'eq', __lt: 'lt', __lte: 'lte', __gt: 'gt', __gte: 'gte' };

/** The suffixes of the four range operators (without equality). */
export const RANGE_ONLY_SUFFIXES: Readonly<Record<string, Exclude<RangeOp, 'eq'>>> = { __lt: 'lt', __lte: 'lte', __gt: 'gt', __gte: 'gte' };

/** The parameter names `field`, `field__lt`, ... for `fields` (with `withEq`, `field` itself too). */
export function rangeParamNames(fields: readonly string[], withEq = true): string[] {
  const suffixes = Object.keys(withEq ? RANGE_SUFFIXES : RANGE_ONLY_SUFFIXES);
  return fields.flatMap((f) => suffixes.map((s) => f + s));
}

/** `id` and `id__in`, the id filter every list takes. */
export const ID_FILTER_PARAMS = ['id', 'id__in'] as const;

/**
 * The ids a request asks for through `id` (one id) and `id__in` (a comma list, D12):
 * null when neither is given; otherwise the ids to match, which is empty (matches
 * nothing) for `id=` or an empty list, and the intersection when both are given.
 * @throws CloseError 400 for an `id__in` of more than `MAX_LIST_ITEMS` ids.
 */
export function parseIdFilter(params: Params): string[] | null {
  const one = first(params, 'id');
  const many = params.get('id__in');
  if (one === undefined && !many) return null;
  let ids: string[] | null = null;
  if (one !== undefined) ids = one.trim() === '' ? [] : [one.trim()];
  if (many) {
    const list = parseList(many, 'id__in');
    ids = ids === null ? list : ids.filter((id) => list.includes(id));
  }
  return ids;
}

/** One comparison of a date parameter: which operator, and the value (null for `field=` empty, D12). */
export interface DateComparison {
  name: string;
  op: RangeOp;
  value: CloseDate | null;
}

/**
 * The date comparisons a request makes on `field` (`field`, `field__lt`, ...; with
 * `withEq` false only the four ranges), in that order. Unparsable values are added
 * to `errors` under the parameter's name (D13) and left out.
 */
export function dateComparisons(params: Params, field: string, errors: FieldErrors, withEq = true): DateComparison[] {
  const out: DateComparison[] = [];
  for (const [suffix, op] of Object.entries(withEq ? RANGE_SUFFIXES : RANGE_ONLY_SUFFIXES)) {
    const name = field + suffix;
    const raw = first(params, name);
    if (raw === undefined) continue;
    const value = parseDateParam(raw);
    if (value === undefined) {
      errors.add(name, `${FIELD_TEXT.invalidDate} Use YYYY-MM-DD or an ISO 8601 date-time (got "${raw}").`);
      continue;
    }
    out.push({ name, op, value });
  }
  return out;
}
