/**
 * `/me/`, `/user/`, `/user/{id}/` and `/organization/{id}/` (reference §13.1-§13.3):
 * who the caller is and who tasks can be assigned to. Users of other organizations
 * are invisible (404).
 */
import { CloseError } from '../../close/errors.js';
import { parsePage, projectFields } from '../../close/params.js';
import {
  findMember,
  findOrganization,
  listMembers,
  membershipsOf,
  organizationsOfUser,
  serializeMembership,
  serializeOrganization,
  serializeUser,
} from '../../crm/accounts.js';
import { opportunityStatuses } from '../../crm/opportunities.js';
import type { CloseRoute } from '../routing.js';

const FIELDS_ONLY = new Set(['_fields']);
/** Paging of `GET /user/`: default 100, at most 1000 (Airbyte pages users by 1000). */
export const USER_PAGE_LIMITS = { defaultLimit: 100, maxLimit: 1000 };

export const userRoutes: CloseRoute[] = [
  {
    method: 'GET',
    url: '/me/',
    summary: 'The caller, with their organizations',
    knownParams: FIELDS_ONLY,
    handler: async ({ ctx, fields }) => {
      const user = await findMember(ctx.db.kysely, ctx.organizationId, ctx.userId);
      if (!user) throw CloseError.notFound('User');
      const orgs = await organizationsOfUser(ctx.db.kysely, user.id);
      const me = { ...serializeUser(user, []), organizations: orgs.map(serializeOrganization) };
      return projectFields(me, fields);
    },
  },
  {
    method: 'GET',
    url: '/user/',
    summary: "List the organization's users",
    knownParams: new Set(['_limit', '_skip', '_fields', '_order_by']),
    handler: async ({ ctx, params, fields }) => {
      const { rows, hasMore } = await listMembers(ctx.db.kysely, ctx.organizationId, parsePage(params, USER_PAGE_LIMITS));
      const data = [];
      for (const u of rows) {
        const orgs = await organizationsOfUser(ctx.db.kysely, u.id);
        data.push(projectFields(serializeUser(u, orgs.map((o) => o.id)), fields));
      }
      return { data, has_more: hasMore };
    },
  },
  {
    method: 'GET',
    url: '/user/:id/',
    summary: 'Fetch a user',
    knownParams: FIELDS_ONLY,
    handler: async ({ ctx, id, fields }) => {
      const user = await findMember(ctx.db.kysely, ctx.organizationId, id);
      if (!user) throw CloseError.notFound('User');
      const orgs = await organizationsOfUser(ctx.db.kysely, user.id);
      return projectFields(serializeUser(user, orgs.map((o) => o.id)), fields);
    },
  },
  {
    method: 'GET',
    url: '/organization/:id/',
    summary: "Fetch the caller's organization with its memberships and opportunity statuses",
    knownParams: FIELDS_ONLY,
    handler: async ({ ctx, id, fields }) => {
      const org = id === ctx.organizationId ? await findOrganization(ctx.db.kysely, id) : undefined;
      if (!org) throw CloseError.notFound('Organization');
      const members = await membershipsOf(ctx.db.kysely, org.id);
      const memberships = members.map((m) => serializeMembership(m, { id: m.membership_id, role_id: m.role_id, organization_id: m.organization_id }));
      return projectFields({ ...serializeOrganization(org), inactive_memberships: [], memberships, opportunity_statuses: opportunityStatuses(org.id) }, fields);
    },
  },
];
