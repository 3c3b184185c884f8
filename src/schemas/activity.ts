/**
 * Schemas of the activity endpoints: `/activity/call/`, `/activity/email/`,
 * `/activity/sms/` (close-openapi.yml `CreateCallActivity`, `CreateEmailActivity`,
 * `CreateSMSActivity`; issue 3).
 */
import { Type, type Static } from 'typebox';
import { NullableEnum, NullableInt, NullableString, NullableStringList } from './common.js';

const CALL_STATUS_VALUES = ['created', 'in-progress', 'completed', 'cancel', 'no-answer', 'busy', 'failed', 'timeout'] as const;
const MESSAGE_STATUS_VALUES = ['inbox', 'draft', 'scheduled', 'outbox', 'sent', 'error'] as const;

/** Common references of an activity body (D32: `user_id` defaults to the caller). */
const ActivityRefs = {
  lead_id: Type.Optional(NullableString),
  contact_id: Type.Optional(NullableString),
  user_id: Type.Optional(NullableString),
  date_created: Type.Optional(Type.Union([Type.String({ description: 'ISO 8601 date-time', maxLength: 100 }), Type.Null()])),
  activity_at: Type.Optional(Type.Union([Type.String({ description: 'ISO 8601 date-time', maxLength: 100 }), Type.Null()])),
};

/** The references of any activity body (the same keys in calls, emails and SMS). */
export const ActivityRefsSchema = Type.Object({ lead_id: ActivityRefs.lead_id, contact_id: ActivityRefs.contact_id, user_id: ActivityRefs.user_id });
export type ActivityRefsBody = Static<typeof ActivityRefsSchema>;

/** `POST /activity/call/`, `PUT /activity/call/{id}/` bodies (close-openapi.yml `CreateCallActivity`). */
export const CallWriteSchema = Type.Object({
  ...ActivityRefs,
  direction: Type.Optional(NullableEnum(['inbound', 'outbound'], 'default outbound')),
  status: Type.Optional(NullableEnum(CALL_STATUS_VALUES, 'default completed')),
  phone: Type.Optional(Type.Union([Type.String({ description: 'the other party; any format, stored E.164', maxLength: 1_000 }), Type.Null()])),
  remote_phone: Type.Optional(NullableString),
  local_phone: Type.Optional(NullableString),
  duration: Type.Optional(NullableInt),
  voicemail_duration: Type.Optional(NullableInt),
  voicemail_url: Type.Optional(NullableString),
  recording_url: Type.Optional(NullableString),
  note: Type.Optional(NullableString),
  source: Type.Optional(NullableString),
  outcome_id: Type.Optional(NullableString),
});
export type CallWriteBody = Static<typeof CallWriteSchema>;

/** `POST /activity/email/`, `PUT /activity/email/{id}/` bodies (close-openapi.yml `CreateEmailActivity`). */
export const EmailWriteSchema = Type.Object({
  ...ActivityRefs,
  status: Type.Optional(NullableEnum(MESSAGE_STATUS_VALUES)),
  direction: Type.Optional(NullableEnum(['incoming', 'outgoing'])),
  subject: Type.Optional(NullableString),
  body_text: Type.Optional(Type.Union([Type.String({ maxLength: 500_000 }), Type.Null()])),
  body_html: Type.Optional(Type.Union([Type.String({ maxLength: 500_000 }), Type.Null()])),
  sender: Type.Optional(NullableString),
  to: Type.Optional(NullableStringList),
  cc: Type.Optional(NullableStringList),
  bcc: Type.Optional(NullableStringList),
  thread_id: Type.Optional(NullableString),
  in_reply_to_id: Type.Optional(NullableString),
  followup_date: Type.Optional(Type.Union([Type.String({ description: 'YYYY-MM-DD or ISO 8601 date-time', maxLength: 100 }), Type.Null()])),
  date_sent: Type.Optional(NullableString),
});
export type EmailWriteBody = Static<typeof EmailWriteSchema>;

const SmsAttachmentSchema = Type.Object({
  url: Type.String({ maxLength: 10_000 }),
  filename: Type.String({ maxLength: 1_000 }),
  content_type: Type.String({ maxLength: 1_000 }),
  size: Type.Optional(NullableInt),
  thumbnail_url: Type.Optional(NullableString),
  media_id: Type.Optional(NullableString),
});

/** `POST /activity/sms/`, `PUT /activity/sms/{id}/` bodies (close-openapi.yml `CreateSMSActivity`). */
export const SmsWriteSchema = Type.Object({
  ...ActivityRefs,
  status: Type.Optional(NullableEnum(MESSAGE_STATUS_VALUES)),
  direction: Type.Optional(NullableEnum(['inbound', 'outbound'])),
  text: Type.Optional(NullableString),
  remote_phone: Type.Optional(NullableString),
  local_phone: Type.Optional(NullableString),
  attachments: Type.Optional(Type.Union([Type.Array(SmsAttachmentSchema), Type.Null()])),
});
export type SmsWriteBody = Static<typeof SmsWriteSchema>;

