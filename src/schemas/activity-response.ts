/**
 * Response schemas of the activity endpoints (reference §12.4; close-openapi.yml
 * `CallActivity`, `EmailActivity`, `EmailThreadActivity`, `SMSActivity`,
 * `TaskCompletedActivity`): the common fields (`close/activity.ts`) plus each type's own.
 */
import { Type, type Static, type TSchema } from 'typebox';
import { AnyObject, Closed, DateTime, ListOf, NullableInteger, NullableText } from './response.js';
import { SmsAttachment } from './task-response.js';

/** The fields every activity carries (`activityCommonJson`). */
const common = {
  activity_at: DateTime,
  contact_id: NullableText,
  created_by: NullableText,
  created_by_name: NullableText,
  date_created: DateTime,
  date_updated: DateTime,
  id: Type.String({ description: 'acti_...' }),
  lead_id: NullableText,
  organization_id: Type.String(),
  updated_by: NullableText,
  updated_by_name: NullableText,
  user_id: NullableText,
  user_name: NullableText,
  users: Type.Array(Type.String()),
};

function activity<T extends string, P extends Record<string, TSchema>>(type: T, own: P, id: string) {
  return Closed({ _type: Type.Literal(type), ...common, ...own }, { $id: id });
}

/** A Call activity. */
export const CallActivity = activity(
  'Call',
  {
    direction: Type.Union([Type.Literal('inbound'), Type.Literal('outbound')]),
    duration: NullableInteger,
    local_phone: NullableText,
    note: Type.String(),
    outcome_id: NullableText,
    phone: NullableText,
    recording_url: NullableText,
    remote_phone: NullableText,
    source: Type.String(),
    status: Type.String(),
    voicemail_duration: NullableInteger,
    voicemail_url: NullableText,
  },
  'CallActivity',
);

const emailFields = {
  attachments: Type.Array(AnyObject),
  bcc: Type.Array(Type.String()),
  body_html: Type.String(),
  body_preview: Type.String(),
  body_text: Type.String(),
  cc: Type.Array(Type.String()),
  date_sent: NullableText,
  direction: Type.Union([Type.Literal('incoming'), Type.Literal('outgoing')]),
  followup_date: NullableText,
  in_reply_to_id: NullableText,
  sender: NullableText,
  status: Type.String(),
  subject: Type.String(),
  template_id: NullableText,
  thread_id: Type.String(),
  to: Type.Array(Type.String()),
};

/** An Email activity. */
export const EmailActivity = activity('Email', emailFields, 'EmailActivity');

/** An EmailThread activity, with its emails oldest first. */
export const EmailThreadActivity = activity(
  'EmailThread',
  { emails: Type.Array(EmailActivity), latest_normalized_subject: Type.String(), n_emails: Type.Integer({ minimum: 0 }), subject: Type.String() },
  'EmailThreadActivity',
);

/** An SMS activity. */
export const SmsActivity = activity(
  'SMS',
  {
    attachments: Type.Array(SmsAttachment),
    cost: NullableText,
    date_sent: NullableText,
    direction: Type.Union([Type.Literal('inbound'), Type.Literal('outbound')]),
    error_message: NullableText,
    local_country_iso: NullableText,
    local_phone: NullableText,
    local_phone_formatted: NullableText,
    remote_country_iso: NullableText,
    remote_phone: NullableText,
    remote_phone_formatted: NullableText,
    source: Type.String(),
    status: Type.String(),
    template_id: NullableText,
    text: Type.String(),
  },
  'SmsActivity',
);

/** A TaskCompleted activity (the task's assignee name is the current one). */
export const TaskCompletedActivity = activity(
  'TaskCompleted',
  { task_assigned_to: NullableText, task_assigned_to_name: NullableText, task_id: Type.String(), task_text: NullableText },
  'TaskCompletedActivity',
);

export type CallActivityJson = Static<typeof CallActivity>;
export type EmailActivityJson = Static<typeof EmailActivity>;
export type SmsActivityJson = Static<typeof SmsActivity>;

export const CallListResponse = ListOf(CallActivity);
export const EmailListResponse = ListOf(EmailActivity);
export const EmailThreadListResponse = ListOf(EmailThreadActivity);
export const SmsListResponse = ListOf(SmsActivity);
export const TaskCompletedListResponse = ListOf(TaskCompletedActivity);
