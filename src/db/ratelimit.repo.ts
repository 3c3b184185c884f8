/**
 * D31's token buckets shared through the database (issue 11: several nodes, no Redis):
 * every SQL statement about `rate_limit_buckets`. A take is one atomic statement (an
 * upsert that refills, takes a token when there is one and reads the result back), so
 * two nodes taking from one bucket at once never both get its last token.
 */
import { sql } from 'kysely';
import type { Executor } from './executor.js';

/** One bucket to take a token from. */
export interface BucketTake {
  key: string;
  /** Tokens when full; it refills at `capacity` per window. */
  capacity: number;
}

/** A bucket after a take. */
export interface BucketResult {
  granted: boolean;
  /** Tokens left (fractional). */
  tokens: number;
}

/**
 * Takes one token from each bucket of `takes` at `nowMs`, refilling first at
 * `capacity / windowMs` tokens per ms since its last take (a new bucket starts full).
 * Rows are upserted in the order given (keep one order everywhere: no deadlock).
 * @returns one result per take, in the order of `takes`.
 */
export async function takeBucketTokens(ex: Executor, takes: readonly BucketTake[], nowMs: number, windowMs: number): Promise<BucketResult[]> {
  if (!takes.length) return [];
  const values = sql.join(takes.map((t) => sql`(${t.key}, ${t.capacity}, ${t.capacity - 1}, ${nowMs}, 1)`));
  const b = sql.ref('rate_limit_buckets');
  const elapsed = sql`(case when excluded.at > ${b}.at then excluded.at - ${b}.at else 0 end)`;
  const refilled = sql`(${b}.tokens + ${elapsed} * excluded.capacity / cast(${windowMs} as double precision))`;
  const full = sql`(case when ${refilled} > excluded.capacity then cast(excluded.capacity as double precision) else ${refilled} end)`;
  const rows = await sql<{ key: string; tokens: number | string; granted: number | string }>`
    insert into rate_limit_buckets (key, capacity, tokens, at, granted) values ${values}
    on conflict (key) do update set
      capacity = excluded.capacity,
      tokens = ${full} - (case when ${full} >= 1 then 1 else 0 end),
      granted = (case when ${full} >= 1 then 1 else 0 end),
      at = excluded.at
    returning key, tokens, granted`.execute(ex);
  const byKey = new Map(rows.rows.map((r) => [r.key, r]));
  return takes.map((t) => {
    const r = byKey.get(t.key)!;
    return { granted: Number(r.granted) === 1, tokens: Number(r.tokens) };
  });
}

/** Deletes buckets last taken from before `beforeMs` (they would be full again). @returns how many. */
export async function deleteIdleBuckets(ex: Executor, beforeMs: number): Promise<number> {
  const r = await ex.deleteFrom('rate_limit_buckets').where('at', '<', beforeMs).executeTakeFirst();
  return Number(r.numDeletedRows);
}
