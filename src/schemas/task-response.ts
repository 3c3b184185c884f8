/**
 * Response schemas of `/task/` (reference §10; decisions D8, D9, D17-D19, D34): a task
 * is one of nine `_type`s, each with a fixed set of keys (`tasks/types.ts`): the
 * common fields, its own fields, `priority` and `resolution`, all present, no other.
 */
import { Type, type Static, type TSchema } from 'typebox';
import { BulkCountResponse, Closed, DateTime, ListOf, Nullable, NullableInteger, NullableText } from './response.js';

/** An id, or null. */
const Ref = NullableText;

/** `date`: `YYYY-MM-DD` for a day, else an ISO 8601 instant (D18, D19). */
const TaskDate = Type.String({ description: 'YYYY-MM-DD (a day) or ISO 8601 date-time (D18, D19)' });

/** The fields every task carries (`COMMON_FIELDS`, plus `priority` and `resolution`, D34). */
const common = {
  assigned_to: Ref,
  assigned_to_name: NullableText,
  contact_id: Ref,
  contact_name: NullableText,
  created_by: Ref,
  created_by_name: NullableText,
  date: TaskDate,
  date_created: DateTime,
  date_updated: DateTime,
  id: Type.String({ description: 'task_...' }),
  is_complete: Type.Boolean(),
  lead_id: Ref,
  lead_name: NullableText,
  object_id: Ref,
  object_type: NullableText,
  organization_id: Type.String(),
  priority: Nullable(Type.Union([Type.Literal('high'), Type.Literal('medium')])),
  resolution: Nullable(Type.Union([Type.Literal('abandoned'), Type.Literal('skipped')])),
  updated_by: Ref,
  updated_by_name: NullableText,
  view: Type.Union([Type.Literal('inbox'), Type.Literal('future'), Type.Literal('archive')], { description: 'computed at read time in the request zone (D17)' }),
};

/** `is_dateless`, `due_date`, `text` of the types users create (D20, D21). */
const userMade = { is_dateless: Type.Boolean(), due_date: Nullable(TaskDate), text: NullableText };

const phoneFields = { phone: NullableText, phone_formatted: NullableText, phone_number_description: NullableText };

/** One picture or file of a text message (reference §10; seed `incoming_sms`). */
export const SmsAttachment = Type.Object(
  {
    content_type: Type.String(),
    filename: Type.String(),
    media_id: NullableText,
    size: NullableInteger,
    thumbnail_url: NullableText,
    url: Type.String(),
  },
  { $id: 'SmsAttachment', additionalProperties: false },
);

function taskType<T extends string, P extends Record<string, TSchema>>(type: T, own: P) {
  return Closed({ _type: Type.Literal(type), ...common, ...own }, { $id: `Task_${type}` });
}

export const LeadTask = taskType('lead', userMade);
export const OutgoingCallTask = taskType('outgoing_call', userMade);
export const MissedCallTask = taskType('missed_call', { local_phone: NullableText, ...phoneFields });
export const VoicemailTask = taskType('voicemail', { local_phone: NullableText, phone: NullableText, voicemail_duration: NullableInteger, voicemail_url: NullableText });
export const IncomingEmailTask = taskType('incoming_email', { body_preview: NullableText, emails: Nullable(Type.Array(Type.String())), subject: NullableText });
export const EmailFollowupTask = taskType('email_followup', { body_preview: NullableText, email_id: Ref, subject: NullableText });
export const AnsweredDetachedCallTask = taskType('answered_detached_call', { ...phoneFields, recording_url: NullableText });
export const OpportunityDueTask = taskType('opportunity_due', {
  opportunity_note: NullableText,
  opportunity_value: NullableInteger,
  opportunity_value_currency: NullableText,
  opportunity_value_formatted: NullableText,
  opportunity_value_period: NullableText,
});
export const IncomingSmsTask = taskType('incoming_sms', {
  attachments: Nullable(Type.Array(SmsAttachment)),
  local_phone: NullableText,
  remote_phone: NullableText,
  remote_phone_description: NullableText,
  remote_phone_formatted: NullableText,
  text: NullableText,
});

/** A task, one of the nine `_type`s (reference §10; D34). */
export const TaskResponse = Type.Union(
  [LeadTask, OutgoingCallTask, MissedCallTask, VoicemailTask, IncomingEmailTask, EmailFollowupTask, AnsweredDetachedCallTask, OpportunityDueTask, IncomingSmsTask],
  { $id: 'Task' },
);
export type Task = Static<typeof TaskResponse>;

/** `GET /task/`: a page of tasks; no total (D8). */
export const TaskListResponse = ListOf(TaskResponse);
export type TaskList = Static<typeof TaskListResponse>;

/** `PUT /task/` (bulk update): `{"count": n}` (reference §9.5). */
export const TaskBulkResponse = BulkCountResponse;

/** A task of a type users create (`lead`, `outgoing_call`): both carry `text`, `is_dateless` and `due_date` (D20, D21). */
export type UserMadeTask = Static<typeof LeadTask> | Static<typeof OutgoingCallTask>;
