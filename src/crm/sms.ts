/**
 * SMS activities: `/activity/sms/` (close-openapi.yml `CreateSMSActivity`,
 * `UpdateSMSActivity`, `SMSActivity`; issue 3), and the tasks SMS make and complete
 * (D29, D30, D32; rules in `tasks/generated.ts`).
 *
 * Body fields: `status` (`inbox`, `draft`, `scheduled`, `outbox`, `sent`, `error`;
 * required), `direction` (`inbound`/`outbound`; default `inbound` for `inbox`, else
 * `outbound`, as Close documents), `text`, `remote_phone`, `local_phone` (any format;
 * stored E.164), `attachments` (MMS: `url`, `filename`, `content_type`, and, beyond
 * Close's create schema, optional `size`, `thumbnail_url`, `media_id` for re-imported
 * messages), `lead_id`, `contact_id`, `user_id` (default: the caller; the number's
 * owner, D32), `date_created`, `activity_at`.
 *
 * `POST /activity/sms/?send_to_inbox=true` with `status: "inbox"` puts the message in
 * the inbox as an `incoming_sms` task (Close's documented switch for API-logged
 * messages, close-openapi.yml). An SMS that names no lead or contact is matched to the
 * contact that has its remote number.
 */
import type { RequestContext } from '../context.js';
import type { ActivityRow } from '../db/schema.js';
import { lockRows, writeTransaction, type Executor } from '../db/executor.js';
import { deleteActivityRow, findActivity, insertActivity, updateActivity, type ActivityWithNames } from '../db/activities.repo.js';
import { CloseError, FIELD_TEXT } from '../close/errors.js';
import { FieldErrors } from '../close/params.js';
import { isoformat } from '../close/dates.js';
import { randomBase62 } from '../close/ids.js';
import { simpleActivityJson } from '../close/activity.js';
import { localDayMs } from '../close/localday.js';
import { phoneDetails, readBodyPhone, type PhoneDetails } from '../close/phones.js';
import type { SmsWriteBody } from '../schemas/activity.js';
import { isSentSms, smsEffects, type SmsAttachment, type SmsFacts } from '../tasks/generated/sms.js';
import { phoneKey } from '../tasks/generated/rules.js';
import { applyTaskEffects, deleteTasksOfObject, openKnownTasks } from '../tasks/effects.js';
import { newActivityRow, readInstant, resolveActivityRefs, type ActivitySerializer } from './activities.js';
import { refsOfNumber } from './channels.js';

export const SMS_TYPE = 'SMS';

/** An attachment as the API accepts it. */
type SmsAttachmentInput = NonNullable<SmsWriteBody['attachments']>[number];

/** An SMS's own wire fields, as stored in `activities.data` (close-openapi.yml `SMSActivity`). */
interface SmsData {
  attachments: SmsAttachment[];
  cost: string | null;
  date_sent: string | null;
  direction: 'inbound' | 'outbound';
  error_message: string | null;
  local_country_iso: string | null;
  local_phone: string | null;
  local_phone_formatted: string | null;
  remote_country_iso: string | null;
  remote_phone: string | null;
  remote_phone_formatted: string | null;
  source: string;
  status: string;
  template_id: string | null;
  text: string;
}

const has = (o: object, k: string) => Object.prototype.hasOwnProperty.call(o, k);

/** Close's JSON for SMS: common activity fields plus the message's own. */
export const serializeSms: ActivitySerializer = async (_ex, _ctx, rows) => rows.map(simpleActivityJson);

/** Attachments in the shape the seed example shows (`media_id` `media_` + 22 base62 characters when not given). */
function attachmentsOf(input: SmsAttachmentInput[] | null | undefined): SmsAttachment[] {
  return (input ?? []).map((a) => ({
    content_type: a.content_type,
    filename: a.filename,
    media_id: a.media_id ?? `media_${randomBase62(22)}`,
    size: a.size ?? null,
    thumbnail_url: a.thumbnail_url ?? null,
    url: a.url,
  }));
}

function smsFacts(ctx: RequestContext, row: Pick<ActivityRow, 'id' | 'lead_id' | 'contact_id' | 'user_id' | 'activity_at'>, data: SmsData, remote: PhoneDetails | null): SmsFacts {
  return {
    id: row.id,
    direction: data.direction,
    status: data.status,
    text: data.text,
    remote,
    local_phone: data.local_phone,
    attachments: data.attachments,
    lead_id: row.lead_id,
    contact_id: row.contact_id,
    user_id: row.user_id ?? ctx.userId,
    dayMs: localDayMs(Number(row.activity_at), ctx.zone),
  };
}

async function runSmsRules(ex: Executor, ctx: RequestContext, before: SmsFacts | null, after: SmsFacts, sendToInbox: boolean): Promise<void> {
  const open = after.remote ? await openKnownTasks(ex, ctx, phoneKey(after.remote.e164), ['incoming_sms']) : [];
  await applyTaskEffects(ex, ctx, smsEffects(before, after, open, sendToInbox));
}

async function readBack(ex: Executor, ctx: RequestContext, id: string): Promise<Record<string, unknown>> {
  const row = (await findActivity(ex, ctx.organizationId, SMS_TYPE, id)) as ActivityWithNames;
  return (await serializeSms(ex, ctx, [row]))[0];
}

/**
 * `POST /activity/sms/`: logs an SMS and runs the SMS rules: with `sendToInbox` an
 * inbound message makes an `incoming_sms` task dated the message's day in the
 * request's zone (D16, the seed's `"2016-09-21"`), assigned to the SMS's user (D32);
 * a sent outbound message completes the open `incoming_sms` tasks of its number (D30).
 * @throws CloseError 400 with field errors.
 */
export async function createSms(ctx: RequestContext, body: SmsWriteBody, sendToInbox: boolean): Promise<Record<string, unknown>> {
  const errors = new FieldErrors();
  if (!body.status) errors.add('status', FIELD_TEXT.required);
  const status = body.status ?? 'draft';
  const remote = await readBodyPhone(body.remote_phone, 'remote_phone', errors);
  const local = await readBodyPhone(body.local_phone, 'local_phone', errors);
  const dateCreated = readInstant(body.date_created, 'date_created', errors);
  const activityAt = readInstant(body.activity_at, 'activity_at', errors);
  return writeTransaction(ctx.db, async (trx) => {
    const refs = await resolveActivityRefs(trx, ctx, body, errors);
    errors.throwIfAny();
    const { leadId, contactId } = await refsOfNumber(trx, ctx.organizationId, refs, remote?.e164 ?? null);
    const now = ctx.now();
    const created = dateCreated ?? now;
    const at = activityAt ?? created;
    const direction = body.direction ?? (status === 'inbox' ? 'inbound' : 'outbound');
    const data: SmsData = {
      attachments: attachmentsOf(body.attachments),
      cost: null,
      date_sent: direction === 'outbound' && status === 'sent' ? isoformat(at) : null,
      direction,
      error_message: null,
      local_country_iso: local?.country ?? null,
      local_phone: local?.e164 ?? null,
      local_phone_formatted: local?.formatted ?? null,
      remote_country_iso: remote?.country ?? null,
      remote_phone: remote?.e164 ?? null,
      remote_phone_formatted: remote?.formatted ?? null,
      source: 'External',
      status,
      template_id: null,
      text: body.text ?? '',
    };
    const row = newActivityRow(ctx, SMS_TYPE, {
      lead_id: leadId,
      contact_id: contactId,
      user_id: refs.user_id ?? ctx.userId,
      activity_at: at,
      date_created: created,
      data: data as unknown as Record<string, unknown>,
    });
    await insertActivity(trx, row);
    await runSmsRules(trx, ctx, null, smsFacts(ctx, row, data, remote ?? null), sendToInbox);
    return readBack(trx, ctx, row.id);
  });
}

async function findSmsOr404(ex: Executor, ctx: RequestContext, id: string): Promise<ActivityWithNames> {
  const row = await findActivity(ex, ctx.organizationId, SMS_TYPE, id);
  if (!row) throw CloseError.notFound(SMS_TYPE);
  return row;
}

/**
 * `PUT /activity/sms/{id}/`: a partial update (D2). A draft that is sent (`outbox`,
 * `sent`) completes the open `incoming_sms` tasks of its number then (D30).
 * @throws CloseError 404, or 400 with field errors.
 */
export async function updateSms(ctx: RequestContext, id: string, body: SmsWriteBody): Promise<Record<string, unknown>> {
  const errors = new FieldErrors();
  const remote = await readBodyPhone(body.remote_phone, 'remote_phone', errors);
  const local = await readBodyPhone(body.local_phone, 'local_phone', errors);
  const activityAt = readInstant(body.activity_at, 'activity_at', errors);
  return writeTransaction(ctx.db, async (trx) => {
    await lockRows(trx, 'activities', [id], ctx.organizationId);
    const row = await findSmsOr404(trx, ctx, id);
    const refs = await resolveActivityRefs(trx, ctx, body, errors);
    errors.throwIfAny();
    const data = JSON.parse(row.data) as SmsData;
    const beforeRemote = data.remote_phone ? await phoneDetails(data.remote_phone) : null;
    const before = smsFacts(ctx, row, data, beforeRemote);
    const next: SmsData = { ...data };
    if (body.status) next.status = body.status;
    if (body.direction) next.direction = body.direction;
    if (has(body, 'text')) next.text = body.text ?? '';
    if (has(body, 'attachments')) next.attachments = attachmentsOf(body.attachments);
    if (remote !== undefined) {
      next.remote_phone = remote?.e164 ?? null;
      next.remote_phone_formatted = remote?.formatted ?? null;
      next.remote_country_iso = remote?.country ?? null;
    }
    if (local !== undefined) {
      next.local_phone = local?.e164 ?? null;
      next.local_phone_formatted = local?.formatted ?? null;
      next.local_country_iso = local?.country ?? null;
    }
    if (isSentSms(next) && next.status === 'sent' && !next.date_sent) next.date_sent = isoformat(ctx.now());
    const patch: Partial<ActivityRow> = { data: JSON.stringify(next), updated_by: ctx.userId, date_updated: ctx.now() };
    if (refs.lead_id !== undefined) patch.lead_id = refs.lead_id;
    if (refs.contact_id !== undefined) patch.contact_id = refs.contact_id;
    if (refs.user_id !== undefined) patch.user_id = refs.user_id;
    if (activityAt !== undefined) patch.activity_at = activityAt;
    await updateActivity(trx, id, patch);
    await runSmsRules(trx, ctx, before, smsFacts(ctx, { ...row, ...patch }, next, remote !== undefined ? remote : beforeRemote), false);
    return readBack(trx, ctx, id);
  });
}

/** `DELETE /activity/sms/{id}/`: answers `{}`; the task the message made goes with it. @throws CloseError 404. */
export async function deleteSms(ctx: RequestContext, id: string): Promise<Record<string, never>> {
  await writeTransaction(ctx.db, async (trx) => {
    await lockRows(trx, 'activities', [id], ctx.organizationId);
    await findSmsOr404(trx, ctx, id);
    await deleteTasksOfObject(trx, ctx, id);
    await deleteActivityRow(trx, id);
  });
  return {};
}
