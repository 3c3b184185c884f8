/**
 * `/contact/` and `/contact/{id}/` (reference §13.5).
 */
import { parsePage, projectFields } from '../../close/params.js';
import { CONTACT_LIST_PARAMS, createContact, deleteContact, getContact, listContacts, updateContact } from '../../crm/contacts.js';
import { ContactWriteSchema } from '../../schemas/lead.js';
import { validateBody } from '../../schemas/validate.js';
import type { CloseRoute } from '../routing.js';
import { ContactListResponse, ContactResponse } from '../../schemas/crm-response.js';
import { EmptyResponse } from '../../schemas/response.js';

/** Paging of `GET /contact/`: default 100, at most 200. */
export const CONTACT_PAGE_LIMITS = { defaultLimit: 100, maxLimit: 200 };
const FIELDS_ONLY = new Set(['_fields']);

export const contactRoutes: CloseRoute[] = [
  {
    method: 'GET',
    url: '/contact/',
    summary: 'List contacts',
    response: ContactListResponse,
    knownParams: CONTACT_LIST_PARAMS,
    handler: async ({ ctx, params, fields }) => {
      const result = await listContacts(ctx, params, parsePage(params, CONTACT_PAGE_LIMITS));
      return { ...result, data: result.data.map((c) => projectFields(c, fields)) };
    },
  },
  {
    method: 'POST',
    url: '/contact/',
    summary: 'Create a contact',
    response: ContactResponse,
    knownParams: FIELDS_ONLY,
    body: ContactWriteSchema,
    handler: async ({ ctx, body, fields }) => projectFields(await createContact(ctx, validateBody(ContactWriteSchema, body)), fields),
  },
  {
    method: 'GET',
    url: '/contact/:id/',
    summary: 'Fetch a contact',
    response: ContactResponse,
    knownParams: FIELDS_ONLY,
    handler: async ({ ctx, id, fields }) => projectFields(await getContact(ctx, id), fields),
  },
  {
    method: 'PUT',
    url: '/contact/:id/',
    summary: 'Update a contact',
    response: ContactResponse,
    knownParams: FIELDS_ONLY,
    body: ContactWriteSchema,
    handler: async ({ ctx, id, body, fields }) => projectFields(await updateContact(ctx, id, validateBody(ContactWriteSchema, body)), fields),
  },
  {
    method: 'DELETE',
    url: '/contact/:id/',
    summary: 'Delete a contact',
    response: EmptyResponse,
    knownParams: new Set(),
    handler: async ({ ctx, id }) => deleteContact(ctx, id),
  },
];
