/**
 * Storage of organizations, users, memberships and API keys (reference §2, §13.1-§13.3;
 * D27): every SQL statement about who may call the API and as whom. Functions take the
 * executor first. API keys are stored as hashes only (`crm/accounts.ts` hashes them).
 */
import type { ApiKeyRow, MembershipRow, OrganizationRow, UserRow } from './schema.js';
import { sql } from 'kysely';
import { isSqlite, type Executor } from './executor.js';
import { pageOf } from './sql.js';

/** The row an API key hash finds: the key, its user and organization, and the user's zone. */
export interface KeyLookup {
  id: string;
  key_hash: string;
  user_id: string;
  organization_id: string;
  timezone: string | null;
}

/**
 * The API key with hash `keyHash` and its user's zone, or undefined; also undefined
 * when the key's user is not an active member of the key's organization (D35: a
 * deactivated user's keys answer 401).
 */
export async function findKeyByHash(ex: Executor, keyHash: string): Promise<KeyLookup | undefined> {
  return ex
    .selectFrom('api_keys')
    .innerJoin('users', 'users.id', 'api_keys.user_id')
    .innerJoin('memberships', (j) => j.onRef('memberships.user_id', '=', 'api_keys.user_id').onRef('memberships.organization_id', '=', 'api_keys.organization_id'))
    .select(['api_keys.id', 'api_keys.key_hash', 'api_keys.user_id', 'api_keys.organization_id', 'users.timezone'])
    .where('api_keys.key_hash', '=', keyHash)
    .where('memberships.date_deactivated', 'is', null)
    .where('api_keys.date_revoked', 'is', null)
    .executeTakeFirst();
}

/** True when a key with this hash exists, whatever its member's state (a deactivated member's key too). */
export async function apiKeyHashExists(ex: Executor, keyHash: string): Promise<boolean> {
  return (await ex.selectFrom('api_keys').select('id').where('key_hash', '=', keyHash).executeTakeFirst()) !== undefined;
}

/** The API key `id` (its hash, never a secret), or undefined. */
export async function findApiKey(ex: Executor, id: string): Promise<ApiKeyRow | undefined> {
  return ex.selectFrom('api_keys').selectAll().where('id', '=', id).executeTakeFirst();
}

/**
 * Makes a membership inactive (`deactivatedAt` ms) or active again (null) (D35).
 * @returns the number of memberships changed: 0 when the user is no member, or already in that state.
 */
export async function setMembershipDeactivated(ex: Executor, organizationId: string, userId: string, deactivatedAt: number | null): Promise<number> {
  const r = await ex
    .updateTable('memberships')
    .set({ date_deactivated: deactivatedAt })
    .where('organization_id', '=', organizationId)
    .where('user_id', '=', userId)
    .where('date_deactivated', deactivatedAt === null ? 'is not' : 'is', null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows);
}

export async function insertOrganization(ex: Executor, row: OrganizationRow): Promise<void> {
  await ex.insertInto('organizations').values(row).execute();
}

/** Inserts an organization unless one with its id exists. */
export async function insertOrganizationIfMissing(ex: Executor, row: OrganizationRow): Promise<void> {
  await ex.insertInto('organizations').values(row).onConflict((oc) => oc.column('id').doNothing()).execute();
}

export async function findOrganization(ex: Executor, id: string): Promise<OrganizationRow | undefined> {
  return ex.selectFrom('organizations').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Ids of every organization but `except` (the emulator refuses databases holding others). */
export async function organizationIdsExcept(ex: Executor, except: string): Promise<string[]> {
  return (await ex.selectFrom('organizations').select('id').where('id', '!=', except).execute()).map((r) => r.id);
}

/** Ids of every organization. */
export async function organizationIds(ex: Executor): Promise<string[]> {
  return (await ex.selectFrom('organizations').select('id').execute()).map((r) => r.id);
}

export async function insertUser(ex: Executor, row: UserRow): Promise<void> {
  await ex.insertInto('users').values(row).execute();
}

/** Inserts a user unless one with its id exists. */
export async function insertUserIfMissing(ex: Executor, row: UserRow): Promise<void> {
  await ex.insertInto('users').values(row).onConflict((oc) => oc.column('id').doNothing()).execute();
}

/** Adds `row` unless the user is already a member of the organization. */
export async function insertMembershipIfMissing(ex: Executor, row: MembershipRow): Promise<void> {
  await ex
    .insertInto('memberships')
    .values(row)
    .onConflict((oc) => oc.columns(['organization_id', 'user_id']).doNothing())
    .execute();
}

export async function findUser(ex: Executor, id: string): Promise<UserRow | undefined> {
  return ex.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
}

/** A user, if they are a member of the organization (others are invisible, D26). */
export async function findMember(ex: Executor, organizationId: string, userId: string): Promise<UserRow | undefined> {
  return ex
    .selectFrom('users')
    .innerJoin('memberships', 'memberships.user_id', 'users.id')
    .selectAll('users')
    .where('memberships.organization_id', '=', organizationId)
    .where('users.id', '=', userId)
    .executeTakeFirst();
}

/** The member of an organization whose email is `email`, ignoring case, or undefined. */
export async function findMemberByEmail(ex: Executor, organizationId: string, email: string): Promise<UserRow | undefined> {
  return ex
    .selectFrom('users')
    .innerJoin('memberships', 'memberships.user_id', 'users.id')
    .selectAll('users')
    .where('memberships.organization_id', '=', organizationId)
    .where((eb) => eb(eb.fn('lower', ['users.email']), '=', email.toLowerCase()))
    .executeTakeFirst();
}

/** The membership of `userId` in `organizationId`, or undefined for a non-member. */
export async function findMembership(ex: Executor, organizationId: string, userId: string): Promise<MembershipRow | undefined> {
  return ex.selectFrom('memberships').selectAll().where('organization_id', '=', organizationId).where('user_id', '=', userId).executeTakeFirst();
}

/** The role (`admin`, `user`) of a member, or undefined for a non-member. */
export async function membershipRole(ex: Executor, organizationId: string, userId: string): Promise<string | undefined> {
  const m = await ex
    .selectFrom('memberships')
    .select('role_id')
    .where('organization_id', '=', organizationId)
    .where('user_id', '=', userId)
    .executeTakeFirst();
  return m?.role_id;
}

/** Members of an organization, by last then first name, one page (`has_more` exact). */
export async function listMembers(ex: Executor, organizationId: string, page: { limit: number; skip: number }): Promise<{ rows: UserRow[]; hasMore: boolean }> {
  const rows = await ex
    .selectFrom('users')
    .innerJoin('memberships', 'memberships.user_id', 'users.id')
    .selectAll('users')
    .where('memberships.organization_id', '=', organizationId)
    .orderBy('users.last_name')
    .orderBy('users.first_name')
    .orderBy('users.id')
    .limit(page.limit + 1)
    .offset(page.skip)
    .execute();
  return pageOf(rows, page.limit);
}

/** Organizations a user belongs to, oldest first. */
export async function organizationsOfUser(ex: Executor, userId: string): Promise<OrganizationRow[]> {
  return ex
    .selectFrom('organizations')
    .innerJoin('memberships', 'memberships.organization_id', 'organizations.id')
    .selectAll('organizations')
    .where('memberships.user_id', '=', userId)
    .orderBy('organizations.date_created')
    .execute();
}

/** A user of a membership listing, with the membership's own fields. */
export type MemberWithMembership = UserRow & { membership_id: string; role_id: string; organization_id: string; date_deactivated: number | null };

/** Memberships of an organization with their users, active and inactive (`date_deactivated`), by last then first name. */
export async function membershipsOf(ex: Executor, organizationId: string): Promise<MemberWithMembership[]> {
  return ex
    .selectFrom('memberships')
    .innerJoin('users', 'users.id', 'memberships.user_id')
    .selectAll('users')
    .select(['memberships.id as membership_id', 'memberships.role_id', 'memberships.organization_id', 'memberships.date_deactivated'])
    .where('memberships.organization_id', '=', organizationId)
    .orderBy('users.last_name')
    .orderBy('users.first_name')
    .orderBy('users.id')
    .execute() as Promise<MemberWithMembership[]>;
}

export async function insertApiKey(ex: Executor, row: ApiKeyRow): Promise<void> {
  await ex.insertInto('api_keys').values(row).execute();
}

/** Inserts an API key unless one with its hash exists. */
export async function insertApiKeyIfMissing(ex: Executor, row: ApiKeyRow): Promise<void> {
  await ex.insertInto('api_keys').values(row).onConflict((oc) => oc.column('key_hash').doNothing()).execute();
}

/** Full names ("First Last") of users by id (for fields such as `task_assigned_to_name`). */
export async function userNames(ex: Executor, ids: readonly string[]): Promise<Map<string, string>> {
  const unique = [...new Set(ids)];
  if (!unique.length) return new Map();
  const rows = await ex.selectFrom('users').select(['id', 'first_name', 'last_name']).where('id', 'in', unique).execute();
  return new Map(rows.map((r) => [r.id, `${r.first_name} ${r.last_name}`.trim()]));
}

/** An API key as `tasklane apikey list` shows it: never the secret, nor its hash. */
export interface ApiKeyListing {
  id: string;
  user_id: string;
  organization_id: string;
  date_created: number;
  date_revoked: number | null;
}

/** Every API key (of `organizationId` / `userId` when given), oldest first. */
export async function listApiKeys(ex: Executor, filter: { organizationId?: string; userId?: string } = {}): Promise<ApiKeyListing[]> {
  let q = ex.selectFrom('api_keys').select(['id', 'user_id', 'organization_id', 'date_created', 'date_revoked']);
  if (filter.organizationId) q = q.where('organization_id', '=', filter.organizationId);
  if (filter.userId) q = q.where('user_id', '=', filter.userId);
  const rows = await q.orderBy('date_created').orderBy('id').execute();
  return rows.map((r) => ({ ...r, date_revoked: r.date_revoked ?? null }));
}

/**
 * Marks the key `id` revoked at `nowMs` (its lookups then find nothing).
 * @returns 1 when it was revoked now, 0 when it does not exist or already was.
 */
export async function revokeApiKeyRow(ex: Executor, id: string, nowMs: number): Promise<number> {
  const r = await ex.updateTable('api_keys').set({ date_revoked: nowMs }).where('id', '=', id).where('date_revoked', 'is', null).executeTakeFirst();
  return Number(r.numUpdatedRows);
}

/** Every organization, by name then id. */
export async function listOrganizations(ex: Executor): Promise<OrganizationRow[]> {
  return ex.selectFrom('organizations').selectAll().orderBy('name').orderBy('id').execute();
}

/** A member as `tasklane user list` shows it. */
export interface MemberListing {
  id: string;
  email: string;
  first_name: string;
  last_name: string;
  organization_id: string;
  role_id: string;
  date_deactivated: number | null;
}

/** Every membership with its user (of `organizationId` when given), by organization then email. */
export async function listMemberships(ex: Executor, organizationId?: string): Promise<MemberListing[]> {
  let q = ex
    .selectFrom('memberships')
    .innerJoin('users', 'users.id', 'memberships.user_id')
    .select(['users.id', 'users.email', 'users.first_name', 'users.last_name', 'memberships.organization_id', 'memberships.role_id', 'memberships.date_deactivated']);
  if (organizationId) q = q.where('memberships.organization_id', '=', organizationId);
  const rows = await q.orderBy('memberships.organization_id').orderBy('users.email').execute();
  return rows.map((r) => ({ ...r, date_deactivated: r.date_deactivated ?? null }));
}

/** The channel on which PostgreSQL nodes hear of credential changes (`bumpAuthEpoch`). */
export const AUTH_CHANNEL = 'tasklane_auth';

/**
 * Records that who may call the API changed (a key revoked, a member deactivated or
 * reactivated): increments `auth_epoch.version`, and on PostgreSQL sends a NOTIFY on
 * `AUTH_CHANNEL`, delivered to listening nodes when `trx` commits.
 */
export async function bumpAuthEpoch(trx: Executor): Promise<void> {
  await trx.updateTable('auth_epoch').set((eb) => ({ version: eb('version', '+', 1) })).where('id', '=', 1).execute();
  if (!isSqlite(trx)) await sql`select pg_notify(${AUTH_CHANNEL}, '')`.execute(trx);
}

/** The current credential version (`bumpAuthEpoch`); 0 before any change. */
export async function readAuthEpoch(ex: Executor): Promise<number> {
  const row = await ex.selectFrom('auth_epoch').select('version').where('id', '=', 1).executeTakeFirst();
  return Number(row?.version ?? 0);
}
