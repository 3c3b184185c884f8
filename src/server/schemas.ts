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
