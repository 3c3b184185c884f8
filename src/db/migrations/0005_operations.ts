/**
 * Migration 0005 (issue 11: operations).
 *
 * - `api_keys.date_revoked`: when `tasklane apikey revoke` revoked the key (ms UTC),
 *   null while it works. A revoked key answers 401; the row stays for `apikey list`.
 * - `auth_epoch`: one row whose `version` grows with every change of who may call the
 *   API (a key revoked, a member deactivated or reactivated). Nodes compare it to drop
 *   their cached key lookups at once (`server/auth.ts`); on PostgreSQL the same
 *   transaction also sends a NOTIFY (`db/notify.ts`).
 * - `rate_limit_buckets`: D31's token buckets when they are shared through the database
 *   (no `REDIS_URL`): one row per bucket key, its capacity, the tokens left at `at`
 *   (ms), and whether the last take was granted (read back by the same statement).
 *
 * Only additions, so nodes of the previous version keep working while this applies.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('api_keys').addColumn('date_revoked', 'bigint').execute();
  await db.schema
    .createTable('auth_epoch')
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .addColumn('version', 'bigint', (c) => c.notNull())
    .execute();
  await db.insertInto('auth_epoch').values({ id: 1, version: 0 }).execute();
  await db.schema
    .createTable('rate_limit_buckets')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('capacity', 'bigint', (c) => c.notNull())
    .addColumn('tokens', 'double precision', (c) => c.notNull())
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addColumn('granted', 'integer', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('rate_limit_buckets_at').on('rate_limit_buckets').column('at').execute();
}

/** Drops what `up` added (revocations are forgotten: revoked keys would work again). */
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('rate_limit_buckets').execute();
  await db.schema.dropTable('auth_epoch').execute();
  await db.schema.alterTable('api_keys').dropColumn('date_revoked').execute();
}
