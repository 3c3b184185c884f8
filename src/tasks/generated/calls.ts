/** The rules of the tasks calls make and complete (D29, D30, D32): pure, see `rules.ts`. */
import type { CloseDate } from '../../close/dates.js';
import type { PhoneDetails } from '../../close/phones.js';
import { phoneKey, type GeneratedTaskDraft, type KnownTask, type TaskEffect } from './rules.js';


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
