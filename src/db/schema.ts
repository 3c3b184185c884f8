/**
 * Row types of Tasklane's tables, as Kysely sees them. Row types are not API types:
 * the mappers in `tasks/serialize.ts` and `crm/*` turn rows into Close's JSON.
 *
 * Units and encodings, the same on every dialect:
 * - instants are integers of milliseconds since the epoch, UTC (`*_ms`, `date_created`,
 *   `date_updated`);
 * - booleans are integers 0/1;
 * - a task's `date` is `date_ms` plus `date_is_day`: for a date-only value `date_ms`
 *   is UTC midnight of that calendar day (D18), otherwise the instant;
 * - JSON values are text columns holding JSON.
 */
export interface OrganizationRow {
  id: string;
  name: string;
  /** ISO 4217 code used to format money (reference §13.2). */
  currency: string;
  date_created: number;
  date_updated: number;
}

export interface UserRow {
  id: string;
  email: string;
  first_name: string;
  last_name: string;
  /** IANA zone name (D16), e.g. `America/Los_Angeles`; null means UTC. */
  timezone: string | null;
  date_created: number;
  date_updated: number;
}

export interface MembershipRow {
  id: string;
  organization_id: string;
  user_id: string;
  role_id: string;
  date_created: number;
  /** When the member was made inactive (ms UTC; D35, migration 0004), null while active. */
  date_deactivated?: number | null;
}

export interface ApiKeyRow {
  id: string;
  /** Hex SHA-256 of the secret key; the key itself is never stored (D27). */
  key_hash: string;
  user_id: string;
  organization_id: string;
  date_created: number;
  /** When `tasklane apikey revoke` revoked it (ms), or null (migration 0005). */
  date_revoked?: number | null;
}

/** The one row (id 1) whose version grows with every credential change (migration 0005). */
export interface AuthEpochRow {
  id: number;
  version: number;
}

/** A shared D31 token bucket (migration 0005; `db/ratelimit.repo.ts`). */
export interface RateLimitBucketRow {
  key: string;
  capacity: number;
  tokens: number;
  /** ms of the last take. */
  at: number;
  /** 1 when the last take was granted. */
  granted: number;
}

export interface LeadRow {
  id: string;
  organization_id: string;
  name: string;
  description: string;
  url: string | null;
  status_label: string;
  created_by: string | null;
  updated_by: string | null;
  date_created: number;
  date_updated: number;
}

export interface ContactRow {
  id: string;
  organization_id: string;
  lead_id: string;
  name: string;
  title: string;
  /** JSON list of `{phone, phone_formatted, type, country}`. */
  phones: string;
  /** JSON list of `{email, type, is_unsubscribed}`. */
  emails: string;
  created_by: string | null;
  updated_by: string | null;
  date_created: number;
  date_updated: number;
}

export interface TaskRow {
  id: string;
  organization_id: string;
  /** Close's `_type`. */
  type: string;
  lead_id: string | null;
  contact_id: string | null;
  assigned_to: string;
  created_by: string | null;
  updated_by: string | null;
  text: string | null;
  is_complete: number;
  is_dateless: number;
  date_ms: number;
  date_is_day: number;
  priority: string | null;
  resolution: string | null;
  object_type: string | null;
  object_id: string | null;
  /** JSON object of the type-specific fields kept outside columns (see `tasks/types.ts`). */
  extra: string | null;
  /**
   * What automatic completion matches on (D30; migration 0003): `phone:+E164` for
   * call and SMS tasks, `thread:acti_…` for email tasks, `opportunity:oppo_…` for
   * `opportunity_due`; null for lead and outgoing_call tasks.
   */
  match_key?: string | null;
  date_created: number;
  date_updated: number;
}

export interface ActivityRow {
  id: string;
  organization_id: string;
  /** Close activity `_type`, e.g. `TaskCompleted`. */
  type: string;
  lead_id: string | null;
  contact_id: string | null;
  user_id: string | null;
  created_by: string | null;
  updated_by: string | null;
  /** JSON object of the type-specific fields. */
  data: string;
  /** The `EmailThread` activity an `Email` activity belongs to; null for other types (migration 0003). */
  thread_id?: string | null;
  activity_at: number;
  date_created: number;
  date_updated: number;
}

/** One recorded change (reference §12.1). JSON columns hold Close's JSON as text. */
export interface EventRow {
  /** `ev_` + 22 base62. */
  id: string;
  /**
   * Order among events of the same `date_updated` millisecond: the order they were
   * recorded in (see `events/log.ts`). Never shown on the wire.
   */
  seq: number;
  organization_id: string;
  user_id: string | null;
  request_id: string | null;
  api_key_id: string | null;
  /** e.g. `task.lead`, `activity.task_completed`. */
  object_type: string;
  object_id: string;
  lead_id: string | null;
  /** `created`, `updated`, `completed`, `deleted`, ... */
  action: string;
  /** JSON list of field names. */
  changed_fields: string;
  /** JSON object, or null (deletions). */
  data: string | null;
  /** JSON object, or null. */
  previous_data: string | null;
  /** JSON object, e.g. `{"request_method": "PUT", "request_path": "/api/v1/task/..."}`. */
  meta: string;
  date_created: number;
  date_updated: number;
}

/** A webhook subscription (reference §12.3). */
export interface WebhookSubscriptionRow {
  /** `whsub_` + 22 base62. */
  id: string;
  organization_id: string;
  url: string;
  /** JSON list of `{object_type, action, extra_filter}`. */
  events: string;
  /** JSON filter applied to every event of the subscription, or null. */
  event_filter: string | null;
  /** `active` or `paused`. */
  status: string;
  verify_ssl: number;
  /** 64 hex characters: the 32-byte HMAC-SHA256 key, hex-encoded (reference §12.3). */
  signature_key: string;
  /** Start (ms) of the current uninterrupted run of failed deliveries; null while healthy. */
  failing_since: number | null;
  created_by: string | null;
  updated_by: string | null;
  date_created: number;
  date_updated: number;
}

/**
 * An opportunity (reference §13.6). `value` is in the currency's minor unit (cents);
 * `date_won_day` is the expected (or actual) close date as UTC midnight ms of that
 * calendar day; `date_lost` an instant (ms).
 */
export interface OpportunityRow {
  id: string;
  organization_id: string;
  lead_id: string;
  contact_id: string | null;
  user_id: string;
  /** `active`, `won` or `lost`. */
  status_type: string;
  value: number | null;
  value_currency: string;
  /** `one_time`, `monthly` or `annual`. */
  value_period: string;
  /** 0..100. */
  confidence: number;
  note: string;
  date_won_day: number | null;
  date_lost: number | null;
  created_by: string | null;
  updated_by: string | null;
  date_created: number;
  date_updated: number;
}

/** The outbox: one delivery of one event to one subscription. */
export interface WebhookDeliveryRow {
  id: string;
  event_id: string;
  subscription_id: string;
  /** `pending`, `delivered`, `failed` (gave up after 72 hours) or `dropped` (subscription paused). */
  state: string;
  attempts: number;
  /** When the next attempt is due (ms). */
  next_attempt_at: number;
  /** A worker holds the row until then (ms); null when nobody does. */
  locked_until: number | null;
  locked_by: string | null;
  /** HTTP status of the last attempt, or null when none came back. */
  last_status: number | null;
  last_error: string | null;
  date_created: number;
  date_updated: number;
  date_delivered: number | null;
}

/** A contact's phone number in E.164, for finding the contact of a call or SMS (migration 0003). */
export interface ContactPhoneRow {
  organization_id: string;
  phone_e164: string;
  contact_id: string;
  lead_id: string;
  date_created: number;
}

/** A contact's email address, lower-cased, for finding the contact of an email (migration 0003). */
export interface ContactEmailRow {
  organization_id: string;
  email: string;
  contact_id: string;
  lead_id: string;
  date_created: number;
}

export interface Database {
  organizations: OrganizationRow;
  users: UserRow;
  memberships: MembershipRow;
  api_keys: ApiKeyRow;
  leads: LeadRow;
  contacts: ContactRow;
  tasks: TaskRow;
  activities: ActivityRow;
  events: EventRow;
  webhook_subscriptions: WebhookSubscriptionRow;
  webhook_deliveries: WebhookDeliveryRow;
  opportunities: OpportunityRow;
  contact_phones: ContactPhoneRow;
  contact_emails: ContactEmailRow;
  auth_epoch: AuthEpochRow;
  rate_limit_buckets: RateLimitBucketRow;
}
