/**
 * The rules of generated tasks (decisions D29, D30, D32; reference §10.2, §11): which
 * event makes which task with which fields, and which event completes, moves or
 * removes which tasks.
 *
 * Pure: every function takes the facts (the activity or opportunity as it was and as
 * it is now, plus the tasks it may touch, already read) and returns `TaskEffect`s.
 * `tasks/service.ts` (`applyTaskEffects`) carries them out inside the caller's
 * transaction. No HTTP, no SQL, no clock: instants come in as arguments.
 *
 * Who is named on a task:
 * - `created_by`/`updated_by` stay null on tasks the system makes from
 *   communications (the seed example), except `opportunity_due`, which mirrors an
 *   object a user wrote: its `created_by` is the user whose write made it due and its
 *   `updated_by` the user of the last write that changed it (the seed shows both).
 * - A task completed by a user's own work (calling back, replying, texting back,
 *   attaching a number, closing an opportunity) gets that user as `updated_by`; a task
 *   cancelled because the contact answered gets null.
 */
import { dateOnlyFromMs, MS_PER_DAY, type CloseDate } from '../close/dates.js';
import type { PhoneDetails } from '../crm/phones.js';
import type { TaskType } from './types.js';

/** The seven task types the system makes (D29). */
export type GeneratedType = Exclude<TaskType, 'lead' | 'outgoing_call'>;

/** A generated task to insert (`insertGeneratedTask`). */
export interface GeneratedTaskDraft {
  type: GeneratedType;
  /** D32: the activity's `user_id`; the opportunity's `user_id` for `opportunity_due`. */
  assigned_to: string;
  lead_id: string | null;
  contact_id: string | null;
  date: CloseDate;
  object_type: 'call' | 'emailthread' | 'sms' | 'opportunity';
  object_id: string;
  /** See `TaskRow.match_key`. */
  match_key: string | null;
  /** The type's own wire fields, exactly `extraFieldsOf(type)` (tasks/types.ts). */
  fields: Record<string, unknown>;
  /** `incoming_sms` only: the message (kept in the `text` column). */
  text: string | null;
  created_by: string | null;
}

/** An open (or, where said, any) generated task the rules may touch. */
export interface KnownTask {
  id: string;
  type: string;
  is_complete: boolean;
  date: CloseDate;
  assigned_to: string;
  lead_id: string | null;
  contact_id: string | null;
  /** The type's own wire fields as stored. */
  fields: Record<string, unknown>;
}

/** Changes to a generated task; absent keys stay. `fields` are merged into the stored ones. */
export interface TaskPatch {
  date?: CloseDate;
  assigned_to?: string;
  lead_id?: string | null;
  contact_id?: string | null;
  fields?: Record<string, unknown>;
  text?: string | null;
}

/** What a rule asks the service to do, in order. `by` becomes the task's `updated_by`. */
export type TaskEffect =
  | { kind: 'insert'; draft: GeneratedTaskDraft }
  | { kind: 'update'; id: string; patch: TaskPatch; by: string | null }
  | { kind: 'complete'; ids: string[]; by: string | null }
  | { kind: 'delete'; ids: string[] };

/** `match_key` of the tasks about a phone number (E.164). */
export const phoneKey = (e164: string): string => `phone:${e164}`;
/** `match_key` of the tasks about an email thread. */
export const threadKey = (threadId: string): string => `thread:${threadId}`;
/** `match_key` of the `opportunity_due` task of an opportunity. */
export const opportunityKey = (opportunityId: string): string => `opportunity:${opportunityId}`;

/**
 * The `match_key` of a task of `type` with wire `fields` and `objectId` (the importer
 * uses it so imported generated tasks complete like made ones). `phoneToE164`
 * normalizes the stored number. Null for types that never complete automatically.
 */
export function matchKeyOf(
  type: string,
  fields: Record<string, unknown>,
  objectId: string | null,
  phoneToE164: (text: string) => string | null,
): string | null {
  const phone = (v: unknown) => (typeof v === 'string' ? phoneToE164(v) : null);
  switch (type) {
    case 'missed_call':
    case 'voicemail':
    case 'answered_detached_call': {
      const e = phone(fields.phone);
      return e ? phoneKey(e) : null;
    }
    case 'incoming_sms': {
      const e = phone(fields.remote_phone);
      return e ? phoneKey(e) : null;
    }
    case 'incoming_email':
    case 'email_followup':
      return objectId ? threadKey(objectId) : null;
    case 'opportunity_due':
      return objectId ? opportunityKey(objectId) : null;
    default:
      return null;
  }
}

/** Characters of `body_preview` (issue 3): the first 150 characters of the body. */
export const BODY_PREVIEW_LENGTH = 150;

/**
 * `body_preview` of a message body: runs of whitespace (newlines included) folded to
 * one space, trimmed, then cut to the first `BODY_PREVIEW_LENGTH` characters (Unicode
 * code points, so no character is split); no ellipsis is added.
 */
export function bodyPreview(body: string | null | undefined): string {
  if (!body) return '';
  const folded = body.replace(/\s+/gu, ' ').trim();
  const chars = Array.from(folded);
  return chars.length <= BODY_PREVIEW_LENGTH ? folded : chars.slice(0, BODY_PREVIEW_LENGTH).join('');
}

// ---------------------------------------------------------------- calls

/** Close's call statuses (`CallStatus`, close-openapi.yml). */
export const CALL_STATUSES = ['created', 'in-progress', 'completed', 'cancel', 'no-answer', 'busy', 'failed', 'timeout'] as const;
export type CallStatus = (typeof CALL_STATUSES)[number];

/** Statuses of a call nobody picked up. */
const UNANSWERED_STATUSES: ReadonlySet<string> = new Set(['cancel', 'no-answer', 'busy', 'failed', 'timeout']);

/** What a call amounts to for tasks. */
export type CallOutcome = 'ongoing' | 'missed' | 'voicemail' | 'answered' | 'outbound';

/** The facts of a call the rules read. */
export interface CallFacts {
  id: string;
  direction: 'inbound' | 'outbound';
  status: string;
  /** Seconds; null when not given. */
  duration: number | null;
  voicemail_url: string | null;
  /** Seconds. */
  voicemail_duration: number | null;
  recording_url: string | null;
  /** The other party's number, or null when unknown or withheld. */
  phone: PhoneDetails | null;
  /** Our number, E.164. */
  local_phone: string | null;
  lead_id: string | null;
  contact_id: string | null;
  user_id: string;
  /** When the call happened (ms). */
  at: number;
}

/**
 * Classifies a call (D29):
 * - outbound calls are `outbound`;
 * - an inbound call with a voicemail (`voicemail_url`, or `voicemail_duration` > 0) is
 *   `voicemail`;
 * - `created`/`in-progress` is `ongoing` (no task until it ends);
 * - `cancel`, `no-answer`, `busy`, `failed`, `timeout`, or `completed` with
 *   `duration: 0` is `missed`;
 * - otherwise (`completed` with a duration, or none given) `answered`.
 */
export function classifyCall(c: Pick<CallFacts, 'direction' | 'status' | 'duration' | 'voicemail_url' | 'voicemail_duration'>): CallOutcome {
  if (c.direction === 'outbound') return 'outbound';
  if (c.voicemail_url || (c.voicemail_duration ?? 0) > 0) return 'voicemail';
  if (c.status === 'created' || c.status === 'in-progress') return 'ongoing';
  if (UNANSWERED_STATUSES.has(c.status) || c.duration === 0) return 'missed';
  return 'answered';
}

/** True when the call is the work a missed call or voicemail asks for (D30): any outbound call, or an answered inbound one. */
function callCompletesMissed(c: CallFacts): boolean {
  const o = classifyCall(c);
  return (o === 'outbound' || o === 'answered') && c.phone !== null;
}

/**
 * The task a call makes (D29), or null: `missed_call` for a missed inbound call,
 * `voicemail` when a voicemail was left, `answered_detached_call` for an answered
 * inbound call that belongs to no lead (its number is on no contact and none was
 * named). Dated when the call happened; fields as the seed example shows them.
 */
export function callTaskDraft(c: CallFacts): GeneratedTaskDraft | null {
  const outcome = classifyCall(c);
  const base = {
    assigned_to: c.user_id,
    lead_id: c.lead_id,
    contact_id: c.contact_id,
    date: { kind: 'datetime', ms: c.at } as CloseDate,
    object_type: 'call' as const,
    object_id: c.id,
    match_key: c.phone ? phoneKey(c.phone.e164) : null,
    text: null,
    created_by: null,
  };
  const phone = c.phone?.e164 ?? null;
  if (outcome === 'missed') {
    return {
      ...base,
      type: 'missed_call',
      fields: {
        local_phone: c.local_phone,
        phone,
        phone_formatted: c.phone?.formatted ?? null,
        phone_number_description: c.phone?.description ?? null,
      },
    };
  }
  if (outcome === 'voicemail') {
    return {
      ...base,
      type: 'voicemail',
      fields: { local_phone: c.local_phone, phone, voicemail_duration: c.voicemail_duration ?? 0, voicemail_url: c.voicemail_url },
    };
  }
  if (outcome === 'answered' && c.lead_id === null) {
    return {
      ...base,
      type: 'answered_detached_call',
      fields: {
        phone,
        phone_formatted: c.phone?.formatted ?? null,
        phone_number_description: c.phone?.description ?? null,
        recording_url: c.recording_url,
      },
    };
  }
  return null;
}

/** What a call write may touch, read by the caller. */
export interface CallState {
  /** Every task (open or complete) whose object is this call. */
  tasksOfCall: KnownTask[];
  /** Open `missed_call`/`voicemail` tasks of the call's number, of any call. */
  openMissedForNumber: KnownTask[];
}

/**
 * Effects of writing a call (`before` null on create), as `actor`:
 * 1. D29: a call that now makes a task and did not before makes it, once per call.
 * 2. D30: an outbound call to a number, or an answered call from it, completes the
 *    open `missed_call`/`voicemail` tasks of that number (by the call's user).
 * 3. D30: attaching a detached call to a lead completes its `answered_detached_call`
 *    (by `actor`); the call's tasks follow its lead and contact.
 */
export function callEffects(before: CallFacts | null, after: CallFacts, state: CallState, actor: string): TaskEffect[] {
  const effects: TaskEffect[] = [];
  const draft = callTaskDraft(after);
  if (draft && (before === null || callTaskDraft(before) === null) && state.tasksOfCall.length === 0) {
    effects.push({ kind: 'insert', draft });
  }
  const wasCompleting = before !== null && callCompletesMissed(before) && before.phone?.e164 === after.phone?.e164;
  if (callCompletesMissed(after) && !wasCompleting) {
    const ids = state.openMissedForNumber.filter((t) => !state.tasksOfCall.some((own) => own.id === t.id)).map((t) => t.id);
    if (ids.length) effects.push({ kind: 'complete', ids, by: after.user_id });
  }
  if (before !== null && (before.lead_id !== after.lead_id || before.contact_id !== after.contact_id)) {
    for (const t of state.tasksOfCall) {
      effects.push({ kind: 'update', id: t.id, patch: { lead_id: after.lead_id, contact_id: after.contact_id }, by: actor });
    }
    if (before.lead_id === null && after.lead_id !== null) {
      const ids = state.tasksOfCall.filter((t) => t.type === 'answered_detached_call' && !t.is_complete).map((t) => t.id);
      if (ids.length) effects.push({ kind: 'complete', ids, by: actor });
    }
  }
  return effects;
}

/**
 * D30: a phone number newly on a contact attaches it, completing the open
 * `answered_detached_call` tasks of that number; they take the contact and its lead.
 */
export function contactPhoneEffects(contact: { id: string; lead_id: string }, openDetached: KnownTask[], actor: string): TaskEffect[] {
  if (!openDetached.length) return [];
  return [
    ...openDetached.map((t): TaskEffect => ({ kind: 'update', id: t.id, patch: { lead_id: contact.lead_id, contact_id: contact.id }, by: actor })),
    { kind: 'complete', ids: openDetached.map((t) => t.id), by: actor },
  ];
}

// ---------------------------------------------------------------- emails

/** Close's message statuses (`MessageStatus`): emails and SMS. */
export const MESSAGE_STATUSES = ['inbox', 'draft', 'scheduled', 'outbox', 'sent', 'error'] as const;
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

function sameDate(a: CloseDate, b: CloseDate): boolean {
  return a.kind === b.kind && a.ms === b.ms;
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

// ---------------------------------------------------------------- SMS

/** An SMS/MMS attachment as the task and the activity show it (seed example). */
export interface SmsAttachment {
  content_type: string;
  filename: string;
  media_id: string;
  size: number | null;
  thumbnail_url: string | null;
  url: string;
}

/** The facts of an SMS the rules read. */
export interface SmsFacts {
  id: string;
  direction: 'inbound' | 'outbound';
  status: string;
  text: string;
  /** The other party's number. */
  remote: PhoneDetails | null;
  /** Our number, E.164. */
  local_phone: string | null;
  attachments: SmsAttachment[];
  lead_id: string | null;
  contact_id: string | null;
  user_id: string;
  /** The local calendar day of the message in the request's zone, UTC-midnight ms (the seed's `"2016-09-21"`). */
  dayMs: number;
}

/** An inbound SMS in the inbox. */
export function isInboundSms(s: Pick<SmsFacts, 'direction' | 'status'>): boolean {
  return s.direction === 'inbound' && s.status === 'inbox';
}

/** An outbound SMS sent or being sent (`outbox`, `sent`); drafts and scheduled messages are not. */
export function isSentSms(s: Pick<SmsFacts, 'direction' | 'status'>): boolean {
  return s.direction === 'outbound' && (s.status === 'sent' || s.status === 'outbox');
}

/**
 * Effects of writing an SMS (`before` null on create):
 * - an inbound SMS created with `send_to_inbox=true` (Close's switch for API-logged
 *   messages, reference §11) makes an `incoming_sms` task dated the message's day
 *   (D29);
 * - an outbound SMS sent to a number completes that number's open `incoming_sms`
 *   tasks, by its user (D30).
 * @param openForNumber open `incoming_sms` tasks of the SMS's remote number
 */
export function smsEffects(before: SmsFacts | null, after: SmsFacts, openForNumber: KnownTask[], sendToInbox: boolean): TaskEffect[] {
  const effects: TaskEffect[] = [];
  if (before === null && sendToInbox && isInboundSms(after)) {
    effects.push({
      kind: 'insert',
      draft: {
        type: 'incoming_sms',
        assigned_to: after.user_id,
        lead_id: after.lead_id,
        contact_id: after.contact_id,
        date: dateOnlyFromMs(after.dayMs),
        object_type: 'sms',
        object_id: after.id,
        match_key: after.remote ? phoneKey(after.remote.e164) : null,
        text: after.text,
        created_by: null,
        fields: {
          attachments: after.attachments,
          local_phone: after.local_phone,
          remote_phone: after.remote?.e164 ?? null,
          remote_phone_description: after.remote?.description ?? null,
          remote_phone_formatted: after.remote?.formatted ?? null,
        },
      },
    });
  }
  const wasSent = before !== null && isSentSms(before) && before.remote?.e164 === after.remote?.e164;
  if (isSentSms(after) && after.remote && !wasSent && openForNumber.length) {
    effects.push({ kind: 'complete', ids: openForNumber.map((t) => t.id), by: after.user_id });
  }
  return effects;
}

// ---------------------------------------------------------------- opportunities

/** The facts of an opportunity the rules read. */
export interface OpportunityFacts {
  id: string;
  lead_id: string;
  contact_id: string | null;
  user_id: string;
  status_type: string;
  /** The close date, UTC-midnight ms of the day; null when none. */
  date_won_day: number | null;
  value: number | null;
  value_currency: string;
  value_formatted: string | null;
  value_period: string;
  note: string;
}

/**
 * When an opportunity is due (D29): an active opportunity with a close date is due at
 * 00:00 UTC of that day, a date-time as in the seed example
 * (`"2015-05-28T00:00:00+00:00"`); otherwise null.
 */
export function opportunityDueDate(o: Pick<OpportunityFacts, 'status_type' | 'date_won_day'>): CloseDate | null {
  if (o.status_type !== 'active' || o.date_won_day === null) return null;
  return { kind: 'datetime', ms: Math.floor(o.date_won_day / MS_PER_DAY) * MS_PER_DAY };
}

function opportunityFields(o: OpportunityFacts): Record<string, unknown> {
  return {
    opportunity_note: o.note,
    opportunity_value: o.value,
    opportunity_value_currency: o.value_currency,
    opportunity_value_formatted: o.value_formatted,
    opportunity_value_period: o.value_period,
  };
}

/**
 * Effects of writing (`after`) or deleting (`after` null) an opportunity, as `actor`
 * (D29, D30, D32):
 * - newly due (created, activated or given a close date) or re-dated without an open
 *   task: an `opportunity_due` task assigned to the opportunity's user;
 * - due with an open task: the task follows the opportunity (date, assignee, lead,
 *   contact, value, note);
 * - won, lost, deleted, or its close date removed: the open task completes.
 */
export function opportunityEffects(before: OpportunityFacts | null, after: OpportunityFacts | null, openTask: KnownTask | null, actor: string): TaskEffect[] {
  const due = after ? opportunityDueDate(after) : null;
  if (!after || !due) return openTask ? [{ kind: 'complete', ids: [openTask.id], by: actor }] : [];
  const fields = opportunityFields(after);
  if (openTask) {
    const patch: TaskPatch = {};
    if (!sameDate(openTask.date, due)) patch.date = due;
    if (openTask.assigned_to !== after.user_id) patch.assigned_to = after.user_id;
    if (openTask.lead_id !== after.lead_id) patch.lead_id = after.lead_id;
    if (openTask.contact_id !== after.contact_id) patch.contact_id = after.contact_id;
    if (Object.entries(fields).some(([k, v]) => openTask.fields[k] !== v)) patch.fields = fields;
    return Object.keys(patch).length ? [{ kind: 'update', id: openTask.id, patch, by: actor }] : [];
  }
  const dueBefore = before ? opportunityDueDate(before) : null;
  if (dueBefore && sameDate(dueBefore, due)) return []; // its task was completed by hand; nothing new is due
  return [
    {
      kind: 'insert',
      draft: {
        type: 'opportunity_due',
        assigned_to: after.user_id,
        lead_id: after.lead_id,
        contact_id: after.contact_id,
        date: due,
        object_type: 'opportunity',
        object_id: after.id,
        match_key: opportunityKey(after.id),
        fields,
        text: null,
        created_by: actor,
      },
    },
  ];
}
