/** The rules of the tasks text messages make and complete (D29, D30, D32): pure, see `rules.ts`. */
import { dateOnlyFromMs } from '../../close/dates.js';
import type { PhoneDetails } from '../../close/phones.js';
import { phoneKey, type KnownTask, type TaskEffect } from './rules.js';

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
