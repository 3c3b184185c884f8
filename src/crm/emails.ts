/**
 * Email activities and email threads: `/activity/email/` and `/activity/emailthread/`
 * (close-openapi.yml `CreateEmailActivity`, `UpdateEmailActivity`, `EmailActivity`;
 * issue 3), and the tasks emails make and complete (D29, D30, D32; rules in
 * `tasks/generated.ts`).
 *
 * Body fields: `status` (`inbox`, `draft`, `scheduled`, `outbox`, `sent`, `error`;
 * required), `direction` (`incoming`/`outgoing`; default `incoming` for `inbox`,
 * else `outgoing`), `subject`, `body_text`, `body_html`, `sender` (required for
 * `inbox`, `scheduled`, `outbox`, `error`, as Close requires; `"Name" <addr>` works),
 * `to`, `cc`, `bcc`, `thread_id`, `in_reply_to_id`, `followup_date` (date or date-time;
 * outgoing emails), `lead_id`, `contact_id`, `user_id` (default: the caller; the
 * mailbox owner, D32), `date_created`, `activity_at`, `date_sent`.
 *
 * Threads: an email joins the thread named by `thread_id`, else the thread of the
 * email it replies to (`in_reply_to_id`), else the thread of its lead with the same
 * subject once `Re:`/`Fwd:` prefixes are removed (Close groups "generally by
 * subject"), else a new thread. `lead_id` may be left out when the sender (incoming)
 * or a recipient (outgoing) is a contact's address; that contact's lead is used.
 */
import type { RequestContext } from '../context.js';
import type { ActivityRow } from '../db/schema.js';
import { lockRows, writeTransaction, type Executor } from '../db/executor.js';
import { deleteActivityRow, findActivity, insertActivity, updateActivity, type ActivityWithNames } from '../db/activities.repo.js';
import { findMember } from '../db/accounts.repo.js';
import { CloseError, FIELD_TEXT } from '../close/errors.js';
import { FieldErrors } from '../close/params.js';
import { formatCloseDate, isoformat, parseCloseDate, type CloseDate } from '../close/dates.js';
import type { EmailWriteBody } from '../schemas/activity.js';
import { emailDeletedEffects, emailEffects, isSentEmail, type EmailFacts } from '../tasks/generated/emails.js';
import { bodyPreview, threadKey } from '../tasks/generated/rules.js';
import { applyTaskEffects, knownTasksOfObject, openKnownTasks } from '../tasks/effects.js';
import { newActivityRow, readInstant, resolveActivityRefs, type ActivityRefsInput, type ActivitySerializer } from './activities.js';
import { emailAddressOf, findContactByEmail } from './channels.js';
import { EMAIL_TYPE, emailJson, namedThread, refreshThread, threadBySubject, threadState, type EmailData } from './threads.js';

export { EMAIL_TYPE };

/** Email statuses whose `sender` Close requires. */
const SENDER_REQUIRED: ReadonlySet<string> = new Set(['inbox', 'scheduled', 'outbox', 'error']);

const has = (o: object, k: string) => Object.prototype.hasOwnProperty.call(o, k);

/** Plain text of an HTML body, for the preview when no `body_text` is given: tags dropped, common entities decoded. */
function textOfHtml(html: string): string {
  return html
    .replace(/<(script|style)[^>]*>[\s\S]*?<\/\1>/gi, ' ')
    .replace(/<br\s*\/?>|<\/p>|<\/div>/gi, '\n')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&nbsp;/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&');
}

function previewOf(data: Pick<EmailData, 'body_text' | 'body_html'>): string {
  return bodyPreview(data.body_text || (data.body_html ? textOfHtml(data.body_html) : ''));
}

/** Close's JSON for emails: common activity fields plus the email's own. */
export const serializeEmails: ActivitySerializer = async (_ex, _ctx, rows) => rows.map(emailJson);

function emailFacts(row: Pick<ActivityRow, 'id' | 'lead_id' | 'contact_id' | 'user_id' | 'activity_at'>, data: EmailData, fallbackUser: string): EmailFacts {
  const followup = data.followup_date ? parseCloseDate(data.followup_date) : null;
  return {
    id: row.id,
    thread_id: data.thread_id,
    direction: data.direction,
    status: data.status,
    subject: data.subject,
    body_preview: data.body_preview,
    followup_date: followup,
    lead_id: row.lead_id,
    contact_id: row.contact_id,
    user_id: row.user_id ?? fallbackUser,
    at: Number(row.activity_at),
  };
}

/** Whether the rules need the thread's latest inbound email for this write: only follow-up decisions do. */
function followupInPlay(before: EmailFacts | null, after: EmailFacts): boolean {
  return (isSentEmail(after) && after.followup_date !== null) || (before !== null && isSentEmail(before) && before.followup_date !== null);
}

function readFollowup(value: string | null | undefined, errors: FieldErrors): CloseDate | null | undefined {
  if (value === undefined) return undefined;
  if (value === null || value === '') return null;
  const d = parseCloseDate(value);
  if (!d) errors.add('followup_date', `${FIELD_TEXT.invalidDate} Use YYYY-MM-DD or an ISO 8601 date-time (got "${value}").`);
  return d;
}

async function readBack(ex: Executor, ctx: RequestContext, id: string): Promise<Record<string, unknown>> {
  const row = (await findActivity(ex, ctx.organizationId, EMAIL_TYPE, id)) as ActivityWithNames;
  return emailJson(row);
}

/**
 * `POST /activity/email/`: logs an email into its thread and runs the email rules
 * (D29, D30): an inbound email makes or extends the thread's `incoming_email` task and
 * cancels its open follow-up; a sent email completes the thread's `incoming_email`;
 * a sent email with `followup_date` makes an `email_followup` dated that day. One
 * transaction.
 * @throws CloseError 400 with field errors (missing status, sender or lead; bad dates,
 *   references, thread).
 */
export async function createEmail(ctx: RequestContext, body: EmailWriteBody): Promise<Record<string, unknown>> {
  const errors = new FieldErrors();
  if (!body.status) errors.add('status', FIELD_TEXT.required);
  const status = body.status ?? 'draft';
  const direction = body.direction ?? (status === 'inbox' ? 'incoming' : 'outgoing');
  if (SENDER_REQUIRED.has(status) && !body.sender) errors.add('sender', FIELD_TEXT.required);
  if (body.sender && !emailAddressOf(body.sender)) errors.add('sender', 'Enter a valid email address.');
  const followup = readFollowup(body.followup_date, errors);
  const dateCreated = readInstant(body.date_created, 'date_created', errors);
  const activityAt = readInstant(body.activity_at, 'activity_at', errors);
  const dateSent = readInstant(body.date_sent, 'date_sent', errors);
  return writeTransaction(ctx.db, async (trx) => {
    const refs = await resolveActivityRefs(trx, ctx, body, errors);
    errors.throwIfAny();
    const named = await namedThread(trx, ctx, body);
    if (named && refs.lead_id && named.lead_id !== refs.lead_id) throw CloseError.field('thread', 'The thread belongs to another lead.');
    let leadId = refs.lead_id ?? named?.lead_id ?? null;
    let contactId = refs.contact_id ?? null;
    if (!contactId) {
      const addresses = direction === 'incoming' ? [body.sender] : [...(body.to ?? []), ...(body.cc ?? [])];
      for (const a of addresses) {
        const found = a ? await findContactByEmail(trx, ctx.organizationId, a, leadId) : null;
        if (found && (!leadId || found.lead_id === leadId)) {
          leadId = found.lead_id;
          contactId = found.contact_id;
          break;
        }
      }
    }
    if (!leadId) throw CloseError.field('lead', FIELD_TEXT.required);
    const userId = refs.user_id ?? ctx.userId;
    const now = ctx.now();
    const created = dateCreated ?? now;
    const at = activityAt ?? dateSent ?? created;
    const subject = body.subject ?? '';
    const threadId = named?.id ?? (await threadBySubject(trx, ctx, leadId, contactId, userId, at, subject));
    // Issue 4: the thread is locked before its tasks are read, so two emails arriving at
    // once on one thread make one incoming_email task, not two.
    await lockRows(trx, 'activities', [threadId], ctx.organizationId);
    let sender = body.sender ?? null;
    if (!sender && direction === 'outgoing') sender = (await findMember(trx, ctx.organizationId, userId))?.email ?? null;
    const data: EmailData = {
      attachments: [],
      bcc: body.bcc ?? [],
      body_html: body.body_html ?? '',
      body_preview: '',
      body_text: body.body_text ?? '',
      cc: body.cc ?? [],
      date_sent: direction === 'outgoing' && status === 'sent' ? isoformat(dateSent ?? at) : null,
      direction,
      followup_date: followup ? formatCloseDate(followup) : null,
      in_reply_to_id: body.in_reply_to_id ?? null,
      sender,
      status,
      subject,
      template_id: null,
      thread_id: threadId,
      to: body.to ?? [],
    };
    data.body_preview = previewOf(data);
    const row = newActivityRow(ctx, EMAIL_TYPE, {
      lead_id: leadId,
      contact_id: contactId,
      user_id: userId,
      activity_at: at,
      date_created: created,
      data: data as unknown as Record<string, unknown>,
      thread_id: threadId,
    });
    await insertActivity(trx, row);
    await refreshThread(trx, ctx, threadId);
    const facts = emailFacts(row, data, ctx.userId);
    const state = await threadState(trx, ctx, threadId, row.id, followupInPlay(null, facts));
    await applyTaskEffects(trx, ctx, emailEffects(null, facts, state));
    return readBack(trx, ctx, row.id);
  });
}

async function findEmailOr404(ex: Executor, ctx: RequestContext, id: string): Promise<ActivityWithNames> {
  const row = await findActivity(ex, ctx.organizationId, EMAIL_TYPE, id);
  if (!row) throw CloseError.notFound(EMAIL_TYPE);
  return row;
}

/**
 * `PUT /activity/email/{id}/`: a partial update (D2) of status, subject, bodies,
 * addresses, `followup_date`, `user_id`, `contact_id`, `activity_at`; the thread does
 * not change. The email rules run again: a draft that is sent acts as a new sent email;
 * a changed `followup_date` moves the follow-up, a removed one deletes it.
 * @throws CloseError 404, or 400 with field errors.
 */
export async function updateEmail(ctx: RequestContext, id: string, body: EmailWriteBody): Promise<Record<string, unknown>> {
  const errors = new FieldErrors();
  const followup = readFollowup(body.followup_date, errors);
  const activityAt = readInstant(body.activity_at, 'activity_at', errors);
  if (body.sender && !emailAddressOf(body.sender)) errors.add('sender', 'Enter a valid email address.');
  return writeTransaction(ctx.db, async (trx) => {
    await lockRows(trx, 'activities', [id], ctx.organizationId);
    const row = await findEmailOr404(trx, ctx, id);
    await lockRows(trx, 'activities', [JSON.parse(row.data).thread_id], ctx.organizationId);
    // The lead of an email is its thread's; only the contact and the user may change.
    const refInput: ActivityRefsInput = {};
    if (has(body, 'contact_id')) refInput.contact_id = body.contact_id;
    if (has(body, 'user_id')) refInput.user_id = body.user_id;
    const refs = await resolveActivityRefs(trx, ctx, refInput, errors);
    if (refs.contact_id && refs.lead_id !== row.lead_id) errors.add('contact', 'The contact does not belong to this lead.');
    errors.throwIfAny();
    const data = JSON.parse(row.data) as EmailData;
    const before = emailFacts(row, data, ctx.userId);
    const next: EmailData = { ...data };
    if (body.status) next.status = body.status;
    if (body.direction) next.direction = body.direction;
    for (const k of ['subject', 'body_text', 'body_html'] as const) if (has(body, k)) next[k] = body[k] ?? '';
    for (const k of ['to', 'cc', 'bcc'] as const) if (has(body, k)) next[k] = body[k] ?? [];
    if (has(body, 'sender')) next.sender = body.sender ?? null;
    if (followup !== undefined) next.followup_date = followup ? formatCloseDate(followup) : null;
    next.body_preview = previewOf(next);
    if (next.direction === 'outgoing' && next.status === 'sent' && !next.date_sent) next.date_sent = isoformat(activityAt ?? Number(row.activity_at));
    const patch: Partial<ActivityRow> = { data: JSON.stringify(next), updated_by: ctx.userId, date_updated: ctx.now() };
    if (refs.contact_id !== undefined) patch.contact_id = refs.contact_id;
    if (refs.user_id !== undefined) patch.user_id = refs.user_id;
    if (activityAt !== undefined) patch.activity_at = activityAt;
    await updateActivity(trx, id, patch);
    await refreshThread(trx, ctx, data.thread_id);
    const after = emailFacts({ ...row, ...patch }, next, ctx.userId);
    const state = await threadState(trx, ctx, data.thread_id, id, followupInPlay(before, after));
    await applyTaskEffects(trx, ctx, emailEffects(before, after, state));
    return readBack(trx, ctx, id);
  });
}

/**
 * `DELETE /activity/email/{id}/`: answers `{}`. The email leaves its thread's open
 * `incoming_email` (the task goes when no email is left), its follow-ups are deleted,
 * and a thread left without emails is deleted with its tasks.
 * @throws CloseError 404.
 */
export async function deleteEmail(ctx: RequestContext, id: string): Promise<Record<string, never>> {
  await writeTransaction(ctx.db, async (trx) => {
    await lockRows(trx, 'activities', [id], ctx.organizationId);
    const row = await findEmailOr404(trx, ctx, id);
    const data = JSON.parse(row.data) as EmailData;
    await lockRows(trx, 'activities', [data.thread_id], ctx.organizationId);
    const key = threadKey(data.thread_id);
    const [incoming] = await openKnownTasks(trx, ctx, key, ['incoming_email']);
    const followups = (await knownTasksOfObject(trx, ctx, data.thread_id)).filter((t) => t.type === 'email_followup' && t.fields.email_id === id);
    await applyTaskEffects(trx, ctx, emailDeletedEffects(id, incoming ?? null, followups));
    await deleteActivityRow(trx, id);
    await refreshThread(trx, ctx, data.thread_id);
  });
  return {};
}
