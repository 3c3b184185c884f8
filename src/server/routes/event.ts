/**
 * `/event/` and `/event/{id}/` (reference §12.1; issue 5): the organization's event
 * log, newest first, with cursor paging.
 */
import { EVENT_LIST_PARAMS, getEvent, listEventPage } from '../../events/eventlog.js';
import type { CloseRoute } from '../routing.js';
import { EventListResponse, EventResponse } from '../../schemas/event-response.js';

export const eventRoutes: CloseRoute[] = [
  {
    method: 'GET',
    url: '/event/',
    summary: 'Retrieve a list of events',
    response: EventListResponse,
    knownParams: EVENT_LIST_PARAMS,
    handler: async ({ ctx, params }) => listEventPage(ctx, params),
  },
  {
    method: 'GET',
    url: '/event/:id/',
    summary: 'Retrieve a single event by ID',
    response: EventResponse,
    knownParams: new Set(),
    handler: async ({ ctx, id }) => getEvent(ctx, id),
  },
];
