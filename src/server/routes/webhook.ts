/**
 * `/webhook/` and `/webhook/{id}/` (reference §12.3; issue 5): webhook subscriptions.
 * Create answers 201, as Close's specification says.
 */
import { parsePage } from '../../close/params.js';
import {
  WEBHOOK_PAGE_LIMITS,
  createSubscription,
  deleteSubscriptionById,
  getSubscription,
  listSubscriptionPage,
  updateSubscriptionById,
} from '../../events/subscriptions.js';
import { WebhookCreateSchema, WebhookUpdateSchema } from '../../schemas/webhook.js';
import { validateBody } from '../../schemas/validate.js';
import type { CloseRoute } from '../routing.js';
import { WebhookListResponse, WebhookResponse } from '../../schemas/event-response.js';
import { EmptyResponse } from '../../schemas/response.js';

const NO_PARAMS = new Set<string>();

export const webhookRoutes: CloseRoute[] = [
  {
    method: 'GET',
    url: '/webhook/',
    summary: 'List Webhook subscriptions',
    response: WebhookListResponse,
    knownParams: new Set(['_limit', '_skip']),
    handler: async ({ ctx, params }) => listSubscriptionPage(ctx, parsePage(params, WEBHOOK_PAGE_LIMITS)),
  },
  {
    method: 'POST',
    url: '/webhook/',
    summary: 'Create new Webhook subscription',
    response: WebhookResponse,
    knownParams: NO_PARAMS,
    body: WebhookCreateSchema,
    status: 201,
    handler: async ({ ctx, body, settings }) =>
      createSubscription(ctx, validateBody(WebhookCreateSchema, body), settings.webhookBlockPrivate),
  },
  {
    method: 'GET',
    url: '/webhook/:id/',
    summary: 'Retrieve a single Webhook subscription',
    response: WebhookResponse,
    knownParams: NO_PARAMS,
    handler: async ({ ctx, id }) => getSubscription(ctx, id),
  },
  {
    method: 'PUT',
    url: '/webhook/:id/',
    summary: 'Update existing Webhook subscription',
    response: WebhookResponse,
    knownParams: NO_PARAMS,
    body: WebhookUpdateSchema,
    handler: async ({ ctx, id, body, settings }) =>
      updateSubscriptionById(ctx, id, validateBody(WebhookUpdateSchema, body), settings.webhookBlockPrivate),
  },
  {
    method: 'DELETE',
    url: '/webhook/:id/',
    summary: 'Delete Webhook subscription',
    response: EmptyResponse,
    knownParams: NO_PARAMS,
    handler: async ({ ctx, id }) => deleteSubscriptionById(ctx, id),
  },
];
