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
