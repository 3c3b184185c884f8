/**
 * The event log API (reference §12.1, §3.2; Close's `/event/` description in
 * `close-openapi.yml`): `GET /event/` newest first with cursor paging, and
 * `GET /event/{id}/`. Events are kept 30 days (`EVENT_RETENTION_MS`): older ones are
 * never listed, and `pruneEvents` (run periodically by `tasklane serve`) deletes them.
 *
 * Parameters of `GET /event/`:
 * - filters `object_type`, `object_id`, `lead_id`, `action`, `user_id`, `request_id`
 *   (exact match; an empty value means IS NULL, as elsewhere, D12), and
 *   `date_updated__gt/__gte/__lt/__lte` (D13 date values; a date alone is local
 *   midnight in the request's zone).
 *   Close answers only some combinations of these; Tasklane answers every combination
 *   (a superset: a client that works against Close works here).
 * - `_limit`: default 50 and capped at 50 (Close: "capped at and defaulting to 50"; a
 *   larger value is lowered, not refused); not an integer or below 1: 400 (D6 wording).
 * - `_cursor`: a `cursor_next` or `cursor_previous` of an earlier answer; the other
 *   filters must be sent again (as Close asks). `_skip` is not supported (ignored and
 *   reported like any unknown parameter, D5).
 *
 * Answer: `{"data": [...], "cursor_next": str|null, "cursor_previous": str|null}`;
 * `cursor_next` leads to older events, `cursor_previous` to newer ones; each is null
 * when no event lies that way.
 */
import type { RequestContext } from '../context.js';
import { CloseError, FIELD_TEXT } from '../close/errors.js';
import { FieldErrors, first, parseDateParam, parseIntParam, type Params } from '../close/params.js';
import { localMidnightMs } from '../close/localday.js';
import type { Db } from '../db/connect.js';
import { writeTransaction } from '../db/executor.js';
import { deleteEventsBefore, eventsBeyond, findEvent, listEvents, type EventPosition, type EventQuery } from '../db/events.repo.js';
import { eventJson, type EventJson } from './record.js';

/** How long events are kept: 30 days (reference §12.1). */
export const EVENT_RETENTION_MS = 30 * 86_400_000;

/** Paging of `GET /event/` (reference §3.2): default and cap 50. */
export const EVENT_PAGE_LIMIT = 50;

/** The parameters `GET /event/` understands (others are ignored and reported, D5). */
export const EVENT_LIST_PARAMS: ReadonlySet<string> = new Set([
  '_limit',
  '_cursor',
  'object_type',
  'object_id',
  'lead_id',
  'action',
  'user_id',
  'request_id',
  'date_updated__gt',
  'date_updated__gte',
  'date_updated__lt',
  'date_updated__lte',
]);

export const EVENT_MODEL = 'Event';

type Direction = 'older' | 'newer';

interface Cursor extends EventPosition {
  direction: Direction;
}

/** Encodes a position and a direction as an opaque cursor (base64url JSON). */
export function encodeCursor(c: Cursor): string {
  return Buffer.from(JSON.stringify([c.dateUpdated, c.seq, c.id, c.direction === 'older' ? 'n' : 'p'])).toString('base64url');
}

/** Decodes a cursor of `encodeCursor`, or returns null when it is not one. */
export function decodeCursor(text: string): Cursor | null {
  try {
    const v = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
    if (!Array.isArray(v) || v.length !== 4) return null;
    const [d, s, id, dir] = v;
    if (!Number.isSafeInteger(d) || !Number.isSafeInteger(s) || typeof id !== 'string' || (dir !== 'n' && dir !== 'p')) return null;
    return { dateUpdated: d, seq: s, id, direction: dir === 'n' ? 'older' : 'newer' };
  } catch {
    return null;
  }
}

const position = (r: { date_updated: number; seq: number; id: string }): EventPosition => ({
  dateUpdated: Number(r.date_updated),
  seq: Number(r.seq),
  id: r.id,
});

/**
 * Reads the `/event/` filters of `params` for a caller at `nowMs` in `ctx.zone`.
 * @throws CloseError 400 naming every unparsable date filter.
 */
export function parseEventQuery(ctx: RequestContext, params: Params): EventQuery {
  const q: EventQuery = {};
  const text = (name: string): string | null | undefined => {
    const v = first(params, name);
    if (v === undefined) return undefined;
    const t = v.trim();
    return t === '' ? null : t;
  };
  q.objectType = text('object_type');
  q.objectId = text('object_id');
  q.leadId = text('lead_id');
  q.action = text('action');
  q.userId = text('user_id');
  q.requestId = text('request_id');
  const errors = new FieldErrors();
  const range: NonNullable<EventQuery['dateUpdated']> = {};
  for (const op of ['gt', 'gte', 'lt', 'lte'] as const) {
    const name = `date_updated__${op}`;
    const raw = first(params, name);
    if (raw === undefined) continue;
    const value = parseDateParam(raw);
    if (!value) {
      errors.add(name, `${FIELD_TEXT.invalidDate} Use YYYY-MM-DD or an ISO 8601 date-time (got "${raw}").`);
      continue;
    }
    range[op] = value.kind === 'date' ? localMidnightMs(value.ms, ctx.zone) : value.ms;
  }
  errors.throwIfAny();
  // Retention (reference §12.1): nothing older than 30 days is listed, pruned yet or not.
  const oldest = ctx.now() - EVENT_RETENTION_MS;
  range.gte = range.gte === undefined ? oldest : Math.max(range.gte, oldest);
  q.dateUpdated = range;
  return q;
}

/**
 * `GET /event/`: one page of the organization's events, newest first.
 * @throws CloseError 400 for a bad `_limit`, `_cursor` or date filter.
 */
export async function listEventPage(
  ctx: RequestContext,
  params: Params,
): Promise<{ data: EventJson[]; cursor_next: string | null; cursor_previous: string | null }> {
  let limit = EVENT_PAGE_LIMIT;
  const rawLimit = first(params, '_limit');
  if (rawLimit !== undefined) {
    limit = parseIntParam('_limit', rawLimit);
    if (limit < 1) throw CloseError.request(`_limit must be a positive integer (got "${rawLimit}" instead).`);
    limit = Math.min(limit, EVENT_PAGE_LIMIT);
  }
  let cursor: Cursor | null = null;
  const rawCursor = first(params, '_cursor');
  if (rawCursor !== undefined && rawCursor.trim() !== '') {
    cursor = decodeCursor(rawCursor.trim());
    if (!cursor) throw CloseError.field('_cursor', 'Not a valid cursor: pass cursor_next or cursor_previous of an earlier answer.');
  }
  const q = parseEventQuery(ctx, params);
  const ex = ctx.db.kysely;
  const org = ctx.organizationId;
  const direction: Direction = cursor?.direction ?? 'older';
  const rows = await listEvents(ex, org, q, cursor, direction, limit + 1);
  const more = rows.length > limit;
  if (more) rows.pop();
  if (direction === 'newer') rows.reverse();

  // Newest-first page: the first row borders newer events, the last one older events.
  // An empty page borders both at the cursor's own position.
  const newestEdge = rows.length ? position(rows[0]) : cursor;
  const oldestEdge = rows.length ? position(rows[rows.length - 1]) : cursor;
  let hasOlder: boolean;
  let hasNewer: boolean;
  if (direction === 'older') {
    hasOlder = more;
    hasNewer = newestEdge ? await eventsBeyond(ex, org, q, newestEdge, 'newer') : false;
  } else {
    hasNewer = more;
    hasOlder = oldestEdge ? await eventsBeyond(ex, org, q, oldestEdge, 'older') : false;
  }
  return {
    data: rows.map(eventJson),
    cursor_next: hasOlder && oldestEdge ? encodeCursor({ ...oldestEdge, direction: 'older' }) : null,
    cursor_previous: hasNewer && newestEdge ? encodeCursor({ ...newestEdge, direction: 'newer' }) : null,
  };
}

/**
 * `GET /event/{id}/`.
 * @throws CloseError 404 for an event of another organization, or one past retention.
 */
export async function getEvent(ctx: RequestContext, id: string): Promise<EventJson> {
  const row = await findEvent(ctx.db.kysely, ctx.organizationId, id);
  if (!row || Number(row.date_updated) < ctx.now() - EVENT_RETENTION_MS) throw CloseError.notFound(EVENT_MODEL);
  return eventJson(row);
}

/**
 * Deletes events older than the retention (30 days before `nowMs`), with their
 * deliveries, in batches of `batch` (each its own short transaction).
 * @returns how many events were deleted.
 */
export async function pruneEvents(db: Db, nowMs: number, batch = 5000): Promise<number> {
  const cutoff = nowMs - EVENT_RETENTION_MS;
  let total = 0;
  for (;;) {
    const n = await writeTransaction(db, (trx) => deleteEventsBefore(trx, cutoff, batch));
    total += n;
    if (n < batch) return total;
  }
}

/**
 * Runs `pruneEvents` now and then every `intervalMs` (default hourly) until stopped
 * (what `tasklane serve` runs). Errors are logged and the next run tries again.
 */
export function startEventPruning(
  db: Db,
  opts: { clock?: () => number; intervalMs?: number; logger?: { info(o: object, m?: string): void; error(o: object, m?: string): void } } = {},
): { stop(): Promise<void> } {
  const clock = opts.clock ?? (() => Date.now());
  const intervalMs = opts.intervalMs ?? 3_600_000;
  let current: Promise<void> = Promise.resolve();
  const run = () => {
    current = pruneEvents(db, clock())
      .then((n) => {
        if (n) opts.logger?.info({ pruned: n }, 'pruned events older than 30 days');
      })
      .catch((e) => opts.logger?.error({ err: e }, 'event pruning failed'));
  };
  run();
  const timer = setInterval(run, intervalMs);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await current;
    },
  };
}
