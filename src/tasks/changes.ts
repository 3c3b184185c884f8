/**
 * What a task write body asks for, checked (D2, D20-D22), and how it applies to a
 * stored task: completion records a TaskCompleted activity for lead tasks, reopening
 * deletes it. Used by every task write of `tasks/service.ts` (create, update, bulk).
 */
import type { RequestContext } from '../context.js';
import type { TaskRow } from '../db/schema.js';
import type { Executor } from '../db/executor.js';
import { findMember } from '../db/accounts.repo.js';
import { leadExists } from '../db/leads.repo.js';
import { findContactRef } from '../db/contacts.repo.js';
import type { TaskWithNames } from '../db/tasks.repo.js';
import { CloseError, FIELD_TEXT } from '../close/errors.js';
import { dateOnlyFromMs, parseCloseDate, type CloseDate } from '../close/dates.js';
import { todayDayMs } from '../close/localday.js';
import { FieldErrors } from '../close/params.js';
import type { TaskWriteBody } from '../schemas/task.js';
import { activityEvent, type NewEvent } from '../events/record.js';
import { activitySnapshots, createTaskCompleted, deleteTaskCompletedRow } from './completed.js';
import { PRIORITIES, RESOLUTIONS } from './types.js';
import type { TaskUpdate } from './writes.js';

/** Validated changes to apply to a task. Absent keys change nothing (D2). */
export interface TaskChanges {
  lead_id?: string;
  contact_id?: string | null;
  /** The lead of the contact named by `contact_id`, to check it is the task's lead. */
  contactLeadId?: string;
  assigned_to?: string;
  text?: string;
  /** A new date; `dateless` true when it was cleared (D20: dateless tasks are dated today). */
  date?: { value: CloseDate; dateless: boolean };
  is_dateless?: boolean;
  is_complete?: boolean;
  priority?: string | null;
  resolution?: string | null;
}

const has = (o: object, k: string) => Object.prototype.hasOwnProperty.call(o, k);

/**
 * Checks a write body against the organization (D20, D21): referenced objects exist
 * in the caller's organization, dates parse, enums hold.
 * @throws CloseError 400 with every field error found.
 */
export async function validateChanges(ctx: RequestContext, ex: Executor, body: TaskWriteBody): Promise<TaskChanges> {
  const errors = new FieldErrors();
  const out: TaskChanges = {};
  const org = ctx.organizationId;

  if (has(body, 'lead_id')) {
    if (body.lead_id === null || body.lead_id === '') errors.add('lead', FIELD_TEXT.required);
    else if (!(await leadExists(ex, org, body.lead_id!))) errors.add('lead', FIELD_TEXT.doesNotExist);
    else out.lead_id = body.lead_id!;
  }
  if (has(body, 'contact_id')) {
    if (body.contact_id === null || body.contact_id === '') out.contact_id = null;
    else {
      const c = await findContactRef(ex, org, body.contact_id!);
      if (!c) errors.add('contact', FIELD_TEXT.doesNotExist);
      else {
        out.contact_id = c.contact_id;
        out.contactLeadId = c.lead_id;
      }
    }
  }
  if (has(body, 'assigned_to')) {
    const member = body.assigned_to ? await findMember(ex, org, body.assigned_to) : undefined;
    if (!member) errors.add('assigned_to', FIELD_TEXT.doesNotExist);
    else out.assigned_to = member.id;
  }
  if (has(body, 'text')) out.text = body.text;

  const dateKey = has(body, 'date') ? 'date' : has(body, 'due_date') ? 'due_date' : null;
  if (dateKey) {
    const raw = body[dateKey];
    if (raw === null || raw === '') {
      out.date = { value: dateOnlyFromMs(todayDayMs(ctx.now(), ctx.zone)), dateless: true };
    } else {
      const value = parseCloseDate(raw as string);
      if (!value) errors.add(dateKey, `${FIELD_TEXT.invalidDate} Use YYYY-MM-DD or an ISO 8601 date-time (got "${raw}").`);
      else out.date = { value, dateless: false };
    }
  }
  if (has(body, 'is_dateless')) out.is_dateless = body.is_dateless;
  if (has(body, 'is_complete')) out.is_complete = body.is_complete;
  if (has(body, 'priority')) {
    if (body.priority !== null && !(PRIORITIES as readonly string[]).includes(body.priority!)) {
      errors.add('priority', `Value must be one of: ${PRIORITIES.join(', ')} or null.`);
    } else out.priority = body.priority ?? null;
  }
  if (has(body, 'resolution')) {
    if (body.resolution !== null && !(RESOLUTIONS as readonly string[]).includes(body.resolution!)) {
      errors.add('resolution', `Value must be one of: ${RESOLUTIONS.join(', ')} or null.`);
    } else {
      out.resolution = body.resolution ?? null;
      // D21: a resolution completes the task.
      if (out.resolution !== null) {
        if (out.is_complete === false) errors.add('resolution', 'A task with a resolution is complete; do not send is_complete: false with it.');
        out.is_complete = true;
      }
    }
  }
  errors.throwIfAny();
  return out;
}

/**
 * Refuses changes a task of this type cannot take (D21: only lead tasks' `text` may
 * change). Sending a task's current text back unchanged is not a change, so a client
 * may PUT a whole object it read (an SMS task shows the message as `text`). A contact
 * must be one of the task's lead (after the change).
 * @throws CloseError 400 field error on `text` or `contact`.
 */
export function checkChangesFit(task: { type: string; text: string | null; lead_id: string | null }, changes: TaskChanges): void {
  if (changes.text !== undefined && task.type !== 'lead' && changes.text !== task.text) {
    throw CloseError.field('text', `Only lead tasks have text; this task is of type ${task.type}.`);
  }
  // A task's contact is a contact of the task's lead (our rule; Close is silent).
  if (changes.contactLeadId !== undefined && changes.contactLeadId !== (changes.lead_id ?? task.lead_id)) {
    throw CloseError.field('contact', "The contact is not on the task's lead.");
  }
}

/**
 * The update `changes` make to `row` (D21, D22), for `tasks/writes.ts`: completing a
 * lead task records a TaskCompleted activity and points the task at it; reopening
 * deletes that activity and clears the resolution. Changes that leave every field as
 * it was give no patch (not even `date_updated`/`updated_by`, D36).
 */
export async function planUpdate(ctx: RequestContext, ex: Executor, row: TaskWithNames, changes: TaskChanges): Promise<TaskUpdate> {
  const now = ctx.now();
  const follow: (NewEvent | null)[] = [];
  let completed = false;
  const patch: Partial<TaskRow> = { updated_by: ctx.userId, date_updated: now };
  if (changes.lead_id !== undefined) patch.lead_id = changes.lead_id;
  if (changes.contact_id !== undefined) patch.contact_id = changes.contact_id;
  if (changes.assigned_to !== undefined) patch.assigned_to = changes.assigned_to;
  if (changes.text !== undefined) patch.text = changes.text;
  if (changes.date) {
    patch.date_ms = changes.date.value.ms;
    patch.date_is_day = changes.date.value.kind === 'date' ? 1 : 0;
    patch.is_dateless = changes.date.dateless ? 1 : 0;
  }
  if (changes.is_dateless !== undefined) patch.is_dateless = changes.is_dateless ? 1 : 0;
  if (changes.priority !== undefined) patch.priority = changes.priority;
  if (changes.resolution !== undefined) patch.resolution = changes.resolution;

  if (changes.is_complete !== undefined && changes.is_complete !== !!row.is_complete) {
    if (changes.is_complete) {
      patch.is_complete = 1;
      completed = true;
      if (row.type === 'lead') {
        const merged = { ...row, ...patch } as TaskRow;
        const activityId = await createTaskCompleted(ex, merged, ctx.userId, now);
        patch.object_type = 'taskcompleted';
        patch.object_id = activityId;
        const [activity] = await activitySnapshots(ex, row.organization_id, [activityId]);
        if (activity) follow.push(activityEvent('created', { after: activity }));
      }
    } else {
      patch.is_complete = 0;
      if (changes.resolution === undefined) patch.resolution = null;
      if (row.object_type === 'taskcompleted' && row.object_id) {
        const [activity] = await activitySnapshots(ex, row.organization_id, [row.object_id]);
        await deleteTaskCompletedRow(ex, row.object_id);
        if (activity) follow.push(activityEvent('deleted', { before: activity }));
        patch.object_type = null;
        patch.object_id = null;
      }
    }
  }
  // A write that changes nothing leaves the task alone: no new `date_updated` for
  // incremental syncs to re-fetch, and no `updated` event (issue 5, D36).
  const changed = (Object.keys(patch) as (keyof TaskRow)[]).some((k) => k !== 'updated_by' && k !== 'date_updated' && patch[k] !== row[k]);
  return { before: row, patch: changed ? patch : null, completed, follow };
}
