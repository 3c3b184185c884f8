/**
 * Request body schemas, one per write route (TypeBox). Each drives validation (see
 * `validateBody`), the TypeScript type of the body, and the OpenAPI document.
 * Unknown keys are allowed and ignored, as Close ignores them (D20: Close's own
 * restore scripts post whole task objects back).
 *
 * Query strings have no schema here: `close/params.ts` and `tasks/filters.ts` own
 * their semantics and error messages (architecture note 1).
 */
import { Type, type Static, type TSchema } from 'typebox';
import { Compile } from 'typebox/compile';
import { CloseError } from '../close/errors.js';

const NullableString = Type.Union([Type.String(), Type.Null()]);

/** `POST /task/`, `PUT /task/{id}/` and `PUT /task/` bodies (reference §9.2-§9.5). */
export const TaskWriteSchema = Type.Object({
  _type: Type.Optional(Type.String({ description: 'lead (default) or outgoing_call; create only' })),
  lead_id: Type.Optional(NullableString),
  contact_id: Type.Optional(NullableString),
  assigned_to: Type.Optional(Type.String({ description: 'user id; defaults to the caller on create' })),
  text: Type.Optional(Type.String({ description: 'lead tasks only' })),
  date: Type.Optional(Type.Union([Type.String({ description: 'YYYY-MM-DD or ISO 8601 date-time' }), Type.Null()])),
  due_date: Type.Optional(NullableString),
  is_dateless: Type.Optional(Type.Boolean()),
  is_complete: Type.Optional(Type.Boolean()),
  priority: Type.Optional(Type.Union([Type.Literal('high'), Type.Literal('medium'), Type.Null()])),
  resolution: Type.Optional(Type.Union([Type.Literal('abandoned'), Type.Literal('skipped'), Type.Null()])),
});

const PhoneSchema = Type.Object({ phone: Type.String(), type: Type.Optional(Type.String()) });
const EmailSchema = Type.Object({ email: Type.String(), type: Type.Optional(Type.String()) });

/** `POST /contact/`, `PUT /contact/{id}/` bodies (reference §13.5). */
export const ContactWriteSchema = Type.Object({
  lead_id: Type.Optional(Type.String()),
  name: Type.Optional(Type.String()),
  title: Type.Optional(Type.String()),
  phones: Type.Optional(Type.Array(PhoneSchema)),
  emails: Type.Optional(Type.Array(EmailSchema)),
});
export type ContactWriteBody = Static<typeof ContactWriteSchema>;

/** `POST /lead/`, `PUT /lead/{id}/` bodies (reference §13.4). */
export const LeadWriteSchema = Type.Object({
  name: Type.Optional(Type.String()),
  description: Type.Optional(Type.String()),
  url: Type.Optional(NullableString),
  status_label: Type.Optional(Type.String()),
  contacts: Type.Optional(
    Type.Array(
      Type.Object({
        name: Type.Optional(Type.String()),
        title: Type.Optional(Type.String()),
        phones: Type.Optional(Type.Array(PhoneSchema)),
        emails: Type.Optional(Type.Array(EmailSchema)),
      }),
    ),
  ),
});
export type LeadWriteBody = Static<typeof LeadWriteSchema>;

interface SchemaError {
  keyword: string;
  instancePath: string;
  params: Record<string, unknown>;
}

/** One readable sentence for the errors at one path. */
function describe(errors: SchemaError[]): string {
  // A bound broken by a value of the right type says so, rather than naming the other types it is not.
  const bound = errors.find((e) => e.keyword === 'minimum' || e.keyword === 'maximum');
  if (bound) return `Must be ${bound.keyword === 'minimum' ? 'at least' : 'at most'} ${bound.params.limit}.`;
  const expected: string[] = [];
  for (const e of errors) {
    if (e.keyword === 'type') expected.push(String(e.params.type));
    else if (e.keyword === 'const') expected.push(JSON.stringify(e.params.allowedValue));
  }
  if (expected.length) return `Expected ${[...new Set(expected)].join(' or ')}.`;
  return 'Invalid value.';
}

/** Places `message` at `path` in Close's nested error shape (reference §6.2 item 2). */
function place(target: Record<string, unknown>, path: string[], message: string): void {
  const [head, ...rest] = path;
  if (!rest.length) {
    if (!(head in target)) target[head] = message;
    return;
  }
  // head is a list field; rest[0] the index; deeper keys are field-errors of that item.
  const [index, ...deeper] = rest;
  const list = (target[head] ??= { errors: {} }) as { errors: Record<string, { errors: string[]; 'field-errors': Record<string, unknown> }> };
  if (typeof list !== 'object') return;
  const item = (list.errors[index] ??= { errors: [], 'field-errors': {} });
  if (deeper.length) place(item['field-errors'], deeper, message);
  else item.errors.push(message);
}

const validators = new WeakMap<TSchema, ReturnType<typeof Compile>>();

/**
 * Checks a request body against its route schema.
 * @returns the body, typed; an absent body counts as `{}`.
 * @throws CloseError 400 `{"errors": [], "field-errors": {...}}` naming every bad field.
 */
export function validateBody<S extends TSchema>(schema: S, body: unknown): Static<S> {
  const value = body === undefined || body === null ? {} : body;
  let v = validators.get(schema);
  if (!v) {
    v = Compile(schema);
    validators.set(schema, v);
  }
  if (v.Check(value)) return value as Static<S>;
  const byPath = new Map<string, SchemaError[]>();
  const fieldErrors: Record<string, unknown> = {};
  for (const e of v.Errors(value) as unknown as SchemaError[]) {
    if (e.keyword === 'required') {
      for (const p of (e.params.requiredProperties as string[]) ?? []) {
        place(fieldErrors, [...e.instancePath.split('/').filter(Boolean), p], 'This field is required.');
      }
      continue;
    }
    if (e.keyword === 'anyOf') continue;
    const list = byPath.get(e.instancePath) ?? [];
    list.push(e);
    byPath.set(e.instancePath, list);
  }
  for (const [path, errs] of byPath) {
    const parts = path.split('/').filter(Boolean);
    if (parts.length) place(fieldErrors, parts, describe(errs));
  }
  throw CloseError.validation(fieldErrors);
}

const JsonObjectOrNull = Type.Union([Type.Object({}, { description: 'a webhook filter (events/filter.ts)' }), Type.Null()]);

/** One entry of a subscription's `events` (reference §12.3; Close's `WebhookSubscriptionEvent`). */
export const WebhookEventSchema = Type.Object({
  object_type: Type.String({ description: 'e.g. task.lead, activity.task_completed' }),
  action: Type.String({ description: 'e.g. created, updated, completed, deleted' }),
  extra_filter: Type.Optional(JsonObjectOrNull),
});

/** `POST /webhook/` (reference §12.3; Close's `CreateWebhook`). */
export const WebhookCreateSchema = Type.Object({
  url: Type.String({ description: 'http(s) URL the events are POSTed to' }),
  events: Type.Array(WebhookEventSchema),
  verify_ssl: Type.Optional(Type.Boolean({ description: 'verify the receiver TLS certificate (default true)' })),
  event_filter: Type.Optional(JsonObjectOrNull),
});
export type WebhookCreateBody = Static<typeof WebhookCreateSchema>;

/** `PUT /webhook/{id}/`: every key optional (reference §12.3). */
export const WebhookUpdateSchema = Type.Object({
  url: Type.Optional(Type.String()),
  events: Type.Optional(Type.Array(WebhookEventSchema)),
  verify_ssl: Type.Optional(Type.Boolean()),
  event_filter: Type.Optional(JsonObjectOrNull),
  status: Type.Optional(Type.Union([Type.Literal('active'), Type.Literal('paused')])),
});
export type WebhookUpdateBody = Static<typeof WebhookUpdateSchema>;

const NullableInt = Type.Union([Type.Integer({ minimum: 0 }), Type.Null()]);
const NullableStringList = Type.Union([Type.Array(Type.String()), Type.Null()]);
/** A nullable enum of string literals. */
const NullableEnum = (values: readonly string[], description?: string) =>
  Type.Union([...values.map((v) => Type.Literal(v)), Type.Null()], description ? { description } : {});

const CALL_STATUS_VALUES = ['created', 'in-progress', 'completed', 'cancel', 'no-answer', 'busy', 'failed', 'timeout'];
const MESSAGE_STATUS_VALUES = ['inbox', 'draft', 'scheduled', 'outbox', 'sent', 'error'];

/** Common references of an activity body (D32: `user_id` defaults to the caller). */
const ActivityRefs = {
  lead_id: Type.Optional(NullableString),
  contact_id: Type.Optional(NullableString),
  user_id: Type.Optional(NullableString),
  date_created: Type.Optional(Type.Union([Type.String({ description: 'ISO 8601 date-time' }), Type.Null()])),
  activity_at: Type.Optional(Type.Union([Type.String({ description: 'ISO 8601 date-time' }), Type.Null()])),
};

/** `POST /activity/call/`, `PUT /activity/call/{id}/` bodies (close-openapi.yml `CreateCallActivity`). */
export const CallWriteSchema = Type.Object({
  ...ActivityRefs,
  direction: Type.Optional(NullableEnum(['inbound', 'outbound'], 'default outbound')),
  status: Type.Optional(NullableEnum(CALL_STATUS_VALUES, 'default completed')),
  phone: Type.Optional(Type.Union([Type.String({ description: 'the other party; any format, stored E.164' }), Type.Null()])),
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
  body_text: Type.Optional(NullableString),
  body_html: Type.Optional(NullableString),
  sender: Type.Optional(NullableString),
  to: Type.Optional(NullableStringList),
  cc: Type.Optional(NullableStringList),
  bcc: Type.Optional(NullableStringList),
  thread_id: Type.Optional(NullableString),
  in_reply_to_id: Type.Optional(NullableString),
  followup_date: Type.Optional(Type.Union([Type.String({ description: 'YYYY-MM-DD or ISO 8601 date-time' }), Type.Null()])),
  date_sent: Type.Optional(NullableString),
});
export type EmailWriteBody = Static<typeof EmailWriteSchema>;

const SmsAttachmentSchema = Type.Object({
  url: Type.String(),
  filename: Type.String(),
  content_type: Type.String(),
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

/** `POST /opportunity/`, `PUT /opportunity/{id}/` bodies (close-openapi.yml `CreateOpportunity`; reference §13.6). */
export const OpportunityWriteSchema = Type.Object({
  lead_id: Type.Optional(NullableString),
  contact_id: Type.Optional(NullableString),
  user_id: Type.Optional(NullableString),
  status_id: Type.Optional(NullableString),
  status_type: Type.Optional(NullableEnum(['active', 'won', 'lost'])),
  status_label: Type.Optional(NullableString),
  value: Type.Optional(Type.Union([Type.Integer({ description: 'minor units (cents)' }), Type.Null()])),
  value_currency: Type.Optional(NullableString),
  value_period: Type.Optional(NullableEnum(['one_time', 'monthly', 'annual'])),
  confidence: Type.Optional(Type.Union([Type.Integer(), Type.Null()])),
  note: Type.Optional(NullableString),
  date_won: Type.Optional(Type.Union([Type.String({ description: 'the (expected) close date, YYYY-MM-DD' }), Type.Null()])),
});
export type OpportunityWriteBody = Static<typeof OpportunityWriteSchema>;
