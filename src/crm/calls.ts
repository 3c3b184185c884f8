/**
 * Call activities: `/activity/call/` (close-openapi.yml `CreateCallActivity`,
 * `UpdateCallActivity`, `CallActivity`; issue 3) and the tasks calls make and
 * complete (D29, D30, D32; rules in `tasks/generated.ts`).
 *
 * Body fields: `direction` (`inbound`/`outbound`, default `outbound`), `status`
 * (Close's call statuses, default `completed`), `phone` (the other party; `remote_phone`
 * is accepted as its alias), `local_phone`, `duration` and `voicemail_duration`
 * (seconds), `voicemail_url`, `recording_url` (https only, as Close requires),
 * `note`, `lead_id`, `contact_id`, `user_id` (default: the caller), `date_created`,
 * `activity_at` (when the call happened; default `date_created`, default now).
 *
 * Phones in any format are stored E.164. A call that names no lead or contact is
 * matched to the contact that has its number (`channels.ts`).
 */
import type { RequestContext } from '../context.js';
import type { ActivityRow } from '../db/schema.js';
import { lockRows, writeTransaction, type Executor } from '../db/executor.js';
import { findActivity, insertActivity, updateActivity, deleteActivityRow, type ActivityWithNames } from '../db/activities.repo.js';
import { CloseError } from '../close/errors.js';
import { FieldErrors } from '../close/params.js';
import { simpleActivityJson } from '../close/activity.js';
import { phoneDetails, readBodyPhone, type PhoneDetails } from '../close/phones.js';
import type { CallWriteBody } from '../schemas/activity.js';
import { callEffects, classifyCall, type CallFacts } from '../tasks/generated/calls.js';
import { phoneKey } from '../tasks/generated/rules.js';
import { applyTaskEffects, deleteTasksOfObject, knownTasksOfObject, openKnownTasks } from '../tasks/effects.js';
import { newActivityRow, readInstant, resolveActivityRefs, type ActivitySerializer } from './activities.js';
import { findContactByPhone, refsOfNumber } from './channels.js';

export const CALL_TYPE = 'Call';

/** A call's own wire fields, as stored in `activities.data`. */
interface CallData {
  direction: 'inbound' | 'outbound';
  status: string;
  phone: string | null;
  remote_phone: string | null;
  local_phone: string | null;
  duration: number | null;
  voicemail_duration: number | null;
  voicemail_url: string | null;
  recording_url: string | null;
  note: string;
  source: string;
  outcome_id: string | null;
}

const has = (o: object, k: string) => Object.prototype.hasOwnProperty.call(o, k);

/** Close's JSON for calls: common activity fields plus the call's own. */
export const serializeCalls: ActivitySerializer = async (_ex, _ctx, rows) => rows.map(simpleActivityJson);

function checkSecureUrl(value: string | null | undefined, field: string, errors: FieldErrors): void {
  if (value && !/^https:\/\//i.test(value)) errors.add(field, 'Only secure URLs (https://) are accepted.');
}

function callFacts(row: Pick<ActivityRow, 'id' | 'lead_id' | 'contact_id' | 'user_id' | 'activity_at'>, data: CallData, phone: PhoneDetails | null, fallbackUser: string): CallFacts {
  return {
    id: row.id,
    direction: data.direction,
    status: data.status,
    duration: data.duration,
    voicemail_url: data.voicemail_url,
    voicemail_duration: data.voicemail_duration,
    recording_url: data.recording_url,
    phone,
    local_phone: data.local_phone,
    lead_id: row.lead_id,
    contact_id: row.contact_id,
    user_id: row.user_id ?? fallbackUser,
    at: Number(row.activity_at),
  };
}

/** Runs the call rules for a write and applies their effects (D29, D30). */
async function runCallRules(ex: Executor, ctx: RequestContext, before: CallFacts | null, after: CallFacts): Promise<void> {
  const tasksOfCall = before ? await knownTasksOfObject(ex, ctx, after.id) : [];
  // Only a call that can complete them needs the number's open missed calls (D30).
  const outcome = classifyCall(after);
  const completes = after.phone && (outcome === 'outbound' || outcome === 'answered');
  const openMissedForNumber = completes ? await openKnownTasks(ex, ctx, phoneKey(after.phone!.e164), ['missed_call', 'voicemail']) : [];
  await applyTaskEffects(ex, ctx, callEffects(before, after, { tasksOfCall, openMissedForNumber }, ctx.userId));
}

async function readBack(ex: Executor, ctx: RequestContext, id: string): Promise<Record<string, unknown>> {
  const row = (await findActivity(ex, ctx.organizationId, CALL_TYPE, id)) as ActivityWithNames;
  return (await serializeCalls(ex, ctx, [row]))[0];
}

/**
 * `POST /activity/call/`: logs a call and runs the call rules: a missed inbound call
 * makes `missed_call`, one with a voicemail `voicemail`, an answered one from a number
 * on no lead `answered_detached_call` (D29), assigned to the call's user (D32); an
 * outbound call, or an answered one, completes the open missed-call and voicemail
 * tasks of its number (D30). One transaction.
 * @throws CloseError 400 with field errors for bad phones, URLs, dates or references.
 */
export async function createCall(ctx: RequestContext, body: CallWriteBody): Promise<Record<string, unknown>> {
  const errors = new FieldErrors();
  const phone = await readBodyPhone(body.phone ?? body.remote_phone, 'phone', errors);
  const local = await readBodyPhone(body.local_phone, 'local_phone', errors);
  checkSecureUrl(body.recording_url, 'recording_url', errors);
  checkSecureUrl(body.voicemail_url, 'voicemail_url', errors);
  const dateCreated = readInstant(body.date_created, 'date_created', errors);
  const activityAt = readInstant(body.activity_at, 'activity_at', errors);
  return writeTransaction(ctx.db, async (trx) => {
    const refs = await resolveActivityRefs(trx, ctx, body, errors);
    errors.throwIfAny();
    const { leadId, contactId } = await refsOfNumber(trx, ctx.organizationId, refs, phone?.e164 ?? null);
    const now = ctx.now();
    const data: CallData = {
      direction: body.direction ?? 'outbound',
      status: body.status ?? 'completed',
      phone: phone?.e164 ?? null,
      remote_phone: phone?.e164 ?? null,
      local_phone: local?.e164 ?? null,
      duration: body.duration ?? null,
      voicemail_duration: body.voicemail_duration ?? null,
      voicemail_url: body.voicemail_url ?? null,
      recording_url: body.recording_url ?? null,
      note: body.note ?? '',
      source: body.source ?? 'External',
      outcome_id: body.outcome_id ?? null,
    };
    const created = dateCreated ?? now;
    const row = newActivityRow(ctx, CALL_TYPE, {
      lead_id: leadId,
      contact_id: contactId,
      user_id: refs.user_id ?? ctx.userId,
      activity_at: activityAt ?? created,
      date_created: created,
      data: data as unknown as Record<string, unknown>,
    });
    await insertActivity(trx, row);
    await runCallRules(trx, ctx, null, callFacts(row, data, phone ?? null, ctx.userId));
    return readBack(trx, ctx, row.id);
  });
}

/** `GET` of one call. @throws CloseError 404. */
export async function findCallOr404(ex: Executor, ctx: RequestContext, id: string): Promise<ActivityWithNames> {
  const row = await findActivity(ex, ctx.organizationId, CALL_TYPE, id);
  if (!row) throw CloseError.notFound(CALL_TYPE);
  return row;
}

/**
 * `PUT /activity/call/{id}/`: a partial update (D2), then the call rules again: a call
 * that ends (`in-progress` -> `no-answer`) makes its task then; attaching a detached
 * call to a lead completes its `answered_detached_call`, and the call's tasks follow
 * its lead and contact (D30).
 * @throws CloseError 404, or 400 with field errors.
 */
export async function updateCall(ctx: RequestContext, id: string, body: CallWriteBody): Promise<Record<string, unknown>> {
  const errors = new FieldErrors();
  const phoneText = has(body, 'phone') ? body.phone : body.remote_phone;
  const phone = await readBodyPhone(phoneText, 'phone', errors);
  const local = await readBodyPhone(body.local_phone, 'local_phone', errors);
  checkSecureUrl(body.recording_url, 'recording_url', errors);
  checkSecureUrl(body.voicemail_url, 'voicemail_url', errors);
  const activityAt = readInstant(body.activity_at, 'activity_at', errors);
  return writeTransaction(ctx.db, async (trx) => {
    // Issue 4: the call is locked before it is read, so two nodes updating it never both
    // act on its old state (no lost update, never two tasks for one call).
    await lockRows(trx, 'activities', [id], ctx.organizationId);
    const row = await findCallOr404(trx, ctx, id);
    const refs = await resolveActivityRefs(trx, ctx, body, errors);
    errors.throwIfAny();
    const data = JSON.parse(row.data) as CallData;
    const beforePhone = data.phone ? await phoneDetails(data.phone) : null;
    const before = callFacts(row, data, beforePhone, ctx.userId);
    const next: CallData = { ...data };
    if (phone !== undefined) {
      next.phone = phone?.e164 ?? null;
      next.remote_phone = next.phone;
    }
    if (local !== undefined) next.local_phone = local?.e164 ?? null;
    for (const k of ['direction', 'status', 'duration', 'voicemail_duration', 'voicemail_url', 'recording_url', 'outcome_id'] as const) {
      if (has(body, k)) (next as unknown as Record<string, unknown>)[k] = body[k] ?? null;
    }
    if (has(body, 'direction') && !body.direction) next.direction = data.direction;
    if (has(body, 'status') && !body.status) next.status = data.status;
    if (has(body, 'note')) next.note = body.note ?? '';
    const patch: Partial<ActivityRow> = { data: JSON.stringify(next), updated_by: ctx.userId, date_updated: ctx.now() };
    const afterPhone = phone !== undefined ? phone : beforePhone;
    if (refs.lead_id !== undefined) patch.lead_id = refs.lead_id;
    if (refs.contact_id !== undefined) patch.contact_id = refs.contact_id;
    else if (refs.lead_id !== undefined && refs.lead_id !== row.lead_id) {
      // A new lead without a named contact: the lead's contact with this number, if any.
      const found = refs.lead_id && afterPhone ? await findContactByPhone(trx, ctx.organizationId, afterPhone.e164, refs.lead_id) : null;
      patch.contact_id = found && found.lead_id === refs.lead_id ? found.contact_id : null;
    }
    if (refs.user_id !== undefined) patch.user_id = refs.user_id;
    if (activityAt !== undefined) patch.activity_at = activityAt;
    await updateActivity(trx, id, patch);
    await runCallRules(trx, ctx, before, callFacts({ ...row, ...patch }, next, afterPhone, ctx.userId));
    return readBack(trx, ctx, id);
  });
}

/** `DELETE /activity/call/{id}/`: answers `{}`; the tasks the call made go with it. @throws CloseError 404. */
export async function deleteCall(ctx: RequestContext, id: string): Promise<Record<string, never>> {
  await writeTransaction(ctx.db, async (trx) => {
    await lockRows(trx, 'activities', [id], ctx.organizationId);
    await findCallOr404(trx, ctx, id);
    await deleteTasksOfObject(trx, ctx, id);
    await deleteActivityRow(trx, id);
  });
  return {};
}
