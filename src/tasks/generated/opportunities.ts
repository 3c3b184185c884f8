/** The rules of `opportunity_due` tasks (D29, D30, D32): pure, see `rules.ts`. */
import { MS_PER_DAY, type CloseDate } from '../../close/dates.js';
import { opportunityKey, sameDate, type KnownTask, type TaskEffect, type TaskPatch } from './rules.js';

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
