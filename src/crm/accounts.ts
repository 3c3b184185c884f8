/**
 * Organizations, users, memberships and API keys: who may call the API and as whom
 * (reference §2, §13.1-§13.3; decisions D16, D27).
 *
 * API keys belong to one user in one organization. Only the SHA-256 of a key is
 * stored; a key is shown once, when it is created, and compared in constant time.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Executor } from '../db/tasks.repo.js';
import type { OrganizationRow, UserRow } from '../db/schema.js';
import { ID_PREFIX, newApiKeySecret, newId } from '../close/ids.js';
import { isoformat } from '../close/dates.js';
import { isValidIanaZone } from '../close/zone.js';

/** Hex SHA-256 of an API key. Keys carry ~256 random bits, so a fast hash is enough. */
export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/** The caller an API key stands for. */
export interface Principal {
  apiKeyId: string;
  userId: string;
  organizationId: string;
  /** The user's IANA zone, or null (D16). */
  timezone: string | null;
}

/**
 * Looks up the principal of an API key (D27). The lookup is by hash; the stored hash
 * is then compared in constant time.
 * @returns the principal, or null for an unknown key.
 */
export async function principalForKey(ex: Executor, key: string): Promise<Principal | null> {
  const hash = hashApiKey(key);
  const row = await ex
    .selectFrom('api_keys')
    .innerJoin('users', 'users.id', 'api_keys.user_id')
    .select(['api_keys.id', 'api_keys.key_hash', 'api_keys.user_id', 'api_keys.organization_id', 'users.timezone'])
    .where('api_keys.key_hash', '=', hash)
    .executeTakeFirst();
  if (!row) return null;
  const a = Buffer.from(row.key_hash, 'hex');
  const b = Buffer.from(hash, 'hex');
  if (a.length !== b.length || !timingSafeEqual(a, b)) return null;
  return { apiKeyId: row.id, userId: row.user_id, organizationId: row.organization_id, timezone: row.timezone };
}

export async function createOrganization(
  ex: Executor,
  input: { name: string; currency?: string; id?: string },
  nowMs: number,
): Promise<OrganizationRow> {
  const row: OrganizationRow = {
    id: input.id ?? newId(ID_PREFIX.organization),
    name: input.name,
    currency: (input.currency ?? 'USD').toUpperCase(),
    date_created: nowMs,
    date_updated: nowMs,
  };
  await ex.insertInto('organizations').values(row).execute();
  return row;
}

export async function findOrganization(ex: Executor, id: string): Promise<OrganizationRow | undefined> {
  return ex.selectFrom('organizations').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Input for a new user. `timezone` must be an IANA name when given. */
export interface NewUser {
  id?: string;
  email: string;
  first_name: string;
  last_name: string;
  timezone?: string | null;
}

/**
 * Creates a user and makes them a member of `organizationId`.
 * @throws Error when the time zone is not an IANA zone name.
 */
export async function createUser(ex: Executor, organizationId: string, input: NewUser, nowMs: number): Promise<UserRow> {
  if (input.timezone && !isValidIanaZone(input.timezone)) {
    throw new Error(`unknown time zone "${input.timezone}": use an IANA name such as America/New_York`);
  }
  const row: UserRow = {
    id: input.id ?? newId(ID_PREFIX.user),
    email: input.email,
    first_name: input.first_name,
    last_name: input.last_name,
    timezone: input.timezone ?? null,
    date_created: nowMs,
    date_updated: nowMs,
  };
  await ex.insertInto('users').values(row).execute();
  await addMembership(ex, organizationId, row.id, nowMs);
  return row;
}

/** Adds `userId` to `organizationId` unless already a member. */
export async function addMembership(ex: Executor, organizationId: string, userId: string, nowMs: number, roleId = 'user'): Promise<void> {
  await ex
    .insertInto('memberships')
    .values({ id: newId(ID_PREFIX.membership), organization_id: organizationId, user_id: userId, role_id: roleId, date_created: nowMs })
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

/** Members of an organization, by last then first name, one page (`has_more` exact). */
export async function listMembers(
  ex: Executor,
  organizationId: string,
  page: { limit: number; skip: number },
): Promise<{ rows: UserRow[]; hasMore: boolean }> {
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
  const hasMore = rows.length > page.limit;
  if (hasMore) rows.pop();
  return { rows, hasMore };
}

/** Organizations a user belongs to. */
export async function organizationsOfUser(ex: Executor, userId: string): Promise<OrganizationRow[]> {
  return ex
    .selectFrom('organizations')
    .innerJoin('memberships', 'memberships.organization_id', 'organizations.id')
    .selectAll('organizations')
    .where('memberships.user_id', '=', userId)
    .orderBy('organizations.date_created')
    .execute();
}

/**
 * Creates an API key for a member of an organization.
 * @returns the key's id and the secret key, which is not stored and cannot be shown again.
 * @throws Error when the user is not a member of the organization.
 */
export async function createApiKey(ex: Executor, organizationId: string, userId: string, nowMs: number): Promise<{ id: string; key: string }> {
  if (!(await findMember(ex, organizationId, userId))) {
    throw new Error(`user ${userId} is not a member of organization ${organizationId}`);
  }
  const key = newApiKeySecret();
  const id = newId(ID_PREFIX.apiKey).slice(0, ID_PREFIX.apiKey.length + 22);
  await ex
    .insertInto('api_keys')
    .values({ id, key_hash: hashApiKey(key), user_id: userId, organization_id: organizationId, date_created: nowMs })
    .execute();
  return { id, key };
}

/** "First Last" as Close shows a user's name (reference §13.1). */
export function fullName(u: Pick<UserRow, 'first_name' | 'last_name'>): string {
  return `${u.first_name} ${u.last_name}`.trim();
}

/** The currency symbol of an ISO 4217 code in US English formatting (`USD` -> `$`). */
export function currencySymbol(currency: string): string {
  try {
    const part = new Intl.NumberFormat('en-US', { style: 'currency', currency }).formatToParts(0).find((p) => p.type === 'currency');
    return part?.value ?? currency;
  } catch {
    return currency;
  }
}

/** Close's JSON for a user (reference §13.1). `organizations` holds ids. */
export function serializeUser(u: UserRow, organizationIds: string[]): Record<string, unknown> {
  return {
    date_created: isoformat(Number(u.date_created)),
    date_updated: isoformat(Number(u.date_updated)),
    email: u.email,
    first_name: u.first_name,
    id: u.id,
    image: `https://secure.gravatar.com/avatar/${createHash('md5').update(u.email.trim().toLowerCase()).digest('hex')}`,
    last_name: u.last_name,
    last_used_timezone: u.timezone,
    organizations: organizationIds,
  };
}

/** Close's JSON for an organization (reference §13.2). */
export function serializeOrganization(o: OrganizationRow): Record<string, unknown> {
  return {
    currency: o.currency,
    currency_symbol: currencySymbol(o.currency),
    date_created: isoformat(Number(o.date_created)),
    date_updated: isoformat(Number(o.date_updated)),
    id: o.id,
    name: o.name,
  };
}

/** Close's JSON for a membership of `u` (reference §13.3). */
export function serializeMembership(u: UserRow, membership: { id: string; role_id: string; organization_id: string }): Record<string, unknown> {
  return {
    id: membership.id,
    organization_id: membership.organization_id,
    role_id: membership.role_id,
    user_email: u.email,
    user_first_name: u.first_name,
    user_full_name: fullName(u),
    user_id: u.id,
    user_last_name: u.last_name,
  };
}

/** Memberships of an organization with their users. */
export async function membershipsOf(ex: Executor, organizationId: string) {
  return ex
    .selectFrom('memberships')
    .innerJoin('users', 'users.id', 'memberships.user_id')
    .selectAll('users')
    .select(['memberships.id as membership_id', 'memberships.role_id', 'memberships.organization_id'])
    .where('memberships.organization_id', '=', organizationId)
    .orderBy('users.last_name')
    .orderBy('users.first_name')
    .execute();
}
