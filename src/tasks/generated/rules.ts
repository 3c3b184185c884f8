/**
 * The rules of generated tasks (decisions D29, D30, D32; reference §10.2, §11): which
 * event makes which task with which fields, and which event completes, moves or
 * removes which tasks.
 *
 * Pure: every function takes the facts (the activity or opportunity as it was and as
 * it is now, plus the tasks it may touch, already read) and returns `TaskEffect`s.
 * `tasks/effects.ts` (`applyTaskEffects`) carries them out inside the caller's
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
import type { CloseDate } from '../../close/dates.js';
import type { TaskType } from '../types.js';

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

/** True when two task dates are the same value (same kind, same ms). */
export function sameDate(a: CloseDate, b: CloseDate): boolean {
  return a.kind === b.kind && a.ms === b.ms;
}
