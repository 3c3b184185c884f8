/** The rules of the tasks emails make and complete (D29, D30, D32): pure, see `rules.ts`. */
import type { CloseDate } from '../../close/dates.js';
import { sameDate, threadKey, type KnownTask, type TaskEffect } from './rules.js';

/** Statuses of an outgoing message the user has sent or committed to send. */
const SENT_STATUSES: ReadonlySet<string> = new Set(['scheduled', 'outbox', 'sent']);

/** The facts of an email the rules read. */
export interface EmailFacts {
  id: string;
  thread_id: string;
  direction: 'incoming' | 'outgoing';
  status: string;
  subject: string;
  body_preview: string;
  /** When to follow up if no reply arrived (outgoing emails only), or null. */
  followup_date: CloseDate | null;
  lead_id: string | null;
  contact_id: string | null;
  user_id: string;
  /** When it was sent or received (ms). */
  at: number;
}

/** An inbound email waiting to be read: `incoming` and in the inbox. */
export function isInboundEmail(e: Pick<EmailFacts, 'direction' | 'status'>): boolean {
  return e.direction === 'incoming' && e.status === 'inbox';
}

/** An outgoing email that is sent or committed to send (`scheduled`, `outbox`, `sent`). */
export function isSentEmail(e: Pick<EmailFacts, 'direction' | 'status'>): boolean {
  return e.direction === 'outgoing' && SENT_STATUSES.has(e.status);
}

/** The thread state an email write may touch, read by the caller. */
export interface ThreadState {
  /** The thread's open `incoming_email` task (one per thread, D29). */
  openIncoming: KnownTask | null;
  /** The thread's open `email_followup` task and when its email was sent. */
  openFollowup: (KnownTask & { emailAt: number }) | null;
  /** When the latest inbound email of the thread, other than this one, arrived; null when none. */
  latestInboundAt: number | null;
}

function emailTaskBase(e: EmailFacts) {
  return {
    assigned_to: e.user_id,
    lead_id: e.lead_id,
    contact_id: e.contact_id,
    object_type: 'emailthread' as const,
    object_id: e.thread_id,
    match_key: threadKey(e.thread_id),
    text: null,
    created_by: null,
  };
}

/** The follow-up an outgoing email asks for, unless the contact already replied after it (D29). */
function wantedFollowup(e: EmailFacts, state: ThreadState): CloseDate | null {
  if (!isSentEmail(e) || !e.followup_date) return null;
  if (state.latestInboundAt !== null && state.latestInboundAt >= e.at) return null;
  return e.followup_date;
}

/**
 * Effects of writing an email (`before` null on create):
 * - an inbound email makes the thread's `incoming_email` task, or extends the open one
 *   (its `emails` list grows; subject and preview become the newest email's; the date
 *   stays that of the first unread email) (D29); it also cancels (completes, by
 *   nobody) the thread's open `email_followup`, when it came after the followed-up
 *   email (D30);
 * - a sent email completes the thread's open `incoming_email` (by its user), when it
 *   is not older than the first unread email (D30);
 * - a sent email with a `followup_date` makes an `email_followup` dated that day,
 *   unless the contact replied after it (D29). A thread has one open follow-up: a
 *   later email with a follow-up moves it (new date, `email_id`, subject, preview).
 *   Removing the email's `followup_date` (or taking it back to draft) deletes its open
 *   follow-up, which was never due.
 */
export function emailEffects(before: EmailFacts | null, after: EmailFacts, state: ThreadState): TaskEffect[] {
  const effects: TaskEffect[] = [];
  if (isInboundEmail(after) && !(before && isInboundEmail(before))) {
    const open = state.openIncoming;
    if (open) {
      const emails = Array.isArray(open.fields.emails) ? (open.fields.emails as string[]) : [];
      if (!emails.includes(after.id)) {
        effects.push({
          kind: 'update',
          id: open.id,
          patch: { fields: { emails: [...emails, after.id], subject: after.subject, body_preview: after.body_preview } },
          by: null,
        });
      }
    } else {
      effects.push({
        kind: 'insert',
        draft: {
          ...emailTaskBase(after),
          type: 'incoming_email',
          date: { kind: 'datetime', ms: after.at },
          fields: { body_preview: after.body_preview, emails: [after.id], subject: after.subject },
        },
      });
    }
    const f = state.openFollowup;
    if (f && after.at >= f.emailAt) effects.push({ kind: 'complete', ids: [f.id], by: null });
  }

  if (isSentEmail(after) && !(before && isSentEmail(before))) {
    const open = state.openIncoming;
    if (open && open.date.kind === 'datetime' && after.at >= open.date.ms) {
      effects.push({ kind: 'complete', ids: [open.id], by: after.user_id });
    }
  }

  const wanted = wantedFollowup(after, state);
  const had = before ? wantedFollowup(before, state) : null;
  const f = state.openFollowup;
  const ownFollowup = f !== null && f.fields.email_id === after.id;
  if (wanted) {
    const fields = { body_preview: after.body_preview, email_id: after.id, subject: after.subject };
    if (f) {
      const changed = !sameDate(f.date, wanted) || f.fields.subject !== fields.subject || f.fields.body_preview !== fields.body_preview;
      // Its own follow-up follows the email; another email's is taken over only by a newer email.
      const takeOver = ownFollowup ? changed : !had && after.at >= f.emailAt;
      if (takeOver) effects.push({ kind: 'update', id: f.id, patch: { date: wanted, fields, assigned_to: after.user_id }, by: null });
    } else if (!had || !sameDate(had, wanted)) {
      effects.push({ kind: 'insert', draft: { ...emailTaskBase(after), type: 'email_followup', date: wanted, fields } });
    }
  } else if (ownFollowup && had) {
    effects.push({ kind: 'delete', ids: [f!.id] });
  }
  return effects;
}


/**
 * Effects of deleting an email: it leaves the open `incoming_email` of its thread (the
 * task goes when no email is left), and the follow-ups it asked for are deleted.
 * @param followupsOfEmail every `email_followup` (open or complete) whose `email_id` is this email
 */
export function emailDeletedEffects(emailId: string, openIncoming: KnownTask | null, followupsOfEmail: KnownTask[]): TaskEffect[] {
  const effects: TaskEffect[] = [];
  if (openIncoming) {
    const emails = Array.isArray(openIncoming.fields.emails) ? (openIncoming.fields.emails as string[]) : [];
    if (emails.includes(emailId)) {
      const rest = emails.filter((id) => id !== emailId);
      if (rest.length) effects.push({ kind: 'update', id: openIncoming.id, patch: { fields: { emails: rest } }, by: null });
      else effects.push({ kind: 'delete', ids: [openIncoming.id] });
    }
  }
  if (followupsOfEmail.length) effects.push({ kind: 'delete', ids: followupsOfEmail.map((t) => t.id) });
  return effects;
}
