/**
 * Recording events (reference §12.1-§12.2; issue 5): every change to a task writes
 * an event row, and one outbox row per matching webhook subscription, in the
 * transaction of the change itself. If the change rolls back, so do its events and
 * deliveries; if it commits, a crash afterwards loses nothing (the delivery worker,
 * `events/delivery.ts`, sends what the outbox holds).
 *
 * This module knows events, not tasks: callers hand it the JSON of the object before
 * and after the change. Task changes are recorded by `tasks/writes.ts`, the only code
 * that writes task rows, so no writer can forget its events.
 *
 * `source` is the `RequestContext` of an API call (it carries `userId`, `apiKeyId`,
 * `requestId`, `requestMethod`, `requestPath`), or `systemSource(orgId, now)` for work
 * no request caused (`user_id`, `request_id`, `api_key_id` null, `meta` `{}`).
 * Record one batch per transaction where you can: `recordEvents` reads the
 * organization's subscriptions once per call.
 *
 * Event shapes (decisions for what Close leaves open; see `eventJson` for the wire):
 * - `created`: `data` = the object, `previous_data` `{}`, `changed_fields` `[]`
 *   (as a real Close `task.lead` `created` webhook shows).
 * - `updated`: `data` = the object after; `changed_fields` = sorted names of the keys
 *   whose JSON value changed (including `date_updated`, `updated_by`, as Close's own
 *   example lists `date_updated`); `previous_data` = those keys' old values.
 *   A write that changed nothing records no `updated` event.
 * - `completed`: `data` = the completed task, `previous_data` `{}`, `changed_fields` `[]`
 *   (it accompanies the `updated` event that carries the diff).
 * - `deleted`: `data` null, `previous_data` = the full object (reference §12.1).
 * Task JSON in events is seen from UTC, with `view` null: `view` depends on who looks
 * and when, and Close's own task events carry `"view": null` (`tasks/writes.ts`).
 */
import type { Clock } from '../context.js';
import { ID_PREFIX, newShortId, randomBase62 } from '../close/ids.js';
import { naiveIsoformat } from '../close/dates.js';
import type { EventRow, WebhookDeliveryRow, WebhookSubscriptionRow } from '../db/schema.js';
import type { Executor } from '../db/executor.js';
import { insertEvents } from '../db/events.repo.js';
import { DELIVERY_STATE, activeSubscriptions, insertDeliveries } from '../db/webhooks.repo.js';
import { jsonEqual, matchesFilter, type EventFilter } from './filter.js';
import { signalOutbox } from './signal.js';
import type { Event } from '../schemas/event-response.js';

/** Who caused an event. A `RequestContext` is one; `systemSource` makes one for work no request caused. */
export interface EventSource {
  organizationId: string;
  userId: string | null;
  apiKeyId: string | null;
  requestId: string | null;
  requestMethod: string | null;
  requestPath: string | null;
  now: Clock;
}

/** An event source for work no user request caused: every actor field null, `meta` `{}`. */
export function systemSource(organizationId: string, now: Clock): EventSource {
  return { organizationId, userId: null, apiKeyId: null, requestId: null, requestMethod: null, requestPath: null, now };
}

/** An event to record: what changed and how. JSON values are Close's JSON of the object. */
export interface NewEvent {
  object_type: string;
  object_id: string;
  lead_id: string | null;
  action: string;
  changed_fields: string[];
  data: Record<string, unknown> | null;
  previous_data: Record<string, unknown> | null;
}

/** Close's JSON of a task, as the task layer serializes it. */
export type TaskJson = Record<string, unknown>;

/** Close's JSON of an event (reference §12.1). */
export type EventJson = Record<string, unknown>;

/** A subscription's `events` entry, as stored. */
export interface SubscribedEvent {
  object_type: string;
  action: string;
  extra_filter: EventFilter | null;
}

let lastSeq = 0;

/**
 * The next event sequence number: strictly increasing within this process, and
 * roughly by wall time across processes and restarts (ms x 1000 plus a counter). Only
 * compared between events of the same `date_updated` millisecond, to keep the order
 * they were recorded in (reference §12.1). Wall time is read directly: this orders
 * rows, it is no Close rule about time.
 */
export function nextEventSeq(): number {
  lastSeq = Math.max(lastSeq + 1, Date.now() * 1000);
  return lastSeq;
}

/**
 * `changed_fields` and `previous_data` of an update: keys whose JSON value differs
 * between `before` and `after` (sorted), and their old values (null where a key was
 * absent, e.g. a `priority` being set for the first time).
 */
export function diffObjects(before: Record<string, unknown>, after: Record<string, unknown>): { changed_fields: string[]; previous_data: Record<string, unknown> } {
  const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
  const changed_fields: string[] = [];
  const previous_data: Record<string, unknown> = {};
  for (const k of keys) {
    if (jsonEqual(before[k] ?? null, after[k] ?? null)) continue;
    changed_fields.push(k);
    previous_data[k] = k in before ? before[k] : null;
  }
  return { changed_fields, previous_data };
}

/** Close's `_type` of an activity to its event object type: `TaskCompleted` -> `activity.task_completed`. */
export function activityObjectType(type: string): string {
  return 'activity.' + type.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
}

function objectEvent(
  objectType: string,
  action: string,
  change: { before?: Record<string, unknown> | null; after?: Record<string, unknown> | null },
): NewEvent | null {
  const before = change.before ?? null;
  const after = change.after ?? null;
  const subject = after ?? before;
  if (!subject) throw new Error(`a ${action} event needs the object before or after the change`);
  const base = { object_type: objectType, object_id: String(subject.id), lead_id: (subject.lead_id as string | null | undefined) ?? null, action };
  if (action === 'deleted') {
    if (!before) throw new Error('a deleted event needs the object as it was (previous_data)');
    return { ...base, changed_fields: [], data: null, previous_data: before };
  }
  if (!after) throw new Error(`a ${action} event needs the object after the change`);
  if (action === 'updated') {
    if (!before) throw new Error('an updated event needs the object before the change');
    const diff = diffObjects(before, after);
    if (!diff.changed_fields.length) return null;
    return { ...base, changed_fields: diff.changed_fields, data: after, previous_data: diff.previous_data };
  }
  return { ...base, changed_fields: [], data: after, previous_data: {} };
}

/**
 * The event of a task change: `object_type` `task.<_type>` (reference §12.2).
 * `before`/`after` are task event JSON (`tasks/writes.ts`): `created` and `completed` need `after`,
 * `updated` both, `deleted` `before`.
 * @returns the event, or null for an `updated` that changed nothing.
 * @throws Error when the snapshots the action needs are missing (a programming error).
 */
export function taskEvent(
  action: 'created' | 'updated' | 'completed' | 'deleted',
  change: { before?: TaskJson | null; after?: TaskJson | null },
): NewEvent | null {
  const subject = change.after ?? change.before;
  return objectEvent(`task.${subject?._type ?? 'lead'}`, action, change);
}

/**
 * The event of an activity change: `object_type` `activity.<type>` (e.g.
 * `activity.task_completed`, reference §12.2), from `activitySnapshots` JSON.
 * @throws Error when the snapshot the action needs is missing.
 */
export function activityEvent(
  action: 'created' | 'updated' | 'deleted',
  change: { before?: Record<string, unknown> | null; after?: Record<string, unknown> | null },
): NewEvent | null {
  const subject = change.after ?? change.before;
  return objectEvent(activityObjectType(String(subject?._type ?? '')), action, change);
}

/** Close's JSON of a stored event (reference §12.1): envelope dates naive, UTC (§1.5). */
export function eventJson(row: EventRow): EventJson & Event {
  return {
    action: row.action,
    api_key_id: row.api_key_id,
    changed_fields: JSON.parse(row.changed_fields),
    data: row.data === null ? null : JSON.parse(row.data),
    date_created: naiveIsoformat(Number(row.date_created)),
    date_updated: naiveIsoformat(Number(row.date_updated)),
    id: row.id,
    lead_id: row.lead_id,
    meta: JSON.parse(row.meta),
    // Close's envelope carries these for OAuth apps; Tasklane has API keys only.
    oauth_client_id: null,
    oauth_scope: null,
    object_id: row.object_id,
    object_type: row.object_type,
    organization_id: row.organization_id,
    previous_data: row.previous_data === null ? null : JSON.parse(row.previous_data),
    request_id: row.request_id,
    user_id: row.user_id,
  };
}

/** The `events` entries of a subscription row. */
export function subscribedEvents(sub: Pick<WebhookSubscriptionRow, 'events'>): SubscribedEvent[] {
  return JSON.parse(sub.events) as SubscribedEvent[];
}

/** A subscription's matching rules, parsed once. */
export interface SubscriptionMatcher {
  events: SubscribedEvent[];
  eventFilter: EventFilter | null;
}

/** Parses the `events` and `event_filter` of a subscription row. */
export function subscriptionMatcher(sub: Pick<WebhookSubscriptionRow, 'events' | 'event_filter'>): SubscriptionMatcher {
  return { events: subscribedEvents(sub), eventFilter: sub.event_filter ? JSON.parse(sub.event_filter) : null };
}

/**
 * True when `event` (its wire JSON) should go to the subscription: some entry of its
 * `events` names the event's `object_type` and `action` and its `extra_filter` (if
 * any) matches, and the subscription's `event_filter` (if any) matches too
 * (reference §12.3).
 */
export function subscriptionWants(m: SubscriptionMatcher, event: EventJson): boolean {
  if (m.eventFilter && !matchesFilter(m.eventFilter, event)) return false;
  return m.events.some(
    (e) => e.object_type === event.object_type && e.action === event.action && (!e.extra_filter || matchesFilter(e.extra_filter, event)),
  );
}

/**
 * Records events and queues their webhook deliveries, in the caller's transaction.
 * Null entries (updates that changed nothing) are skipped. Events of one call share
 * the source's instant (`source.now()`) and keep their order (`seq`).
 * @returns the recorded events' wire JSON, in order.
 */
export async function recordEvents(ex: Executor, source: EventSource, events: (NewEvent | null)[]): Promise<EventJson[]> {
  const list = events.filter((e): e is NewEvent => e !== null);
  if (!list.length) return [];
  const now = source.now();
  const meta = source.requestMethod ? JSON.stringify({ request_method: source.requestMethod, request_path: source.requestPath }) : '{}';
  const rows: EventRow[] = list.map((e) => ({
    id: newShortId(ID_PREFIX.event),
    seq: nextEventSeq(),
    organization_id: source.organizationId,
    user_id: source.userId,
    request_id: source.requestId,
    api_key_id: source.apiKeyId,
    object_type: e.object_type,
    object_id: e.object_id,
    lead_id: e.lead_id,
    action: e.action,
    changed_fields: JSON.stringify(e.changed_fields),
    data: e.data === null ? null : JSON.stringify(e.data),
    previous_data: e.previous_data === null ? null : JSON.stringify(e.previous_data),
    meta,
    date_created: now,
    date_updated: now,
  }));
  await insertEvents(ex, rows);
  // The wire JSON, built from the values in hand (the same as `eventJson` of the rows).
  const metaJson = JSON.parse(meta);
  const when = naiveIsoformat(now);
  const json: EventJson[] = rows.map((r, i) => ({
    action: r.action,
    api_key_id: r.api_key_id,
    changed_fields: list[i].changed_fields,
    data: list[i].data,
    date_created: when,
    date_updated: when,
    id: r.id,
    lead_id: r.lead_id,
    meta: metaJson,
    oauth_client_id: null,
    oauth_scope: null,
    object_id: r.object_id,
    object_type: r.object_type,
    organization_id: r.organization_id,
    previous_data: list[i].previous_data,
    request_id: r.request_id,
    user_id: r.user_id,
  }));

  const subs = (await activeSubscriptions(ex, source.organizationId)).map((sub) => ({ sub, matcher: subscriptionMatcher(sub) }));
  if (subs.length) {
    const deliveries: WebhookDeliveryRow[] = [];
    for (let i = 0; i < rows.length; i++) {
      for (const { sub, matcher } of subs) {
        if (!subscriptionWants(matcher, json[i])) continue;
        deliveries.push({
          id: 'whdl_' + randomBase62(22),
          event_id: rows[i].id,
          subscription_id: sub.id,
          state: DELIVERY_STATE.pending,
          attempts: 0,
          next_attempt_at: now,
          locked_until: null,
          locked_by: null,
          last_status: null,
          last_error: null,
          date_created: now,
          date_updated: now,
          date_delivered: null,
        });
      }
    }
    if (deliveries.length) {
      await insertDeliveries(ex, deliveries);
      signalOutbox();
    }
  }
  return json;
}
