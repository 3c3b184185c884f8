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
import type { Executor } from '../db/tasks.repo.js';
import {
  deleteActivityRow,
  emailsOfThreads,
  findActivity,
  insertActivity,
  latestEmailOfThread,
  threadsOfLead,
  updateActivity,
  type ActivityWithNames,
} from '../db/activities.repo.js';
import { CloseError, FIELD_TEXT } from '../close/errors.js';
import { FieldErrors } from '../close/params.js';
import { formatCloseDate, isoformat, parseCloseDate, type CloseDate } from '../close/dates.js';
import { activityCommonJson, newActivityRow, readInstant, resolveActivityRefs, sortKeys, type ActivityRefsInput, type ActivitySerializer } from './activities.js';
import { emailAddressOf, findContactByEmail } from './channels.js';
import { findMember } from './accounts.js';
import {
  bodyPreview,
  emailDeletedEffects,
  emailEffects,
  isInboundEmail,
  isSentEmail,
  threadKey,
  type EmailFacts,
  type ThreadState,
} from '../tasks/generated.js';
import { applyTaskEffects, deleteGeneratedTasks, knownTasksOfObject, openKnownTasks } from '../tasks/service.js';

export const EMAIL_TYPE = 'Email';
export const THREAD_TYPE = 'EmailThread';

/** Email statuses whose `sender` Close requires. */
const SENDER_REQUIRED: ReadonlySet<string> = new Set(['inbox', 'scheduled', 'outbox', 'error']);

/** An email body as the API accepts it (route schema `EmailWriteSchema`; unknown keys ignored). */
export interface EmailInput {
  status?: string | null;
  direction?: 'incoming' | 'outgoing' | null;
  subject?: string | null;
  body_text?: string | null;
  body_html?: string | null;
  sender?: string | null;
  to?: string[] | null;
  cc?: string[] | null;
  bcc?: string[] | null;
  thread_id?: string | null;
  in_reply_to_id?: string | null;
  followup_date?: string | null;
  lead_id?: string | null;
  contact_id?: string | null;
  user_id?: string | null;
  date_created?: string | null;
  activity_at?: string | null;
  date_sent?: string | null;
}

/** An email's own wire fields, as stored in `activities.data`. */
interface EmailData {
  attachments: unknown[];
  bcc: string[];
  body_html: string;
  body_preview: string;
  body_text: string;
  cc: string[];
  date_sent: string | null;
  direction: 'incoming' | 'outgoing';
  followup_date: string | null;
  in_reply_to_id: string | null;
  sender: string | null;
  status: string;
  subject: string;
  template_id: string | null;
  thread_id: string;
  to: string[];
}

/** A thread's own fields, as stored in `activities.data`. */
interface ThreadData {
  subject: string;
  latest_normalized_subject: string;
}

const has = (o: object, k: string) => Object.prototype.hasOwnProperty.call(o, k);

/** A subject without `Re:`/`Fwd:`-style prefixes, whitespace folded: how threads group (`Re: Metrics` -> `Metrics`). */
export function normalizeSubject(subject: string | null | undefined): string {
  let s = (subject ?? '').replace(/\s+/g, ' ').trim();
  for (;;) {
    const next = s.replace(/^(re|fw|fwd|aw|sv|wg)\s*(\[\d+\])?\s*:\s*/i, '');
    if (next === s) return s;
    s = next;
  }
}

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

function emailJson(r: ActivityWithNames): Record<string, unknown> {
  return sortKeys({ ...activityCommonJson(r), ...JSON.parse(r.data) });
}

/** Close's JSON for emails: common activity fields plus the email's own. */
export const serializeEmails: ActivitySerializer = async (_ex, _ctx, rows) => rows.map(emailJson);

/**
 * Close's JSON for email threads: common activity fields plus `subject` (of the first
 * email), `latest_normalized_subject`, `n_emails` and `emails` (the thread's emails,
 * oldest first).
 */
export const serializeThreads: ActivitySerializer = async (ex, ctx, rows) => {
  const emails = await emailsOfThreads(ex, ctx.organizationId, rows.map((r) => r.id));
  return rows.map((r) => {
    const own = emails.filter((e) => e.thread_id === r.id).map(emailJson);
    return sortKeys({ ...activityCommonJson(r), ...JSON.parse(r.data), emails: own, n_emails: own.length });
  });
};

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

/**
 * What the thread rules need to know about `threadId`, seen from the email `emailId`.
 * The thread's other emails are scanned only when `needLatestInbound` (a sent email
 * asking for a follow-up must know whether the contact already replied, D29).
 */
async function threadState(ex: Executor, ctx: RequestContext, threadId: string, emailId: string, needLatestInbound: boolean): Promise<ThreadState> {
  const key = threadKey(threadId);
  const [incoming] = await openKnownTasks(ex, ctx, key, ['incoming_email']);
  const [followup] = await openKnownTasks(ex, ctx, key, ['email_followup']);
  let latestInboundAt: number | null = null;
  if (needLatestInbound) {
    for (const e of await emailsOfThreads(ex, ctx.organizationId, [threadId])) {
      if (e.id === emailId) continue;
      const d = JSON.parse(e.data) as EmailData;
      if (isInboundEmail(d)) latestInboundAt = Math.max(latestInboundAt ?? -Infinity, Number(e.activity_at));
    }
  }
  let openFollowup: ThreadState['openFollowup'] = null;
  if (followup) {
    const followed = typeof followup.fields.email_id === 'string' ? await findActivity(ex, ctx.organizationId, EMAIL_TYPE, followup.fields.email_id) : undefined;
    openFollowup = { ...followup, emailAt: followed ? Number(followed.activity_at) : -Infinity };
  }
  return { openIncoming: incoming ?? null, openFollowup, latestInboundAt };
}

/** Whether the rules need the thread's latest inbound email for this write: only follow-up decisions do. */
function followupInPlay(before: EmailFacts | null, after: EmailFacts): boolean {
  return (isSentEmail(after) && after.followup_date !== null) || (before !== null && isSentEmail(before) && before.followup_date !== null);
}

/** Points a thread at its latest email (time, normalized subject), or deletes it with its tasks when it has none left. */
async function refreshThread(ex: Executor, ctx: RequestContext, threadId: string): Promise<void> {
  const latest = await latestEmailOfThread(ex, ctx.organizationId, threadId);
  if (!latest) {
    const tasks = await knownTasksOfObject(ex, ctx, threadId);
    await deleteGeneratedTasks(ex, ctx, tasks.map((t) => t.id));
    await deleteActivityRow(ex, threadId);
    return;
  }
  const thread = await findActivity(ex, ctx.organizationId, THREAD_TYPE, threadId);
  if (!thread) return;
  const data = JSON.parse(thread.data) as ThreadData;
  const latestData = JSON.parse(latest.data) as EmailData;
  await updateActivity(ex, threadId, {
    data: JSON.stringify({ ...data, latest_normalized_subject: normalizeSubject(latestData.subject) }),
    activity_at: Number(latest.activity_at),
    date_updated: ctx.now(),
  });
}

/**
 * The existing thread an email names through `thread_id` or `in_reply_to_id`, or null
 * when it names none.
 * @throws CloseError 400 for a thread or email the organization does not have.
 */
async function namedThread(ex: Executor, ctx: RequestContext, body: EmailInput): Promise<ActivityWithNames | null> {
  if (body.thread_id) {
    const t = await findActivity(ex, ctx.organizationId, THREAD_TYPE, body.thread_id);
    if (!t) throw CloseError.field('thread', FIELD_TEXT.doesNotExist);
    return t;
  }
  if (body.in_reply_to_id) {
    const e = await findActivity(ex, ctx.organizationId, EMAIL_TYPE, body.in_reply_to_id);
    const t = e?.thread_id ? await findActivity(ex, ctx.organizationId, THREAD_TYPE, e.thread_id) : undefined;
    if (!t) throw CloseError.field('in_reply_to', FIELD_TEXT.doesNotExist);
    return t;
  }
  return null;
}

/** The thread of `leadId` with the same subject once prefixes are removed, or a new thread (see the module note). */
async function threadBySubject(ex: Executor, ctx: RequestContext, leadId: string, contactId: string | null, userId: string, at: number, subject: string): Promise<string> {
  const normalized = normalizeSubject(subject).toLowerCase();
  if (normalized) {
    for (const t of await threadsOfLead(ex, ctx.organizationId, leadId)) {
      const d = JSON.parse(t.data) as ThreadData;
      if (normalizeSubject(d.subject).toLowerCase() === normalized) return t.id;
    }
  }
  const thread = newActivityRow(ctx, THREAD_TYPE, {
    lead_id: leadId,
    contact_id: contactId,
    user_id: userId,
    activity_at: at,
    date_created: ctx.now(),
    data: { subject, latest_normalized_subject: normalizeSubject(subject) } satisfies ThreadData,
  });
  await insertActivity(ex, thread);
  return thread.id;
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
export async function createEmail(ctx: RequestContext, body: EmailInput): Promise<Record<string, unknown>> {
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
  return ctx.db.kysely.transaction().execute(async (trx) => {
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
export async function updateEmail(ctx: RequestContext, id: string, body: EmailInput): Promise<Record<string, unknown>> {
  const errors = new FieldErrors();
  const followup = readFollowup(body.followup_date, errors);
  const activityAt = readInstant(body.activity_at, 'activity_at', errors);
  if (body.sender && !emailAddressOf(body.sender)) errors.add('sender', 'Enter a valid email address.');
  return ctx.db.kysely.transaction().execute(async (trx) => {
    const row = await findEmailOr404(trx, ctx, id);
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
  await ctx.db.kysely.transaction().execute(async (trx) => {
    const row = await findEmailOr404(trx, ctx, id);
    const data = JSON.parse(row.data) as EmailData;
    const key = threadKey(data.thread_id);
    const [incoming] = await openKnownTasks(trx, ctx, key, ['incoming_email']);
    const followups = (await knownTasksOfObject(trx, ctx, data.thread_id)).filter((t) => t.type === 'email_followup' && t.fields.email_id === id);
    await applyTaskEffects(trx, ctx, emailDeletedEffects(id, incoming ?? null, followups));
    await deleteActivityRow(trx, id);
    await refreshThread(trx, ctx, data.thread_id);
  });
  return {};
}
