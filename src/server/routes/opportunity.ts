/**
 * `/opportunity/` and `/opportunity/{id}/` (reference §13.6; issue 3). Writes keep the
 * opportunity's `opportunity_due` task in step (D29, D30); see `crm/opportunities.ts`.
 */
import { parsePage, projectFields } from '../../close/params.js';
import { createOpportunity, deleteOpportunity, getOpportunity, updateOpportunity } from '../../crm/opportunities.js';
import { OPPORTUNITY_LIST_PARAMS, OPPORTUNITY_PAGE_LIMITS, listOpportunities } from '../../crm/opportunity-list.js';
import { OpportunityWriteSchema } from '../../schemas/opportunity.js';
import { validateBody } from '../../schemas/validate.js';
import type { CloseRoute } from '../routing.js';
import { OpportunityListResponse, OpportunityResponse } from '../../schemas/crm-response.js';
import { EmptyResponse } from '../../schemas/response.js';

const FIELDS_ONLY = new Set(['_fields']);

export const opportunityRoutes: CloseRoute[] = [
  {
    method: 'GET',
    url: '/opportunity/',
    summary: 'List or filter opportunities',
    response: OpportunityListResponse,
    knownParams: OPPORTUNITY_LIST_PARAMS,
    handler: async ({ ctx, params, fields }) => {
      const result = await listOpportunities(ctx, params, parsePage(params, OPPORTUNITY_PAGE_LIMITS));
      return { ...result, data: result.data.map((o) => projectFields(o, fields)) };
    },
  },
  {
    method: 'POST',
    url: '/opportunity/',
    summary: 'Create an opportunity',
    response: OpportunityResponse,
    knownParams: FIELDS_ONLY,
    body: OpportunityWriteSchema,
    handler: async ({ ctx, body, fields }) => projectFields(await createOpportunity(ctx, validateBody(OpportunityWriteSchema, body)), fields),
  },
  {
    method: 'GET',
    url: '/opportunity/:id/',
    summary: 'Retrieve an opportunity',
    response: OpportunityResponse,
    knownParams: FIELDS_ONLY,
    handler: async ({ ctx, id, fields }) => projectFields(await getOpportunity(ctx, id), fields),
  },
  {
    method: 'PUT',
    url: '/opportunity/:id/',
    summary: 'Update an opportunity',
    response: OpportunityResponse,
    knownParams: FIELDS_ONLY,
    body: OpportunityWriteSchema,
    handler: async ({ ctx, id, body, fields }) => projectFields(await updateOpportunity(ctx, id, validateBody(OpportunityWriteSchema, body)), fields),
  },
  {
    method: 'DELETE',
    url: '/opportunity/:id/',
    summary: 'Delete an opportunity',
    response: EmptyResponse,
    knownParams: new Set(),
    handler: async ({ ctx, id }) => deleteOpportunity(ctx, id),
  },
];
