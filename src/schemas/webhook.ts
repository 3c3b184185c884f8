/**
 * Schemas of `/webhook/` and `/webhook/{id}/` (reference §12.3; Close's `CreateWebhook`).
 */
import { Type, type Static } from 'typebox';

const JsonObjectOrNull = Type.Union([Type.Object({}, { description: 'a webhook filter (events/filter.ts)' }), Type.Null()]);

/** One entry of a subscription's `events` (reference §12.3; Close's `WebhookSubscriptionEvent`). */
export const WebhookEventSchema = Type.Object({
  object_type: Type.String({ description: 'e.g. task.lead, activity.task_completed', maxLength: 1_000 }),
  action: Type.String({ description: 'e.g. created, updated, completed, deleted', maxLength: 1_000 }),
  extra_filter: Type.Optional(JsonObjectOrNull),
});

/** `POST /webhook/` (reference §12.3; Close's `CreateWebhook`). */
export const WebhookCreateSchema = Type.Object({
  url: Type.String({ description: 'http(s) URL the events are POSTed to', maxLength: 10_000 }),
  events: Type.Array(WebhookEventSchema),
  verify_ssl: Type.Optional(Type.Boolean({ description: 'verify the receiver TLS certificate (default true)' })),
  event_filter: Type.Optional(JsonObjectOrNull),
});
export type WebhookCreateBody = Static<typeof WebhookCreateSchema>;

/** `PUT /webhook/{id}/`: every key optional (reference §12.3). */
export const WebhookUpdateSchema = Type.Object({
  url: Type.Optional(Type.String({ maxLength: 10_000 })),
  events: Type.Optional(Type.Array(WebhookEventSchema)),
  verify_ssl: Type.Optional(Type.Boolean()),
  event_filter: Type.Optional(JsonObjectOrNull),
  status: Type.Optional(Type.Union([Type.Literal('active'), Type.Literal('paused')])),
});
export type WebhookUpdateBody = Static<typeof WebhookUpdateSchema>;

