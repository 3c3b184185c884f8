/**
 * `/me/`, `/user/`, `/user/{id}/`, `/organization/{id}/` (reference §13.1-§13.3) and
 * `/api_key/{key}/` (D35): who the caller is, with which key, and who tasks can be
 * assigned to. Users of other organizations are invisible (404).
 */
import { parsePage, projectFields } from '../../close/params.js';
import { getMe, getOrganization, getOwnApiKey, getUser, listUsers } from '../../crm/accounts.js';
import type { CloseRoute } from '../routing.js';
import { ApiKeyResponse, MeResponse, OrganizationResponse, UserListResponse, UserResponse } from '../../schemas/account-response.js';

const FIELDS_ONLY = new Set(['_fields']);
/** Paging of `GET /user/`: default 100, at most 1000 (Airbyte pages users by 1000). */
export const USER_PAGE_LIMITS = { defaultLimit: 100, maxLimit: 1000 };

export const userRoutes: CloseRoute[] = [
  {
    method: 'GET',
    url: '/me/',
    summary: 'The caller, with their organizations',
    response: MeResponse,
    operationId: 'getMe',
    knownParams: FIELDS_ONLY,
    handler: async ({ ctx, fields }) => projectFields(await getMe(ctx), fields),
  },
  {
    method: 'GET',
    url: '/user/',
    summary: "List the organization's users",
    response: UserListResponse,
    knownParams: new Set(['_limit', '_skip', '_fields', '_order_by']),
    handler: async ({ ctx, params, fields }) => {
      const result = await listUsers(ctx, parsePage(params, USER_PAGE_LIMITS));
      return { ...result, data: result.data.map((u) => projectFields(u, fields)) };
    },
  },
  {
    method: 'GET',
    url: '/user/:id/',
    summary: 'Fetch a user',
    response: UserResponse,
    knownParams: FIELDS_ONLY,
    handler: async ({ ctx, id, fields }) => projectFields(await getUser(ctx, id), fields),
  },
  {
    method: 'GET',
    url: '/organization/:id/',
    summary: "Fetch the caller's organization with its memberships and opportunity statuses",
    response: OrganizationResponse,
    knownParams: FIELDS_ONLY,
    handler: async ({ ctx, id, fields }) => projectFields(await getOrganization(ctx, id), fields),
  },
  {
    method: 'GET',
    url: '/api_key/:id/',
    summary: "The caller's own API key, named by its secret or its id (D35); the secret is never shown",
    response: ApiKeyResponse,
    knownParams: FIELDS_ONLY,
    handler: async ({ ctx, id, fields }) => projectFields(await getOwnApiKey(ctx, id), fields),
  },
];
