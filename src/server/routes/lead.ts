/**
 * `/lead/` and `/lead/{id}/` (reference §13.4): what tasks and clients need of leads.
 */
import { parsePage, projectFields } from '../../close/params.js';
import { LEAD_LIST_PARAMS, createLead, deleteLead, getLead, listLeads, updateLead } from '../../crm/leads.js';
import { LeadWriteSchema } from '../../schemas/lead.js';
import { validateBody } from '../../schemas/validate.js';
import type { CloseRoute } from '../routing.js';
import { LeadListResponse, LeadResponse } from '../../schemas/crm-response.js';
import { EmptyResponse } from '../../schemas/response.js';

/** Paging of `GET /lead/`: default 100, at most 200 (Airbyte pages leads by 200). */
export const LEAD_PAGE_LIMITS = { defaultLimit: 100, maxLimit: 200 };
const FIELDS_ONLY = new Set(['_fields']);

export const leadRoutes: CloseRoute[] = [
  {
    method: 'GET',
    url: '/lead/',
    summary: 'List leads',
    response: LeadListResponse,
    knownParams: LEAD_LIST_PARAMS,
    handler: async ({ ctx, params, fields }) => {
      const result = await listLeads(ctx, params, parsePage(params, LEAD_PAGE_LIMITS), fields);
      return { ...result, data: result.data.map((l) => projectFields(l, fields)) };
    },
  },
  {
    method: 'POST',
    url: '/lead/',
    summary: 'Create a lead',
    response: LeadResponse,
    knownParams: FIELDS_ONLY,
    body: LeadWriteSchema,
    handler: async ({ ctx, body, fields }) => projectFields(await createLead(ctx, validateBody(LeadWriteSchema, body)), fields),
  },
  {
    method: 'GET',
    url: '/lead/:id/',
    summary: 'Fetch a lead',
    response: LeadResponse,
    knownParams: FIELDS_ONLY,
    handler: async ({ ctx, id, fields }) => projectFields(await getLead(ctx, id, fields), fields),
  },
  {
    method: 'PUT',
    url: '/lead/:id/',
    summary: 'Update a lead',
    response: LeadResponse,
    knownParams: FIELDS_ONLY,
    body: LeadWriteSchema,
    handler: async ({ ctx, id, body, fields }) => projectFields(await updateLead(ctx, id, validateBody(LeadWriteSchema, body)), fields),
  },
  {
    method: 'DELETE',
    url: '/lead/:id/',
    summary: 'Delete a lead with its contacts, tasks and activities',
    response: EmptyResponse,
    knownParams: new Set(),
    handler: async ({ ctx, id }) => deleteLead(ctx, id),
  },
];
