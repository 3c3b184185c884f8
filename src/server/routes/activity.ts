/**
 * Activity endpoints (close-openapi.yml; issue 3): calls, emails, email threads, SMS
 * and TaskCompleted activities. Writes of calls, emails and SMS make and complete
 * generated tasks (D29, D30); see `crm/calls.ts`, `crm/emails.ts`, `crm/sms.ts`.
 *
 * - `/activity/call/`: GET (list), POST; `/activity/call/{id}/`: GET, PUT, DELETE
 * - `/activity/email/`: GET, POST; `/activity/email/{id}/`: GET, PUT, DELETE
 * - `/activity/emailthread/`: GET; `/activity/emailthread/{id}/`: GET
 * - `/activity/sms/`: GET, POST (`?send_to_inbox=true`); `/activity/sms/{id}/`: GET, PUT, DELETE
 * - `/activity/task_completed/`: GET; `/activity/task_completed/{id}/`: GET, DELETE
 */
import { CloseError, FIELD_TEXT } from '../../close/errors.js';
import { first, parseBoolText, parsePage, projectFields } from '../../close/params.js';
import { ACTIVITY_LIST_PARAMS, ACTIVITY_PAGE_LIMITS, getActivityJson, listActivityPage, type ActivitySerializer } from '../../crm/activities.js';
import { CALL_TYPE, createCall, deleteCall, serializeCalls, updateCall } from '../../crm/calls.js';
import { EMAIL_TYPE, createEmail, deleteEmail, serializeEmails, updateEmail } from '../../crm/emails.js';
import { THREAD_TYPE, serializeThreads } from '../../crm/threads.js';
import { SMS_TYPE, createSms, deleteSms, serializeSms, updateSms } from '../../crm/sms.js';
import { TASK_COMPLETED_TYPE, deleteTaskCompleted, serializeTaskCompleted } from '../../tasks/completed.js';
import { CallWriteSchema, EmailWriteSchema, SmsWriteSchema } from '../../schemas/activity.js';
import { validateBody } from '../../schemas/validate.js';
import type { CloseRoute } from '../routing.js';
import type { TSchema } from 'typebox';
import { EmptyResponse } from '../../schemas/response.js';
import {
  CallActivity,
  CallListResponse,
  EmailActivity,
  EmailListResponse,
  EmailThreadActivity,
  EmailThreadListResponse,
  SmsActivity,
  SmsListResponse,
  TaskCompletedActivity,
  TaskCompletedListResponse,
} from '../../schemas/activity-response.js';

const FIELDS_ONLY = new Set(['_fields']);
const NO_PARAMS = new Set<string>();

/** `GET` list and `GET` one of an activity type at `path` (e.g. `/activity/call/`). */
function readRoutes(path: string, type: string, label: string, serialize: ActivitySerializer, item: TSchema, list: TSchema): CloseRoute[] {
  return [
    {
      method: 'GET',
      url: path,
      summary: `List or filter ${label} activities`,
      response: list,
      knownParams: ACTIVITY_LIST_PARAMS,
      handler: async ({ ctx, params, fields }) => {
        const result = await listActivityPage(ctx, type, params, parsePage(params, ACTIVITY_PAGE_LIMITS), serialize);
        return { ...result, data: result.data.map((a) => projectFields(a, fields)) };
      },
    },
    {
      method: 'GET',
      url: `${path}:id/`,
      summary: `Get a single ${label} activity`,
      response: item,
      knownParams: FIELDS_ONLY,
      handler: async ({ ctx, id, fields }) => projectFields(await getActivityJson(ctx, type, id, serialize), fields),
    },
  ];
}

/** `send_to_inbox` (D11 booleans). @throws CloseError 400 for a value that is not a boolean. */
function sendToInbox(raw: string | undefined): boolean {
  if (raw === undefined) return false;
  const b = parseBoolText(raw);
  if (b === undefined) throw CloseError.field('send_to_inbox', `${FIELD_TEXT.notBoolean} Use true, false, 1 or 0 (got "${raw}").`);
  return b === true;
}

export const activityRoutes: CloseRoute[] = [
  ...readRoutes('/activity/call/', CALL_TYPE, 'Call', serializeCalls, CallActivity, CallListResponse),
  {
    method: 'POST',
    url: '/activity/call/',
    summary: 'Log a Call activity',
    response: CallActivity,
    knownParams: FIELDS_ONLY,
    body: CallWriteSchema,
    handler: async ({ ctx, body, fields }) => projectFields(await createCall(ctx, validateBody(CallWriteSchema, body)), fields),
  },
  {
    method: 'PUT',
    url: '/activity/call/:id/',
    summary: 'Update a Call activity',
    response: CallActivity,
    knownParams: FIELDS_ONLY,
    body: CallWriteSchema,
    handler: async ({ ctx, id, body, fields }) => projectFields(await updateCall(ctx, id, validateBody(CallWriteSchema, body)), fields),
  },
  { method: 'DELETE', url: '/activity/call/:id/', summary: 'Delete a Call activity', response: EmptyResponse, knownParams: NO_PARAMS, handler: async ({ ctx, id }) => deleteCall(ctx, id) },

  ...readRoutes('/activity/email/', EMAIL_TYPE, 'Email', serializeEmails, EmailActivity, EmailListResponse),
  {
    method: 'POST',
    url: '/activity/email/',
    summary: 'Create an Email activity',
    response: EmailActivity,
    knownParams: FIELDS_ONLY,
    body: EmailWriteSchema,
    handler: async ({ ctx, body, fields }) => projectFields(await createEmail(ctx, validateBody(EmailWriteSchema, body)), fields),
  },
  {
    method: 'PUT',
    url: '/activity/email/:id/',
    summary: 'Update an Email activity',
    response: EmailActivity,
    knownParams: FIELDS_ONLY,
    body: EmailWriteSchema,
    handler: async ({ ctx, id, body, fields }) => projectFields(await updateEmail(ctx, id, validateBody(EmailWriteSchema, body)), fields),
  },
  { method: 'DELETE', url: '/activity/email/:id/', summary: 'Delete an Email activity', response: EmptyResponse, knownParams: NO_PARAMS, handler: async ({ ctx, id }) => deleteEmail(ctx, id) },

  ...readRoutes('/activity/emailthread/', THREAD_TYPE, 'EmailThread', serializeThreads, EmailThreadActivity, EmailThreadListResponse),

  ...readRoutes('/activity/sms/', SMS_TYPE, 'SMS', serializeSms, SmsActivity, SmsListResponse),
  {
    method: 'POST',
    url: '/activity/sms/',
    summary: 'Create an SMS activity',
    response: SmsActivity,
    knownParams: new Set(['_fields', 'send_to_inbox']),
    body: SmsWriteSchema,
    handler: async ({ ctx, params, body, fields }) =>
      projectFields(await createSms(ctx, validateBody(SmsWriteSchema, body), sendToInbox(first(params, 'send_to_inbox'))), fields),
  },
  {
    method: 'PUT',
    url: '/activity/sms/:id/',
    summary: 'Update an SMS activity',
    response: SmsActivity,
    knownParams: FIELDS_ONLY,
    body: SmsWriteSchema,
    handler: async ({ ctx, id, body, fields }) => projectFields(await updateSms(ctx, id, validateBody(SmsWriteSchema, body)), fields),
  },
  { method: 'DELETE', url: '/activity/sms/:id/', summary: 'Delete an SMS activity', response: EmptyResponse, knownParams: NO_PARAMS, handler: async ({ ctx, id }) => deleteSms(ctx, id) },

  ...readRoutes('/activity/task_completed/', TASK_COMPLETED_TYPE, 'TaskCompleted', serializeTaskCompleted, TaskCompletedActivity, TaskCompletedListResponse),
  {
    method: 'DELETE',
    url: '/activity/task_completed/:id/',
    summary: 'Delete a TaskCompleted activity',
    response: EmptyResponse,
    knownParams: NO_PARAMS,
    handler: async ({ ctx, id }) => deleteTaskCompleted(ctx, id),
  },
];
