/**
 * Response schemas of `/event/` and `/webhook/` (reference §12.1, §12.3):
 * `events/record.ts` (`eventJson`) and `events/subscriptions.ts` serialize them.
 */
import { Type, type Static } from 'typebox';
import { AnyObject, Closed, DateTime, ListOf, Nullable, NullableText } from './response.js';

/** An event of the log; envelope dates are naive UTC (reference §1.5, §12.1). */
export const EventResponse = Closed(
  {
    action: Type.String({ description: 'created, updated, deleted, completed, ...' }),
    api_key_id: NullableText,
    changed_fields: Type.Array(Type.String()),
    data: Nullable(AnyObject),
    date_created: Type.String({ description: 'naive ISO 8601, UTC' }),
    date_updated: Type.String({ description: 'naive ISO 8601, UTC' }),
    id: Type.String({ description: 'ev_...' }),
    lead_id: NullableText,
    meta: AnyObject,
    oauth_client_id: Type.Null(),
    oauth_scope: Type.Null(),
    object_id: Type.String(),
    object_type: Type.String({ description: 'e.g. task.lead, activity.call' }),
    organization_id: Type.String(),
    previous_data: Nullable(AnyObject),
    request_id: NullableText,
    user_id: NullableText,
  },
  { $id: 'Event' },
);
export type Event = Static<typeof EventResponse>;

/** `GET /event/`: newest first, with cursors to older (`cursor_next`) and newer events. */
export const EventListResponse = Closed({ data: Type.Array(EventResponse), cursor_next: NullableText, cursor_previous: NullableText });

/** A webhook subscription (reference §12.3). */
export const WebhookResponse = Closed(
  {
    created_by: NullableText,
    date_created: DateTime,
    date_updated: DateTime,
    event_filter: Nullable(AnyObject),
    events: Type.Array(Closed({ action: Type.String(), extra_filter: Nullable(AnyObject), object_type: Type.String() })),
    id: Type.String({ description: 'whsub_...' }),
    organization_id: Type.String(),
    signature_key: Type.String({ description: 'hex key of the HMAC signatures' }),
    status: Type.Union([Type.Literal('active'), Type.Literal('paused')]),
    updated_by: NullableText,
    url: Type.String(),
    verify_ssl: Type.Boolean(),
  },
  { $id: 'Webhook' },
);
export type Webhook = Static<typeof WebhookResponse>;

export const WebhookListResponse = ListOf(WebhookResponse);
