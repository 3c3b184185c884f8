/**
 * Event log storage: every SQL statement about `events`. Functions take the executor
 * first (the database or an open transaction), so an event is written in the
 * transaction of the change it records (issue 5).
 *
 * Order: newest first by `date_updated`, then `seq`, then `id` (reference §12.1: "events
 * are always ordered by date ... two or more events for the same object are
 * guaranteed to be returned in the proper order"). A position in that order is the
 * triple (`date_updated`, `seq`, `id`); cursors carry it.
 */
import type { Executor } from './executor.js';
import type { EventRow } from './schema.js';

/** Where a row sits in the event order. */
export interface EventPosition {
  dateUpdated: number;
  seq: number;
  id: string;
}

/**
 * The `/event/` filters (reference §12.1); absent ones are undefined, null means IS
 * NULL. Instants in ms UTC.
 */
export interface EventQuery {
  objectType?: string | null;
  objectId?: string | null;
  leadId?: string | null;
  action?: string | null;
  userId?: string | null;
  requestId?: string | null;
  dateUpdated?: { gt?: number; gte?: number; lt?: number; lte?: number };
}

/** Inserts events in multi-row statements (17 columns a row; well under SQLite's bound-parameter limit). */
export async function insertEvents(ex: Executor, rows: EventRow[]): Promise<void> {
  for (let i = 0; i < rows.length; i += 500) {
    await ex.insertInto('events').values(rows.slice(i, i + 500)).execute();
  }
}

/** One event of the organization, or undefined. */
export async function findEvent(ex: Executor, organizationId: string, id: string): Promise<EventRow | undefined> {
  return ex.selectFrom('events').selectAll().where('id', '=', id).where('organization_id', '=', organizationId).executeTakeFirst();
}

/** Events by id, any organization (the delivery worker), in no particular order. */
export async function findEventsById(ex: Executor, ids: string[]): Promise<EventRow[]> {
  if (!ids.length) return [];
  return ex.selectFrom('events').selectAll().where('id', 'in', ids).execute();
}

const FILTER_COLUMNS = [
  ['objectType', 'object_type'],
  ['objectId', 'object_id'],
  ['leadId', 'lead_id'],
  ['action', 'action'],
  ['userId', 'user_id'],
  ['requestId', 'request_id'],
] as const;

function filtered(ex: Executor, organizationId: string, q: EventQuery) {
  let qb = ex.selectFrom('events').where('organization_id', '=', organizationId);
  for (const [key, column] of FILTER_COLUMNS) {
    const v = q[key];
    if (v === undefined) continue;
    qb = v === null ? qb.where(column, 'is', null) : qb.where(column, '=', v);
  }
  const d = q.dateUpdated;
  if (d?.gt !== undefined) qb = qb.where('date_updated', '>', d.gt);
  if (d?.gte !== undefined) qb = qb.where('date_updated', '>=', d.gte);
  if (d?.lt !== undefined) qb = qb.where('date_updated', '<', d.lt);
  if (d?.lte !== undefined) qb = qb.where('date_updated', '<=', d.lte);
  return qb;
}

/**
 * Up to `limit` events matching `q`, from `from` (exclusive) in `direction`:
 * `older` walks toward earlier events (newest first, `cursor_next`), `newer` toward
 * later ones (`cursor_previous`; rows come back oldest first, the caller reverses).
 * Without `from`, starts at the newest (or oldest) end.
 */
export async function listEvents(
  ex: Executor,
  organizationId: string,
  q: EventQuery,
  from: EventPosition | null,
  direction: 'older' | 'newer',
  limit: number,
): Promise<EventRow[]> {
  let qb = filtered(ex, organizationId, q).selectAll();
  const op = direction === 'older' ? '<' : '>';
  if (from) {
    qb = qb.where((eb) => eb(eb.refTuple('date_updated', 'seq', 'id'), op, eb.tuple(from.dateUpdated, from.seq, from.id)));
  }
  const dir = direction === 'older' ? 'desc' : 'asc';
  return qb.orderBy('date_updated', dir).orderBy('seq', dir).orderBy('id', dir).limit(limit).execute();
}

/** True when some event matching `q` lies beyond `from` in `direction`. */
export async function eventsBeyond(
  ex: Executor,
  organizationId: string,
  q: EventQuery,
  from: EventPosition,
  direction: 'older' | 'newer',
): Promise<boolean> {
  const rows = await listEvents(ex, organizationId, q, from, direction, 1);
  return rows.length > 0;
}

/**
 * Deletes events last updated before `cutoffMs` (their deliveries go with them), at
 * most `batch` at a time so a large prune never holds the write lock for long.
 * @returns how many events were deleted.
 */
export async function deleteEventsBefore(ex: Executor, cutoffMs: number, batch: number): Promise<number> {
  const ids = (await ex.selectFrom('events').select('id').where('date_updated', '<', cutoffMs).limit(batch).execute()).map((r) => r.id);
  if (!ids.length) return 0;
  // Deliveries first: SQLite enforces the foreign key cascade too, but PostgreSQL
  // setups created without it would not; deleting explicitly works on both.
  await ex.deleteFrom('webhook_deliveries').where('event_id', 'in', ids).execute();
  await ex.deleteFrom('events').where('id', 'in', ids).execute();
  return ids.length;
}
