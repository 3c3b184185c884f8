/**
 * Organizations, users, memberships and API keys: who may call the API and as whom
 * (reference §2, §13.1-§13.3; decisions D16, D27), and the endpoints `/me/`, `/user/`,
 * `/user/{id}/`, `/organization/{id}/`, `/api_key/{key}/`. Users of other organizations
 * are invisible (404). A member may be inactive (D35): their keys answer 401, their
 * tasks stay, and `/user/` and `/user/{id}/` still show them (Close's scripts look up
 * an inactive user there to reassign their tasks).
 *
 * API keys belong to one user in one organization. Only the SHA-256 of a key is
 * stored; a key is shown once, when it is created, and compared in constant time.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { RequestContext } from '../context.js';
import type { Executor } from '../db/executor.js';
import type { OrganizationRow, UserRow } from '../db/schema.js';
import {
  apiKeyHashExists,
  findApiKey,
  findKeyByHash,
  findMember,
  findMemberByEmail,
  findMembership,
  findOrganization,
  insertApiKey,
  insertMembershipIfMissing,
  insertOrganization,
  insertUser,
  listMembers,
  membershipsOf,
  organizationsOfUser,
  setMembershipDeactivated,
  bumpAuthEpoch,
  revokeApiKeyRow,
} from '../db/accounts.repo.js';
import { CloseError } from '../close/errors.js';
import { ID_PREFIX, newApiKeySecret, newId } from '../close/ids.js';
import { isoformat } from '../close/dates.js';
import type { Page } from '../close/params.js';
import { isValidIanaZone } from '../close/zone.js';
import { opportunityStatuses } from './opportunity-statuses.js';
import type { Static } from 'typebox';
import type { ApiKeyResponse, Me, Membership, Organization, OrganizationSummary, User } from '../schemas/account-response.js';

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
  const row = await findKeyByHash(ex, hash);
  if (!row) return null;
  const a = Buffer.from(row.key_hash, 'hex');
  const b = Buffer.from(hash, 'hex');
  if (a.length !== b.length || !timingSafeEqual(a, b)) return null;
  return { apiKeyId: row.id, userId: row.user_id, organizationId: row.organization_id, timezone: row.timezone };
}

/**
 * True when `key` is a key Tasklane issued, usable or not (its member deactivated,
 * D35): such a key may work again at any moment, so it must not be remembered as
 * unknown (`server/auth.ts`'s negative cache).
 */
export async function keyWasIssued(ex: Executor, key: string): Promise<boolean> {
  return apiKeyHashExists(ex, hashApiKey(key));
}

/** Creates an organization (`currency`: ISO 4217, default USD; `id` kept when given). */
export async function createOrganization(ex: Executor, input: { name: string; currency?: string; id?: string }, nowMs: number): Promise<OrganizationRow> {
  const row: OrganizationRow = {
    id: input.id ?? newId(ID_PREFIX.organization),
    name: input.name,
    currency: (input.currency ?? 'USD').toUpperCase(),
    date_created: nowMs,
    date_updated: nowMs,
  };
  await insertOrganization(ex, row);
  return row;
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
 * Creates a user and makes them a member of `organizationId`. Run it in a transaction
 * (`writeTransaction`) so the user and the membership exist together or not at all.
 * @throws Error when the time zone is not an IANA zone name, or when a member of the
 *   organization already has this email (ignoring case): two users with one email
 *   would make scripts that look users up by email pick one at random.
 */
export async function createUser(ex: Executor, organizationId: string, input: NewUser, nowMs: number): Promise<UserRow> {
  if (input.timezone && !isValidIanaZone(input.timezone)) {
    throw new Error(`unknown time zone "${input.timezone}": use an IANA name such as America/New_York`);
  }
  const same = await findMemberByEmail(ex, organizationId, input.email);
  if (same) throw new Error(`${same.email} is already the email of ${same.id} in organization ${organizationId}; each member needs an email of their own`);
  const row: UserRow = {
    id: input.id ?? newId(ID_PREFIX.user),
    email: input.email,
    first_name: input.first_name,
    last_name: input.last_name,
    timezone: input.timezone ?? null,
    date_created: nowMs,
    date_updated: nowMs,
  };
  await insertUser(ex, row);
  await addMembership(ex, organizationId, row.id, nowMs);
  return row;
}

/** Adds `userId` to `organizationId` unless already a member. */
export async function addMembership(ex: Executor, organizationId: string, userId: string, nowMs: number, roleId = 'user'): Promise<void> {
  await insertMembershipIfMissing(ex, { id: newId(ID_PREFIX.membership), organization_id: organizationId, user_id: userId, role_id: roleId, date_created: nowMs });
}

/**
 * Creates an API key for a member of an organization.
 * @returns the key's id and the secret key, which is not stored and cannot be shown again.
 * @throws Error when the user is not an active member of the organization.
 */
export async function createApiKey(ex: Executor, organizationId: string, userId: string, nowMs: number): Promise<{ id: string; key: string }> {
  const membership = await findMembership(ex, organizationId, userId);
  if (!membership) throw new Error(`user ${userId} is not a member of organization ${organizationId}`);
  // D35: an inactive member's keys answer 401, so a new one would not work either.
  if (membership.date_deactivated != null) throw new Error(`user ${userId} is inactive in organization ${organizationId}; reactivate them first (tasklane user reactivate)`);
  const key = newApiKeySecret();
  const id = newId(ID_PREFIX.apiKey).slice(0, ID_PREFIX.apiKey.length + 22);
  await insertApiKey(ex, { id, key_hash: hashApiKey(key), user_id: userId, organization_id: organizationId, date_created: nowMs });
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
export function serializeUser(u: UserRow, organizationIds: string[]): User {
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
export function serializeOrganization(o: OrganizationRow): Static<typeof OrganizationSummary> {
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
export function serializeMembership(u: UserRow, membership: { id: string; role_id: string; organization_id: string }): Static<typeof Membership> {
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

/** `GET /me/`: the caller, with their organizations in full. @throws CloseError 404 when the caller's membership is gone. */
export async function getMe(ctx: RequestContext): Promise<Me> {
  const ex = ctx.db.kysely;
  const user = await findMember(ex, ctx.organizationId, ctx.userId);
  if (!user) throw CloseError.notFound('User');
  const orgs = await organizationsOfUser(ex, user.id);
  return { ...serializeUser(user, []), organizations: orgs.map(serializeOrganization) };
}

/** `GET /user/`: the organization's members, one page, `{"data", "has_more"}`. */
export async function listUsers(ctx: RequestContext, page: Page): Promise<{ data: User[]; has_more: boolean }> {
  const ex = ctx.db.kysely;
  const { rows, hasMore } = await listMembers(ex, ctx.organizationId, page);
  const data = [];
  for (const u of rows) data.push(serializeUser(u, (await organizationsOfUser(ex, u.id)).map((o) => o.id)));
  return { data, has_more: hasMore };
}

/** `GET /user/{id}/`. @throws CloseError 404 for a user who is not a member (D26). */
export async function getUser(ctx: RequestContext, id: string): Promise<User> {
  const ex = ctx.db.kysely;
  const user = await findMember(ex, ctx.organizationId, id);
  if (!user) throw CloseError.notFound('User');
  return serializeUser(user, (await organizationsOfUser(ex, user.id)).map((o) => o.id));
}

/**
 * `GET /organization/{id}/`: the caller's organization with its memberships and
 * opportunity statuses (reference §13.2). @throws CloseError 404 for any other id.
 */
export async function getOrganization(ctx: RequestContext, id: string): Promise<Organization> {
  const ex = ctx.db.kysely;
  const org = id === ctx.organizationId ? await findOrganization(ex, id) : undefined;
  if (!org) throw CloseError.notFound('Organization');
  const members = await membershipsOf(ex, org.id);
  const json = (m: (typeof members)[number]) => serializeMembership(m, { id: m.membership_id, role_id: m.role_id, organization_id: m.organization_id });
  return {
    ...serializeOrganization(org),
    inactive_memberships: members.filter((m) => m.date_deactivated != null).map(json),
    memberships: members.filter((m) => m.date_deactivated == null).map(json),
    opportunity_statuses: opportunityStatuses(org.id),
  };
}

/**
 * `GET /api_key/{key}/` (D35): the caller's own API key, named by its secret (as
 * Close's scripts send it: `api.get('api_key/' + api_key)`) or by its id, as
 * `{date_created, id, organization_id, user_id}`; the secret is never shown.
 * @throws CloseError 404 for any other key, even one of the same organization.
 */
export async function getOwnApiKey(ctx: RequestContext, keyOrId: string): Promise<Static<typeof ApiKeyResponse>> {
  const own = ctx.apiKeyId !== null ? await findApiKey(ctx.db.kysely, ctx.apiKeyId) : undefined;
  const asSecret = Buffer.from(hashApiKey(keyOrId), 'hex');
  const matches = own !== undefined && (keyOrId === own.id || timingSafeEqual(asSecret, Buffer.from(own.key_hash, 'hex')));
  if (!own || !matches) throw CloseError.notFound('ApiKey');
  return { date_created: isoformat(Number(own.date_created)), id: own.id, organization_id: own.organization_id, user_id: own.user_id };
}

/**
 * Makes `userId` an inactive member of `organizationId` (`active` false), or an active
 * one again (D35). An inactive member keeps their tasks and is listed under
 * `inactive_memberships`; their API keys answer 401 at once on every node (the
 * credential version is bumped in the same transaction, `server/auth.ts`).
 * @returns false when the membership already was in that state.
 * @throws Error when the user is not a member of the organization.
 */
export async function setMemberActive(ex: Executor, organizationId: string, userId: string, active: boolean, nowMs: number): Promise<boolean> {
  if (!(await findMember(ex, organizationId, userId))) throw new Error(`user ${userId} is not a member of organization ${organizationId}`);
  const changed = (await setMembershipDeactivated(ex, organizationId, userId, active ? null : nowMs)) > 0;
  if (changed) await bumpAuthEpoch(ex);
  return changed;
}

/**
 * Revokes the API key `id` (issue 11): it answers 401 at once on every node (the
 * credential version is bumped in the same transaction; `server/auth.ts`).
 * @returns false when it was already revoked.
 * @throws Error when no key has that id.
 */
export async function revokeApiKey(ex: Executor, id: string, nowMs: number): Promise<boolean> {
  if (!(await findApiKey(ex, id))) throw new Error(`API key ${id} does not exist`);
  const changed = (await revokeApiKeyRow(ex, id, nowMs)) > 0;
  if (changed) await bumpAuthEpoch(ex);
  return changed;
}
