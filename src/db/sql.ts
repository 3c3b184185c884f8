/**
 * SQL pieces every repository shares: the comparison operators of Close filters
 * (`close/filters.ts`) as SQL operators, and the condition that matches nothing.
 */
import { sql } from 'kysely';
import type { RangeOp } from '../close/localday.js';

/** A Close comparison operator (`field`, `field__lt`, ...) as its SQL operator. */
export const SQL_OP: Readonly<Record<RangeOp, '=' | '<' | '<=' | '>' | '>='>> = { eq: '=', lt: '<', lte: '<=', gt: '>', gte: '>=' };

/** A condition no row satisfies (an empty `__in` list, `field=` on a column that is never null). */
export const NOTHING = sql<boolean>`1 = 0`;

/** `first_name last_name` of the users row aliased `alias`, trimmed (Close's "First Last"), as SQL. */
export function userFullName(alias: string) {
  return sql<string | null>`trim(${sql.ref(`${alias}.first_name`)} || ' ' || ${sql.ref(`${alias}.last_name`)})`;
}

/**
 * One page from the `limit + 1` rows a list query read (D8: `has_more` is exact):
 * the first `limit` rows, and whether there was one more.
 */
export function pageOf<T>(rows: T[], limit: number): { rows: T[]; hasMore: boolean } {
  const hasMore = rows.length > limit;
  if (hasMore) rows.length = limit;
  return { rows, hasMore };
}
