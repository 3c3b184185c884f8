/**
 * Webhook storage: subscriptions and the delivery outbox. Functions take the executor
 * first (the database or an open transaction).
 *
 * The outbox claim is the one dialect-specific statement (`claimDueDeliveries`): on
 * PostgreSQL several nodes share the outbox, and `FOR UPDATE SKIP LOCKED` lets each
 * take rows no other node is taking; every claim also sets a lease
 * (`locked_until`), so a row is sent by one node at a time and goes back to the
 * queue if its node dies. SQLite has no `FOR UPDATE` (one writer at a time, one node
 * delivers); there the same UPDATE runs alone under SQLite's write lock.
 */
import type { Kysely } from 'kysely';
import type { Database, WebhookDeliveryRow, WebhookSubscriptionRow } from './schema.js';
import type { DialectName } from './dialect.js';
import type { Executor } from './executor.js';
import { pageOf } from './sql.js';

/** Delivery states (see `WebhookDeliveryRow.state`). */
export const DELIVERY_STATE = {
  pending: 'pending',
  delivered: 'delivered',
  failed: 'failed',
  dropped: 'dropped',
} as const;

export async function insertSubscription(ex: Executor, row: WebhookSubscriptionRow): Promise<void> {
  await ex.insertInto('webhook_subscriptions').values(row).execute();
}

/** One subscription of the organization, or undefined. */
export async function findSubscription(ex: Executor, organizationId: string, id: string): Promise<WebhookSubscriptionRow | undefined> {
  return ex
    .selectFrom('webhook_subscriptions')
    .selectAll()
    .where('id', '=', id)
    .where('organization_id', '=', organizationId)
    .executeTakeFirst();
}

/** Subscriptions by id, any organization (the delivery worker). */
export async function findSubscriptionsById(ex: Executor, ids: string[]): Promise<WebhookSubscriptionRow[]> {
  if (!ids.length) return [];
  return ex.selectFrom('webhook_subscriptions').selectAll().where('id', 'in', ids).execute();
}

/** A page of the organization's subscriptions, oldest first; `createdBy` narrows to one user's. */
export async function listSubscriptions(
  ex: Executor,
  organizationId: string,
  createdBy: string | null,
  page: { limit: number; skip: number },
): Promise<{ rows: WebhookSubscriptionRow[]; hasMore: boolean }> {
  let qb = ex.selectFrom('webhook_subscriptions').selectAll().where('organization_id', '=', organizationId);
  if (createdBy !== null) qb = qb.where('created_by', '=', createdBy);
  const rows = await qb.orderBy('date_created').orderBy('id').limit(page.limit + 1).offset(page.skip).execute();
  return pageOf(rows, page.limit);
}

/** How many subscriptions the organization has (the per-organization cap). */
export async function countSubscriptions(ex: Executor, organizationId: string): Promise<number> {
  const r = await ex
    .selectFrom('webhook_subscriptions')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('organization_id', '=', organizationId)
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

/** Active subscriptions of an organization (matched against every new event). */
export async function activeSubscriptions(ex: Executor, organizationId: string): Promise<WebhookSubscriptionRow[]> {
  return ex
    .selectFrom('webhook_subscriptions')
    .selectAll()
    .where('organization_id', '=', organizationId)
    .where('status', '=', 'active')
    .orderBy('id')
    .execute();
}

export async function updateSubscription(ex: Executor, id: string, patch: Partial<WebhookSubscriptionRow>): Promise<void> {
  await ex.updateTable('webhook_subscriptions').set(patch).where('id', '=', id).execute();
}

/** Deletes a subscription and its outbox rows. */
export async function deleteSubscription(ex: Executor, id: string): Promise<void> {
  await ex.deleteFrom('webhook_deliveries').where('subscription_id', '=', id).execute();
  await ex.deleteFrom('webhook_subscriptions').where('id', '=', id).execute();
}

/**
 * Drops the pending deliveries of a subscription (it was paused: Close clears the
 * queue of a paused subscription, reference §12.3).
 * @returns how many were dropped.
 */
export async function dropPendingDeliveries(ex: Executor, subscriptionId: string, nowMs: number, reason: string): Promise<number> {
  const r = await ex
    .updateTable('webhook_deliveries')
    .set({ state: DELIVERY_STATE.dropped, locked_until: null, locked_by: null, last_error: reason, date_updated: nowMs })
    .where('subscription_id', '=', subscriptionId)
    .where('state', '=', DELIVERY_STATE.pending)
    .executeTakeFirst();
  return Number(r.numUpdatedRows);
}

/** Inserts outbox rows in multi-row statements. */
export async function insertDeliveries(ex: Executor, rows: WebhookDeliveryRow[]): Promise<void> {
  for (let i = 0; i < rows.length; i += 500) {
    await ex.insertInto('webhook_deliveries').values(rows.slice(i, i + 500)).execute();
  }
}

/**
 * The claim statement, built but not run (tests compile it for PostgreSQL): marks up
 * to `limit` due, unleased, pending deliveries as held by `workerId` until
 * `leaseUntilMs`, oldest due first, and returns them.
 *
 * PostgreSQL (any dialect but SQLite): the inner SELECT takes `FOR UPDATE SKIP LOCKED`,
 * so concurrent claims from several nodes take disjoint rows without waiting on each
 * other. SQLite: the statement runs under the database's single write lock.
 */
export function claimDueDeliveriesQuery(
  db: Kysely<Database>,
  dialect: DialectName | string,
  workerId: string,
  nowMs: number,
  leaseUntilMs: number,
  limit: number,
) {
  let due = db
    .selectFrom('webhook_deliveries')
    .select('id')
    .where('state', '=', DELIVERY_STATE.pending)
    .where('next_attempt_at', '<=', nowMs)
    .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<=', nowMs)]))
    .orderBy('next_attempt_at')
    .orderBy('id')
    .limit(limit);
  if (dialect !== 'sqlite') due = due.forUpdate().skipLocked();
  return db
    .updateTable('webhook_deliveries')
    .set({ locked_until: leaseUntilMs, locked_by: workerId })
    .where('id', 'in', due)
    .returningAll();
}

/** Runs the claim (see `claimDueDeliveriesQuery`). */
export async function claimDueDeliveries(
  db: Kysely<Database>,
  dialect: DialectName | string,
  workerId: string,
  nowMs: number,
  leaseUntilMs: number,
  limit: number,
): Promise<WebhookDeliveryRow[]> {
  return claimDueDeliveriesQuery(db, dialect, workerId, nowMs, leaseUntilMs, limit).execute();
}

/**
 * Applies the outcome of an attempt to a delivery this worker still holds; a row
 * whose lease was lost (or that was deleted or dropped meanwhile) is left alone.
 * @returns true when the row was updated.
 */
export async function settleDelivery(
  ex: Executor,
  id: string,
  workerId: string,
  patch: Partial<WebhookDeliveryRow>,
): Promise<boolean> {
  const r = await ex
    .updateTable('webhook_deliveries')
    .set({ ...patch, locked_until: null, locked_by: null })
    .where('id', '=', id)
    .where('locked_by', '=', workerId)
    .where('state', '=', DELIVERY_STATE.pending)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

/**
 * Releases every lease (SQLite only: one node delivers there, so at start-up any lease
 * is a leftover of a process that died mid-delivery, and its rows can go again now
 * instead of when the lease runs out).
 */
export async function releaseAllLeases(ex: Executor): Promise<void> {
  await ex
    .updateTable('webhook_deliveries')
    .set({ locked_until: null, locked_by: null })
    .where('state', '=', DELIVERY_STATE.pending)
    .where('locked_until', 'is not', null)
    .execute();
}

/** Outbox rows of a subscription or an event, for inspection (tests, operators). */
export async function deliveriesOf(ex: Executor, where: { subscriptionId?: string; eventId?: string }): Promise<WebhookDeliveryRow[]> {
  let qb = ex.selectFrom('webhook_deliveries').selectAll();
  if (where.subscriptionId) qb = qb.where('subscription_id', '=', where.subscriptionId);
  if (where.eventId) qb = qb.where('event_id', '=', where.eventId);
  return qb.orderBy('date_created').orderBy('id').execute();
}

/** Deliveries still to send, of every organization (the outbox backlog, for metrics). */
export async function countPendingDeliveries(ex: Executor): Promise<number> {
  const row = await ex.selectFrom('webhook_deliveries').select((eb) => eb.fn.countAll().as('n')).where('state', '=', DELIVERY_STATE.pending).executeTakeFirst();
  return Number(row?.n ?? 0);
}
