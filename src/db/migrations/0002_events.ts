/**
 * Migration 0002: the event log, webhook subscriptions and the delivery outbox
 * (issue 5; reference §12). Written with Kysely's schema builder so it runs on SQLite
 * and PostgreSQL alike: instants are `bigint` ms UTC, booleans `integer` 0/1, JSON as text.
 *
 * Tables:
 * - `events`: one row per recorded change, kept 30 days (reference §12.1).
 *   `seq` orders events of the same millisecond in the order they were recorded (see
 *   `events/log.ts`), so two events of one object always list in the right order.
 * - `webhook_subscriptions`: Close's subscription objects (reference §12.3), plus
 *   `failing_since` (start of the current run of failed deliveries, for the 3-day pause).
 * - `webhook_deliveries`: the outbox, one row per (event, matching subscription),
 *   written in the transaction that records the event, so a crash loses nothing.
 *
 * Indexes and the queries they serve:
 * - `events_org_updated`: `GET /event/` without filters, newest first, cursor paging.
 * - `events_org_type_action`, `events_org_lead`, `events_org_object`, `events_org_user`:
 *   the `/event/` filter combinations Close documents (each then ordered by
 *   `date_updated`, `seq`).
 * - `events_request`: `request_id` lookups.
 * - `events_updated`: the 30-day prune across organizations.
 * - `webhook_subscriptions_org`: subscriptions of an organization (listing, and matching
 *   each new event).
 * - `webhook_deliveries_due`: the claim query (`state = 'pending'`, `next_attempt_at` due).
 * - `webhook_deliveries_subscription`: dropping a paused subscription's queue.
 * - `webhook_deliveries_event`: unique (event, subscription), and the cascade on prune.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('events')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('seq', 'bigint', (c) => c.notNull())
    .addColumn('organization_id', 'text', (c) => c.notNull().references('organizations.id').onDelete('cascade'))
    .addColumn('user_id', 'text')
    .addColumn('request_id', 'text')
    .addColumn('api_key_id', 'text')
    .addColumn('object_type', 'text', (c) => c.notNull())
    .addColumn('object_id', 'text', (c) => c.notNull())
    .addColumn('lead_id', 'text')
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('changed_fields', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('data', 'text')
    .addColumn('previous_data', 'text')
    .addColumn('meta', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('date_created', 'bigint', (c) => c.notNull())
    .addColumn('date_updated', 'bigint', (c) => c.notNull())
    .execute();
  const order = ['date_updated', 'seq', 'id'];
  await db.schema.createIndex('events_org_updated').on('events').columns(['organization_id', ...order]).execute();
  await db.schema.createIndex('events_org_type_action').on('events').columns(['organization_id', 'object_type', 'action', ...order]).execute();
  await db.schema.createIndex('events_org_lead').on('events').columns(['organization_id', 'lead_id', ...order]).execute();
  await db.schema.createIndex('events_org_object').on('events').columns(['organization_id', 'object_id', ...order]).execute();
  await db.schema.createIndex('events_org_user').on('events').columns(['organization_id', 'user_id', ...order]).execute();
  await db.schema.createIndex('events_request').on('events').columns(['request_id']).execute();
  await db.schema.createIndex('events_updated').on('events').columns(['date_updated']).execute();

  await db.schema
    .createTable('webhook_subscriptions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('organization_id', 'text', (c) => c.notNull().references('organizations.id').onDelete('cascade'))
    .addColumn('url', 'text', (c) => c.notNull())
    .addColumn('events', 'text', (c) => c.notNull())
    .addColumn('event_filter', 'text')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('verify_ssl', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('signature_key', 'text', (c) => c.notNull())
    .addColumn('failing_since', 'bigint')
    .addColumn('created_by', 'text')
    .addColumn('updated_by', 'text')
    .addColumn('date_created', 'bigint', (c) => c.notNull())
    .addColumn('date_updated', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('webhook_subscriptions_org').on('webhook_subscriptions').columns(['organization_id', 'status']).execute();

  await db.schema
    .createTable('webhook_deliveries')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('event_id', 'text', (c) => c.notNull().references('events.id').onDelete('cascade'))
    .addColumn('subscription_id', 'text', (c) => c.notNull().references('webhook_subscriptions.id').onDelete('cascade'))
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('next_attempt_at', 'bigint', (c) => c.notNull())
    .addColumn('locked_until', 'bigint')
    .addColumn('locked_by', 'text')
    .addColumn('last_status', 'integer')
    .addColumn('last_error', 'text')
    .addColumn('date_created', 'bigint', (c) => c.notNull())
    .addColumn('date_updated', 'bigint', (c) => c.notNull())
    .addColumn('date_delivered', 'bigint')
    .execute();
  await db.schema.createIndex('webhook_deliveries_due').on('webhook_deliveries').columns(['state', 'next_attempt_at']).execute();
  await db.schema.createIndex('webhook_deliveries_subscription').on('webhook_deliveries').columns(['subscription_id', 'state']).execute();
  await db.schema.createIndex('webhook_deliveries_event').on('webhook_deliveries').columns(['event_id', 'subscription_id']).unique().execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ['webhook_deliveries', 'webhook_subscriptions', 'events']) {
    await db.schema.dropTable(t).ifExists().execute();
  }
}
