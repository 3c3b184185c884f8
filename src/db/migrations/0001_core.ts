/**
 * Migration 0001: organizations, users, memberships, API keys, leads, contacts,
 * tasks and activities. Written with Kysely's schema builder so the same migration
 * runs on SQLite and PostgreSQL; `bigint` holds millisecond instants.
 *
 * Task indexes and the queries they serve (lists read rows in `date_ms, id` order per
 * date kind, see `tasks.repo.ts`):
 * - `tasks_open_date`: the organization's inbox/future/archive, the hot path;
 * - `tasks_assignee_open_date`: one user's inbox/future/archive (`assigned_to=`);
 * - `tasks_date`: lists without a completeness rule;
 * - `tasks_created`: incremental syncs ordered by `date_created` (Airbyte's
 *   `_order_by=date_created` + `date_created__gte`, reference §9.1);
 * - `tasks_lead`: a lead's tasks, and the cascade when a lead is deleted.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('organizations')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('currency', 'text', (c) => c.notNull().defaultTo('USD'))
    .addColumn('date_created', 'bigint', (c) => c.notNull())
    .addColumn('date_updated', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('users')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('email', 'text', (c) => c.notNull())
    .addColumn('first_name', 'text', (c) => c.notNull())
    .addColumn('last_name', 'text', (c) => c.notNull())
    .addColumn('timezone', 'text')
    .addColumn('date_created', 'bigint', (c) => c.notNull())
    .addColumn('date_updated', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('memberships')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('organization_id', 'text', (c) => c.notNull().references('organizations.id').onDelete('cascade'))
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('role_id', 'text', (c) => c.notNull().defaultTo('user'))
    .addColumn('date_created', 'bigint', (c) => c.notNull())
    .addUniqueConstraint('memberships_org_user', ['organization_id', 'user_id'])
    .execute();

  await db.schema
    .createTable('api_keys')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('key_hash', 'text', (c) => c.notNull().unique())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('organization_id', 'text', (c) => c.notNull().references('organizations.id').onDelete('cascade'))
    .addColumn('date_created', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('leads')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('organization_id', 'text', (c) => c.notNull().references('organizations.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('url', 'text')
    .addColumn('status_label', 'text', (c) => c.notNull().defaultTo('Potential'))
    .addColumn('created_by', 'text')
    .addColumn('updated_by', 'text')
    .addColumn('date_created', 'bigint', (c) => c.notNull())
    .addColumn('date_updated', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('leads_org_created').on('leads').columns(['organization_id', 'date_created', 'id']).execute();

  await db.schema
    .createTable('contacts')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('organization_id', 'text', (c) => c.notNull().references('organizations.id').onDelete('cascade'))
    .addColumn('lead_id', 'text', (c) => c.notNull().references('leads.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('title', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('phones', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('emails', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('created_by', 'text')
    .addColumn('updated_by', 'text')
    .addColumn('date_created', 'bigint', (c) => c.notNull())
    .addColumn('date_updated', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('contacts_lead').on('contacts').columns(['lead_id', 'date_created']).execute();
  await db.schema.createIndex('contacts_org_created').on('contacts').columns(['organization_id', 'date_created', 'id']).execute();

  await db.schema
    .createTable('tasks')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('organization_id', 'text', (c) => c.notNull().references('organizations.id').onDelete('cascade'))
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('lead_id', 'text', (c) => c.references('leads.id').onDelete('cascade'))
    .addColumn('contact_id', 'text')
    .addColumn('assigned_to', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text')
    .addColumn('updated_by', 'text')
    .addColumn('text', 'text')
    .addColumn('is_complete', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('is_dateless', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('date_ms', 'bigint', (c) => c.notNull())
    .addColumn('date_is_day', 'integer', (c) => c.notNull())
    .addColumn('priority', 'text')
    .addColumn('resolution', 'text')
    .addColumn('object_type', 'text')
    .addColumn('object_id', 'text')
    .addColumn('extra', 'text')
    .addColumn('wire_overrides', 'text')
    .addColumn('date_created', 'bigint', (c) => c.notNull())
    .addColumn('date_updated', 'bigint', (c) => c.notNull())
    .execute();
  // Date order reads date-only and date-time rows as two index-ordered streams of ids
  // (tasks.repo.ts): every date index has `date_is_day` before `date_ms, id`, and ends
  // with `type` so the default `_type=lead` filter is answered from the index alone.
  await db.schema
    .createIndex('tasks_assignee_open_date')
    .on('tasks')
    .columns(['organization_id', 'assigned_to', 'is_complete', 'date_is_day', 'date_ms', 'id', 'type'])
    .execute();
  await db.schema.createIndex('tasks_open_date').on('tasks').columns(['organization_id', 'is_complete', 'date_is_day', 'date_ms', 'id', 'type']).execute();
  await db.schema.createIndex('tasks_date').on('tasks').columns(['organization_id', 'date_is_day', 'date_ms', 'id', 'type']).execute();
  await db.schema.createIndex('tasks_created').on('tasks').columns(['organization_id', 'date_created', 'id', 'type']).execute();
  await db.schema.createIndex('tasks_lead').on('tasks').columns(['lead_id']).execute();

  await db.schema
    .createTable('activities')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('organization_id', 'text', (c) => c.notNull().references('organizations.id').onDelete('cascade'))
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('lead_id', 'text')
    .addColumn('contact_id', 'text')
    .addColumn('user_id', 'text')
    .addColumn('created_by', 'text')
    .addColumn('updated_by', 'text')
    .addColumn('data', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('activity_at', 'bigint', (c) => c.notNull())
    .addColumn('date_created', 'bigint', (c) => c.notNull())
    .addColumn('date_updated', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('activities_org_type_created').on('activities').columns(['organization_id', 'type', 'date_created', 'id']).execute();
  await db.schema.createIndex('activities_lead').on('activities').columns(['lead_id']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ['activities', 'tasks', 'contacts', 'leads', 'api_keys', 'memberships', 'users', 'organizations']) {
    await db.schema.dropTable(t).ifExists().execute();
  }
}
