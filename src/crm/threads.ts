/**
 * Email threads (`/activity/emailthread/`; close-openapi.yml `EmailThread`): how emails
 * group into threads, a thread's JSON with its emails, and what the email rules need
 * to know about a thread (its open `incoming_email` and `email_followup` tasks, its
 * latest inbound email). Threads are `EmailThread` rows of `activities`; an email's
 * `thread_id` names its thread.
 */
import type { RequestContext } from '../context.js';
import type { Executor } from '../db/executor.js';
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
import { activityCommonJson } from '../close/activity.js';
import { sortKeys } from '../close/json.js';
import type { EmailWriteBody } from '../schemas/activity.js';
import { isInboundEmail, type ThreadState } from '../tasks/generated/emails.js';
import { threadKey } from '../tasks/generated/rules.js';
import { deleteGeneratedTasks, knownTasksOfObject, openKnownTasks } from '../tasks/effects.js';
import { newActivityRow, type ActivitySerializer } from './activities.js';

export const EMAIL_TYPE = 'Email';
export const THREAD_TYPE = 'EmailThread';

/** An email's own wire fields, as stored in `activities.data`. */
export interface EmailData {
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

/** A subject without `Re:`/`Fwd:`-style prefixes, whitespace folded: how threads group (`Re: Metrics` -> `Metrics`). */
export function normalizeSubject(subject: string | null | undefined): string {
  let s = (subject ?? '').replace(/\s+/g, ' ').trim();
  for (;;) {
    const next = s.replace(/^(re|fw|fwd|aw|sv|wg)\s*(\[\d+\])?\s*:\s*/i, '');
    if (next === s) return s;
    s = next;
  }
}

/** Close's JSON for an email: common activity fields plus the email's own. */
export function emailJson(r: ActivityWithNames): Record<string, unknown> {
  return sortKeys({ ...activityCommonJson(r), ...JSON.parse(r.data) });
}

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

/**
 * What the thread rules need to know about `threadId`, seen from the email `emailId`.
 * The thread's other emails are scanned only when `needLatestInbound` (a sent email
 * asking for a follow-up must know whether the contact already replied, D29).
 */
export async function threadState(ex: Executor, ctx: RequestContext, threadId: string, emailId: string, needLatestInbound: boolean): Promise<ThreadState> {
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

/** Points a thread at its latest email (time, normalized subject), or deletes it with its tasks when it has none left. */
export async function refreshThread(ex: Executor, ctx: RequestContext, threadId: string): Promise<void> {
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
export async function namedThread(ex: Executor, ctx: RequestContext, body: EmailWriteBody): Promise<ActivityWithNames | null> {
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
export async function threadBySubject(ex: Executor, ctx: RequestContext, leadId: string, contactId: string | null, userId: string, at: number, subject: string): Promise<string> {
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

