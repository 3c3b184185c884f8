/**
 * Webhook subscriptions (reference §12.3; issue 5): `GET/POST /webhook/`,
 * `GET/PUT/DELETE /webhook/{id}/`.
 *
 * Rules (Close's where documented, ours where marked):
 * - Create takes `url` and `events` (both required), `verify_ssl` (default true) and
 *   `event_filter`; it answers 201 with the subscription, whose `signature_key` (64 hex
 *   characters) signs every delivery. The key is part of the subscription object, as
 *   Close's is, so GET shows it too.
 * - `events` is a non-empty list of `{object_type, action, extra_filter?}`; any
 *   object type and action is accepted (Close lists many Tasklane never emits; such an
 *   entry simply never fires). Filters must follow the grammar of `events/filter.ts`.
 * - Update is partial (D2) and also takes `status` `active`/`paused`. Pausing drops
 *   the subscription's queued deliveries (Close clears the queue of a paused
 *   subscription); re-activating starts afresh (new events only).
 * - At most 40 subscriptions per organization (Close's limit for ordinary
 *   organizations).
 * - Admins (`role_id` `admin`) see and manage every subscription of the organization;
 *   other members only those they created (reference §12.3). Others' subscriptions
 *   answer 404, never 403 (D26).
 * - With the SSRF guard on (`WEBHOOK_BLOCK_PRIVATE`), a URL whose host is or resolves
 *   to a private, loopback or link-local address is refused (400).
 */
import type { RequestContext } from '../context.js';
import { CloseError } from '../close/errors.js';
import { isoformat } from '../close/dates.js';
import { ID_PREFIX, newShortId } from '../close/ids.js';
import type { Page } from '../close/params.js';
import type { WebhookSubscriptionRow } from '../db/schema.js';
import {
  countSubscriptions,
  deleteSubscription,
  dropPendingDeliveries,
  findSubscription,
  insertSubscription,
  listSubscriptions,
  updateSubscription,
} from '../db/webhooks.repo.js';
import { membershipRole } from '../db/accounts.repo.js';
import { lockRows, writeTransaction, type Executor } from '../db/executor.js';
import type { WebhookCreateBody, WebhookUpdateBody } from '../schemas/webhook.js';
import { parseEventFilter } from './filter.js';
import { assertPublicUrl } from './ssrf.js';
import { newSignatureKey } from './signature.js';
import type { SubscribedEvent } from './record.js';
import type { Webhook } from '../schemas/event-response.js';

export const WEBHOOK_MODEL = 'WebhookSubscription';

/** Most subscriptions an organization may have (reference §12.3: 40). */
export const MAX_SUBSCRIPTIONS_PER_ORGANIZATION = 40;

/** Paging of `GET /webhook/`: default and maximum 100. */
export const WEBHOOK_PAGE_LIMITS = { defaultLimit: 100, maxLimit: 100 };

/** Django's `URLField` message, which Close's framework would send. */
const INVALID_URL = 'Enter a valid URL.';

/** Close's JSON for a subscription (keys sorted; dates `isoformat()` UTC, D19). */
export function serializeSubscription(row: WebhookSubscriptionRow): Webhook {
  const events = (JSON.parse(row.events) as SubscribedEvent[]).map((e) => ({
    action: e.action,
    extra_filter: e.extra_filter ?? null,
    object_type: e.object_type,
  }));
  return {
    created_by: row.created_by,
    date_created: isoformat(Number(row.date_created)),
    date_updated: isoformat(Number(row.date_updated)),
    event_filter: row.event_filter ? JSON.parse(row.event_filter) : null,
    events,
    id: row.id,
    organization_id: row.organization_id,
    signature_key: row.signature_key,
    status: row.status as Webhook['status'],
    updated_by: row.updated_by,
    url: row.url,
    verify_ssl: !!row.verify_ssl,
  };
}

/** True when the caller is an admin of their organization. */
async function isAdmin(ex: Executor, ctx: RequestContext): Promise<boolean> {
  return (await membershipRole(ex, ctx.organizationId, ctx.userId)) === 'admin';
}

/** The subscription if the caller may see it (D26: others' are 404). @throws CloseError 404. */
async function visibleSubscription(ex: Executor, ctx: RequestContext, id: string): Promise<WebhookSubscriptionRow> {
  const row = await findSubscription(ex, ctx.organizationId, id);
  if (!row || (row.created_by !== ctx.userId && !(await isAdmin(ex, ctx)))) throw CloseError.notFound(WEBHOOK_MODEL);
  return row;
}

/** A field error at `events[index].extra_filter`, in Close's nested error shape (reference §6.2). */
function eventItemError(index: number, field: string, message: string): Record<string, unknown> {
  return { errors: { [String(index)]: { errors: [], 'field-errors': { [field]: message } } } };
}

/** Close's event object types: `<object>` or `<object>.<subtype>` in lower case (reference §12.2). */
const OBJECT_TYPE_RE = /^[a-z][a-z_]*(\.[a-z][a-z_]*)?$/;
/** Close's event actions: lower-case words such as `created` or `completed` (reference §12.2). */
const ACTION_RE = /^[a-z][a-z_]*$/;

/**
 * Checks `url`, `events` and `event_filter` of a write body.
 * @returns the values to store (JSON text for `events` and `event_filter`).
 * @throws CloseError 400 with the field errors found.
 */
async function validateTarget(
  body: Pick<WebhookUpdateBody, 'url' | 'events' | 'event_filter'>,
  blockPrivate: boolean,
): Promise<{ url?: string; events?: string; event_filter?: string | null }> {
  const fieldErrors: Record<string, unknown> = {};
  const out: { url?: string; events?: string; event_filter?: string | null } = {};
  if (body.url !== undefined) {
    const url = body.url.trim();
    let parsed: URL | null = null;
    try {
      parsed = new URL(url);
    } catch {
      parsed = null;
    }
    // DNS names are at most 253 characters; a URL longer than 2048 is not a receiver's.
    if (!parsed || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') || !parsed.hostname || parsed.hostname.length > 253 || url.length > 2048) {
      fieldErrors.url = INVALID_URL;
    } else if (blockPrivate) {
      try {
        await assertPublicUrl(url);
        out.url = url;
      } catch (e) {
        const err = e as NodeJS.ErrnoException;
        fieldErrors.url =
          err.code === 'EPRIVATEADDRESS'
            ? `Webhooks cannot be sent to ${err.message.replace(/ \(WEBHOOK_BLOCK_PRIVATE is on\)$/, '')}.`
            : `The host of this URL does not resolve (${err.code ?? err.message}).`;
      }
    } else out.url = url;
  }
  if (body.events !== undefined) {
    if (body.events.length === 0) fieldErrors.events = 'Subscribe to at least one event.';
    const stored: SubscribedEvent[] = [];
    body.events.forEach((e, i) => {
      if (fieldErrors.events) return;
      if (!e.object_type.trim()) fieldErrors.events = eventItemError(i, 'object_type', 'This field is required.');
      else if (!OBJECT_TYPE_RE.test(e.object_type.trim())) fieldErrors.events = eventItemError(i, 'object_type', 'Not an event object type, such as task.lead or activity.task_completed.');
      else if (!e.action.trim()) fieldErrors.events = eventItemError(i, 'action', 'This field is required.');
      else if (!ACTION_RE.test(e.action.trim())) fieldErrors.events = eventItemError(i, 'action', 'Not an event action, such as created, updated, completed or deleted.');
      else if (e.extra_filter) {
        const f = parseEventFilter(e.extra_filter);
        if ('error' in f) fieldErrors.events = eventItemError(i, 'extra_filter', f.error);
        else stored.push({ object_type: e.object_type.trim(), action: e.action.trim(), extra_filter: f.filter });
      } else stored.push({ object_type: e.object_type.trim(), action: e.action.trim(), extra_filter: null });
    });
    if (!fieldErrors.events) out.events = JSON.stringify(stored);
  }
  if (body.event_filter !== undefined) {
    if (body.event_filter === null) out.event_filter = null;
    else {
      const f = parseEventFilter(body.event_filter);
      if ('error' in f) fieldErrors.event_filter = f.error;
      else out.event_filter = JSON.stringify(f.filter);
    }
  }
  if (Object.keys(fieldErrors).length) throw CloseError.validation(fieldErrors);
  return out;
}

/**
 * `POST /webhook/`: creates an active subscription with a fresh `signature_key`.
 * @throws CloseError 400 for a bad URL, events or filter, a refused private target,
 *   or an organization already at 40 subscriptions.
 */
export async function createSubscription(ctx: RequestContext, body: WebhookCreateBody, blockPrivate: boolean): Promise<Record<string, unknown>> {
  const target = await validateTarget(body, blockPrivate);
  return writeTransaction(ctx.db, async (trx) => {
    if ((await countSubscriptions(trx, ctx.organizationId)) >= MAX_SUBSCRIPTIONS_PER_ORGANIZATION) {
      throw CloseError.errorsOnly([
        `This organization already has ${MAX_SUBSCRIPTIONS_PER_ORGANIZATION} webhook subscriptions, the most it may have.`,
      ]);
    }
    const now = ctx.now();
    const row: WebhookSubscriptionRow = {
      id: newShortId(ID_PREFIX.webhookSubscription),
      organization_id: ctx.organizationId,
      url: target.url!,
      events: target.events!,
      event_filter: target.event_filter ?? null,
      status: 'active',
      verify_ssl: body.verify_ssl === false ? 0 : 1,
      signature_key: newSignatureKey(),
      failing_since: null,
      created_by: ctx.userId,
      updated_by: ctx.userId,
      date_created: now,
      date_updated: now,
    };
    await insertSubscription(trx, row);
    return serializeSubscription(row);
  });
}

/** `GET /webhook/`: `{"data": [...], "has_more": bool}`, oldest first. */
export async function listSubscriptionPage(ctx: RequestContext, page: Page): Promise<{ data: Record<string, unknown>[]; has_more: boolean }> {
  const ex = ctx.db.kysely;
  const { rows, hasMore } = await listSubscriptions(ex, ctx.organizationId, (await isAdmin(ex, ctx)) ? null : ctx.userId, page);
  return { data: rows.map(serializeSubscription), has_more: hasMore };
}

/** `GET /webhook/{id}/`. @throws CloseError 404. */
export async function getSubscription(ctx: RequestContext, id: string): Promise<Record<string, unknown>> {
  return serializeSubscription(await visibleSubscription(ctx.db.kysely, ctx, id));
}

/**
 * `PUT /webhook/{id}/`: partial update of `url`, `events`, `event_filter`,
 * `verify_ssl` and `status`. Pausing drops the queued deliveries; re-activating
 * clears the failure record.
 * @throws CloseError 404, or 400 as for create.
 */
export async function updateSubscriptionById(
  ctx: RequestContext,
  id: string,
  body: WebhookUpdateBody,
  blockPrivate: boolean,
): Promise<Record<string, unknown>> {
  await visibleSubscription(ctx.db.kysely, ctx, id);
  const target = await validateTarget(body, blockPrivate);
  return writeTransaction(ctx.db, async (trx) => {
    await lockRows(trx, 'webhook_subscriptions', [id], ctx.organizationId);
    const row = await visibleSubscription(trx, ctx, id);
    const now = ctx.now();
    const patch: Partial<WebhookSubscriptionRow> = { updated_by: ctx.userId, date_updated: now };
    if (target.url !== undefined) patch.url = target.url;
    if (target.events !== undefined) patch.events = target.events;
    if (target.event_filter !== undefined) patch.event_filter = target.event_filter;
    if (body.verify_ssl !== undefined) patch.verify_ssl = body.verify_ssl ? 1 : 0;
    if (body.status !== undefined && body.status !== row.status) {
      patch.status = body.status;
      if (body.status === 'paused') await dropPendingDeliveries(trx, id, now, 'subscription paused');
      else patch.failing_since = null;
    }
    await updateSubscription(trx, id, patch);
    return serializeSubscription({ ...row, ...patch });
  });
}

/** `DELETE /webhook/{id}/`: answers `{}`; queued deliveries go with it. @throws CloseError 404. */
export async function deleteSubscriptionById(ctx: RequestContext, id: string): Promise<Record<string, never>> {
  await writeTransaction(ctx.db, async (trx) => {
    await lockRows(trx, 'webhook_subscriptions', [id], ctx.organizationId);
    await visibleSubscription(trx, ctx, id);
    await deleteSubscription(trx, id);
  });
  return {};
}
