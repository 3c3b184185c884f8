/**
 * Task types and the fields each carries on the wire (reference §10; the seed example
 * `shared/fixtures/seed-task-list.json`; decisions D10, D20, D25).
 *
 * Every task has the common fields. Each type adds the fields the seed example shows
 * for it, and no others; `lead` and `outgoing_call` (the types users create) also
 * carry `is_dateless` and `due_date` (reference §8.2, D20); every type carries
 * `priority` and `resolution`. D34: these keys depend on the type alone.
 *
 * `outgoing_call` carries `text` too (our rule; the seed shows no such task, and a call
 * task exported from Close may hold a description): a dump's text is kept, and one
 * made through the API, which cannot set it (D21), has `text: null`.
 */

export const TASK_TYPES = [
  'lead',
  'outgoing_call',
  'incoming_email',
  'email_followup',
  'missed_call',
  'answered_detached_call',
  'voicemail',
  'opportunity_due',
  'incoming_sms',
] as const;

export type TaskType = (typeof TASK_TYPES)[number];

/** Types a client may create with `POST /task/` (D20). */
export const CREATABLE_TYPES: ReadonlySet<TaskType> = new Set(['lead', 'outgoing_call']);

const TYPE_SET: ReadonlySet<string> = new Set(TASK_TYPES);

export function isTaskType(name: string): name is TaskType {
  return TYPE_SET.has(name);
}

/** Fields every task carries (reference §10.1, seed example). */
export const COMMON_FIELDS = [
  '_type',
  'assigned_to',
  'assigned_to_name',
  'contact_id',
  'contact_name',
  'created_by',
  'created_by_name',
  'date',
  'date_created',
  'date_updated',
  'id',
  'is_complete',
  'lead_id',
  'lead_name',
  'object_id',
  'object_type',
  'organization_id',
  'updated_by',
  'updated_by_name',
  'view',
] as const;

/**
 * Type-specific fields, as the seed example shows them. These are stored per task
 * (in `extra`) except `text`, `is_dateless` and `due_date`, which have columns.
 */
export const TYPE_FIELDS: Record<TaskType, readonly string[]> = {
  lead: ['is_dateless', 'due_date', 'text'],
  outgoing_call: ['is_dateless', 'due_date', 'text'],
  missed_call: ['local_phone', 'phone', 'phone_formatted', 'phone_number_description'],
  voicemail: ['local_phone', 'phone', 'voicemail_duration', 'voicemail_url'],
  incoming_email: ['body_preview', 'emails', 'subject'],
  email_followup: ['body_preview', 'email_id', 'subject'],
  answered_detached_call: ['phone', 'phone_formatted', 'phone_number_description', 'recording_url'],
  opportunity_due: [
    'opportunity_note',
    'opportunity_value',
    'opportunity_value_currency',
    'opportunity_value_formatted',
    'opportunity_value_period',
  ],
  incoming_sms: [
    'attachments',
    'local_phone',
    'remote_phone',
    'remote_phone_description',
    'remote_phone_formatted',
    'text',
  ],
};

/**
 * The `text` of a new task of a type that has one (D34: what an import lacking `text`
 * gets): "" for lead tasks and text messages, null for call tasks (D21: no text is
 * set through the API on them).
 */
export function newTaskText(t: TaskType): string | null {
  return t === 'outgoing_call' ? null : '';
}

/** Fields of `TYPE_FIELDS` that live in their own columns, not in the `extra` JSON. */
export const COLUMN_FIELDS: ReadonlySet<string> = new Set(['is_dateless', 'due_date', 'text']);

/** Type-specific fields kept in the `extra` JSON column of a task of type `t`. */
export function extraFieldsOf(t: TaskType): string[] {
  return TYPE_FIELDS[t].filter((f) => !COLUMN_FIELDS.has(f));
}

/** `priority` and `resolution` (reference §10.1): on every task of every type, null when unset (D34). */
export const OPTIONAL_FIELDS = ['priority', 'resolution'] as const;

export const PRIORITIES = ['high', 'medium'] as const;
export const RESOLUTIONS = ['abandoned', 'skipped'] as const;

/** The 404 model name for tasks (D26). */
export const TASK_MODEL = 'Task';
