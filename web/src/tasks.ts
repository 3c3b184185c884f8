/**
 * Task types as the page shows them: the fields of each type's JSON (reference §10.2),
 * its label, and the one-line title a salesperson scans.
 */

export type View = 'inbox' | 'future' | 'archive';
/** The tabs, in order, with their labels. */
export const VIEWS: { id: View; label: string }[] = [
  { id: 'inbox', label: 'Inbox' },
  { id: 'future', label: 'Future' },
  { id: 'archive', label: 'Archive' },
];

export interface Attachment {
  url: string;
  thumbnail_url?: string | null;
  filename?: string | null;
  content_type?: string | null;
  size?: number | null;
}

/** A task as `GET /task/` answers it; which optional keys exist depends on `_type`. */
export interface Task {
  id: string;
  _type: string;
  date: string;
  view: View | null;
  is_complete: boolean;
  assigned_to: string | null;
  assigned_to_name: string | null;
  lead_id: string | null;
  lead_name: string | null;
  contact_id?: string | null;
  contact_name?: string | null;
  text?: string | null;
  priority?: string | null;
  // calls
  phone?: string | null;
  phone_formatted?: string | null;
  phone_number_description?: string | null;
  local_phone?: string | null;
  voicemail_duration?: number | null;
  voicemail_url?: string | null;
  recording_url?: string | null;
  // emails
  subject?: string | null;
  body_preview?: string | null;
  emails?: string[];
  // sms
  remote_phone?: string | null;
  remote_phone_formatted?: string | null;
  remote_phone_description?: string | null;
  attachments?: Attachment[];
  // opportunities
  object_id?: string | null;
  opportunity_value_formatted?: string | null;
  opportunity_value_period?: string | null;
  opportunity_note?: string | null;
}

/** A user as `GET /user/` answers it (the fields the page asks for). */
export interface User {
  id: string;
  first_name: string | null;
  last_name: string | null;
  email: string;
  last_used_timezone: string | null;
}

/** The types a filter offers, in the order of Close's inbox. */
export const TYPE_LABELS: Record<string, string> = {
  lead: 'Lead task',
  outgoing_call: 'Call to make',
  missed_call: 'Missed call',
  voicemail: 'Voicemail',
  answered_detached_call: 'Answered call',
  incoming_email: 'Email',
  email_followup: 'Follow-up',
  incoming_sms: 'Text message',
  opportunity_due: 'Opportunity',
};

/** A user's display name, "First Last", or the email when the user has no name. */
export function userName(u: User): string {
  const name = [u.first_name, u.last_name].filter(Boolean).join(' ').trim();
  return name || u.email;
}

/**
 * A phone number for people: the server's `*_formatted` value when the task has one,
 * else the E.164 `phone` in the same international format for North American numbers
 * (Close's voicemail tasks carry no `phone_formatted`), else as stored.
 */
export function formatPhone(formatted: string | null | undefined, e164: string | null | undefined): string | null {
  if (formatted) return formatted;
  if (!e164) return null;
  const m = /^\+1(\d{3})(\d{3})(\d{4})$/.exec(e164);
  return m ? `+1 ${m[1]}-${m[2]}-${m[3]}` : e164;
}

/** Who called or wrote, as the row's title names them (the number itself is on the next line). */
function who(t: Task): string {
  return t.contact_name || (t._type === 'incoming_sms' ? 'an unknown number' : 'an unknown caller');
}

/** The line a salesperson scans first. */
export function taskTitle(t: Task): string {
  switch (t._type) {
    case 'lead':
      return t.text?.trim() || 'Untitled task';
    case 'outgoing_call':
      return t.text?.trim() || `Call ${t.contact_name || t.lead_name || 'back'}`;
    case 'missed_call':
      return `Missed call from ${who(t)}`;
    case 'voicemail':
      return `Voicemail from ${who(t)}`;
    case 'answered_detached_call':
      return `Answered call from ${who(t)}`;
    case 'incoming_email':
      return t.subject?.trim() || '(no subject)';
    case 'email_followup':
      return `Follow up: ${t.subject?.trim() || '(no subject)'}`;
    case 'incoming_sms':
      return `Text from ${who(t)}`;
    case 'opportunity_due':
      return `Opportunity due: ${t.opportunity_value_formatted ?? 'no value'}${periodSuffix(t.opportunity_value_period)}`;
    default:
      return t.text || t._type;
  }
}

/** " a month", " a year", or nothing for a one-time value. */
export function periodSuffix(period: string | null | undefined): string {
  return period === 'monthly' ? ' a month' : period === 'annual' ? ' a year' : '';
}

/** "15 KB" for a byte size. */
export function fileSize(bytes: number | null | undefined): string {
  if (!bytes || bytes < 0) return '';
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${Math.round(bytes / 1024)} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

/** Each user's name for menus, with the email added where two users share a name. */
export function userLabels(users: User[]): Map<string, string> {
  const seen = new Map<string, number>();
  for (const u of users) seen.set(userName(u), (seen.get(userName(u)) ?? 0) + 1);
  return new Map(users.map((u) => [u.id, (seen.get(userName(u)) ?? 0) > 1 ? `${userName(u)} (${u.email})` : userName(u)]));
}
